// The ports this process serves HTTP on (every Penguin server started in it). A fact about the process, so it is
// kept per process: the server registers its port once it listens, and web_fetch refuses to call any of them on
// a local address (the agent must not reach its own server's API through the back door).
const ports = new Set<number>();

export const listening = {
  add(port: number): void {
    ports.add(port);
  },
  remove(port: number): void {
    ports.delete(port);
  },
  has(port: number): boolean {
    return ports.has(port);
  },
};
