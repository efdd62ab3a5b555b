// The server as a real child process (`bun src/index.ts serve` on port 0), for tests and benchmarks that need to
// signal, kill or restart it. Its stderr (the request log) is always drained, so the child never blocks on a full
// pipe; the last part is kept for assertions and error messages.
import { join } from "node:path";
import type { Subprocess } from "bun";

const REPO = join(import.meta.dir, "..", "..");
const KEEP_STDERR = 16 * 1024;

export interface ServerProcess {
  url: string;
  process: Subprocess<"ignore", "pipe", "pipe">;
  /** The tail of what the server wrote to stderr so far. */
  stderr(): string;
}

export async function startServerProcess(env: Record<string, string | undefined>): Promise<ServerProcess> {
  const child = Bun.spawn([process.execPath, join(REPO, "src/index.ts"), "serve"], {
    // From the repository: running from source builds the web UI relative to the working directory.
    cwd: REPO,
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: "127.0.0.1", PORT: "0", ...env },
  });
  let stderr = "";
  const decoder = new TextDecoder();
  const drained = (async () => {
    for await (const chunk of child.stderr) stderr = (stderr + decoder.decode(chunk, { stream: true })).slice(-KEEP_STDERR);
  })();
  let banner = "";
  for await (const chunk of child.stdout) {
    banner += decoder.decode(chunk, { stream: true });
    const url = /listening on (http:\/\/\S+)/.exec(banner)?.[1];
    // The banner ends with the key line; wait for it so the server is fully up.
    if (url && /api key|auth {7}OFF/.test(banner)) return { url, process: child, stderr: () => stderr };
  }
  await drained;
  throw new Error(`server did not start:\n${banner}\n${stderr}`);
}
