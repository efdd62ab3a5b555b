// One network namespace per session: a holder (bwrap --unshare-net running `sleep`) owns it, and each sandboxed
// command of the session enters it with nsenter before bwrap starts, so a dev server one command started is
// reachable on localhost from the session's next command, and from nothing else. As root nsenter joins the network
// namespace alone; as a normal user the namespace belongs to the holder's user namespace, so the command joins
// that first (as its root, mapped to the server's uid) and bwrap then makes its own nested user namespace that
// maps the server's uid back. The holder goes when the session's last command has ended and `idleMs` has passed,
// when the session is released, or at shutdown (and with the server: --die-with-parent).
import type { Subprocess } from "bun";

interface Holder {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** host pid of the process inside the namespace */
  innerPid: number;
  users: number;
  idleTimer?: ReturnType<typeof setTimeout>;
}

export interface NetworkJoin {
  /** goes before bwrap */
  prefix: string[];
  /** goes into bwrap's arguments */
  bwrapArgs: string[];
  /** the command has ended */
  release(): void;
}

export class SessionNetworks {
  private readonly holders = new Map<string, Promise<Holder>>();
  private readonly uid = process.getuid?.() ?? 0;
  private readonly gid = process.getgid?.() ?? 0;

  constructor(
    private readonly bwrap: string,
    private readonly nsenter: string,
    /** bwrap arguments that give a `sleep` to run: the system directories */
    private readonly systemArgs: string[],
    private readonly idleMs: number,
  ) {}

  get size(): number {
    return this.holders.size;
  }

  /** Joins (creating if needed) the session's namespace for one command. */
  async join(session: string): Promise<NetworkJoin> {
    let pending = this.holders.get(session);
    if (pending) {
      const holder = await pending.catch(() => undefined);
      if (!holder || holder.proc.exitCode !== null || holder.proc.signalCode !== null) {
        if (this.holders.get(session) === pending) this.holders.delete(session);
        pending = undefined;
      }
    }
    if (!pending) {
      pending = this.start(session);
      this.holders.set(session, pending);
      pending.catch(() => this.holders.get(session) === pending && this.holders.delete(session));
    }
    const holder = await pending;
    holder.users++;
    if (holder.idleTimer) clearTimeout(holder.idleTimer);
    holder.idleTimer = undefined;
    const ns = (name: string) => `/proc/${holder.innerPid}/ns/${name}`;
    const root = this.uid === 0;
    let released = false;
    return {
      prefix: root ? [this.nsenter, `--net=${ns("net")}`, "--"] : [this.nsenter, "--preserve-credentials", `--user=${ns("user")}`, `--net=${ns("net")}`, "--"],
      bwrapArgs: root ? [] : ["--unshare-user", "--uid", String(this.uid), "--gid", String(this.gid)],
      release: () => {
        if (released) return;
        released = true;
        if (--holder.users > 0 || this.holders.get(session) !== pending) return;
        holder.idleTimer = setTimeout(() => void this.release(session), this.idleMs);
        holder.idleTimer.unref?.();
      },
    };
  }

  /** Ends the session's namespace now (its commands lose their network peers, not their lives). */
  async release(session: string): Promise<void> {
    const pending = this.holders.get(session);
    if (!pending) return;
    this.holders.delete(session);
    const holder = await pending.catch(() => undefined);
    if (!holder) return;
    if (holder.idleTimer) clearTimeout(holder.idleTimer);
    holder.proc.kill("SIGKILL");
    await holder.proc.exited;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.holders.keys()].map((s) => this.release(s)));
  }

  private async start(session: string): Promise<Holder> {
    const userArgs = this.uid === 0 ? [] : ["--unshare-user", "--uid", "0", "--gid", "0"];
    const proc = Bun.spawn(
      [this.bwrap, ...this.systemArgs, ...userArgs, "--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--info-fd", "1", "--", "sleep", "infinity"],
      { env: { PATH: "/usr/bin:/bin" }, cwd: "/", stdin: "ignore", stdout: "pipe", stderr: "pipe", detached: true },
    );
    // bwrap writes {"child-pid": N, ...} to the info fd once the namespaces exist
    const reader = proc.stdout.getReader();
    let text = "";
    const decoder = new TextDecoder();
    while (!text.includes("}")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    reader.releaseLock();
    const innerPid = Number(text.match(/"child-pid":\s*(\d+)/)?.[1]);
    if (!innerPid) {
      proc.kill("SIGKILL");
      const error = (await new Response(proc.stderr).text()).trim();
      throw new Error(`sandbox: cannot create the network namespace of session ${session}: ${error || "bwrap exited"}`);
    }
    return { proc, innerPid, users: 0 };
  }
}
