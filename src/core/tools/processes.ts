// Long-running processes (a dev server, a watcher): process_start / process_poll / process_write_stdin /
// process_stop. Each process runs in its own sandbox (sharing its session's network namespace, so the session's
// later commands reach a server it started) with its output in a ring buffer; the number of live processes is capped;
// a session only sees its own processes; all are killed at shutdown.
import { Type as T } from "@sinclair/typebox";
import type { FileSink } from "bun";
import type { Config } from "../../config";
import type { SandboxedProcess } from "../sandbox";
import { classifyCommand, inputRisk } from "../shell";
import { defineTool, fail, ok } from "./define";
import { needsOf, type AgentCommands } from "./shell";
import type { ToolDefinition } from "./types";

const RING_BYTES = 256 * 1024;
const KEEP_EXITED = 50;
const MAX_WAIT_MS = 30_000;

/** The last RING_BYTES of output, addressable by absolute offset so each poll returns only what is new. */
class OutputRing {
  private buffer = Buffer.alloc(0);
  /** absolute offset of buffer[0] */
  private start = 0;
  private waiters = new Set<() => void>();

  get end(): number {
    return this.start + this.buffer.length;
  }

  push(chunk: Uint8Array): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (this.buffer.length > RING_BYTES) {
      const drop = this.buffer.length - RING_BYTES;
      this.buffer = this.buffer.subarray(drop);
      this.start += drop;
    }
    this.wake();
  }

  /** Bytes from `from` on (at most `max`), and how many were lost to the ring's size. */
  read(from: number, max: number): { text: string; next: number; dropped: number } {
    const dropped = Math.max(0, this.start - from);
    const begin = Math.max(from, this.start) - this.start;
    const slice = this.buffer.subarray(begin, Math.min(this.buffer.length, begin + max));
    // don't cut a multi-byte character: back off to the last complete one
    let cut = slice.length;
    if (cut > 0 && begin + cut < this.buffer.length) {
      let k = cut - 1;
      while (k > 0 && (slice[k]! & 0xc0) === 0x80) k--;
      const lead = slice[k]!;
      const width = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
      if (k + width > cut) cut = k;
    }
    return { text: slice.subarray(0, cut).toString("utf8"), next: this.start + begin + cut, dropped };
  }

  waitForMore(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      this.waiters.add(done);
    });
  }

  wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

interface ManagedProcess {
  id: string;
  name: string;
  command: string;
  /** The directory it was started in (its root). */
  cwd: string;
  sessionId: string;
  pid: number;
  startedAt: number;
  exitCode: number | null;
  exitedAt?: number;
  output: OutputRing;
  cursor: number;
  proc: SandboxedProcess;
}

export class ProcessManager {
  private readonly processes = new Map<string, ManagedProcess>();
  private next = 1;

  constructor(
    private readonly config: Config,
    private readonly commands: AgentCommands,
  ) {}

  get liveCount(): number {
    return [...this.processes.values()].filter((p) => p.exitedAt === undefined).length;
  }

  async start(command: string, options: { cwd: string; sessionId: string; name?: string; network?: boolean }): Promise<ManagedProcess> {
    const max = this.config.tools.maxProcesses;
    if (this.liveCount >= max) {
      throw new Error(`${max} background processes are already running (the limit); stop one with process_stop first`);
    }
    const proc = await this.commands.spawn(command, { root: options.cwd, sessionId: options.sessionId, needs: needsOf(command, options.network), stdin: "pipe" });
    const id = `proc_${(this.next++).toString().padStart(3, "0")}_${Math.random().toString(36).slice(2, 6)}`;
    const managed: ManagedProcess = {
      id,
      name: options.name ?? command.slice(0, 60),
      command,
      cwd: options.cwd,
      sessionId: options.sessionId,
      pid: proc.pid,
      startedAt: Date.now(),
      exitCode: null,
      output: new OutputRing(),
      cursor: 0,
      proc,
    };
    this.processes.set(id, managed);
    void (async () => {
      try {
        for await (const chunk of proc.stdout) managed.output.push(chunk);
      } catch {
        // the pipe closed under us: the process is gone
      }
    })();
    void proc.exited.then((code) => {
      managed.exitCode = code;
      managed.exitedAt = Date.now();
      managed.output.wake();
      this.forgetOldExited();
    });
    return managed;
  }

  /** The session's process with that id, if there is one. */
  find(id: string, sessionId: string): ManagedProcess | undefined {
    const p = this.processes.get(id);
    return p && p.sessionId === sessionId ? p : undefined;
  }

  get(id: string, sessionId: string): ManagedProcess {
    const p = this.processes.get(id);
    if (!p || p.sessionId !== sessionId) {
      const mine = [...this.processes.values()].filter((q) => q.sessionId === sessionId).map((q) => q.id);
      throw new Error(`no process ${id} in this session${mine.length ? ` (known: ${mine.join(", ")})` : ""}`);
    }
    return p;
  }

  async poll(p: ManagedProcess, waitMs: number, signal: AbortSignal): Promise<string> {
    if (waitMs > 0 && p.output.end === p.cursor && p.exitedAt === undefined) await p.output.waitForMore(Math.min(waitMs, MAX_WAIT_MS), signal);
    const { text, next, dropped } = p.output.read(p.cursor, this.config.tools.outputCapBytes);
    p.cursor = next;
    const remaining = p.output.end - p.cursor;
    const lines = [this.describe(p)];
    if (dropped) lines.push(`[${dropped} bytes of older output were dropped from the buffer]`);
    lines.push(text ? `--- new output ---\n${text.trimEnd()}` : "(no new output)");
    if (remaining > 0) lines.push(`[${remaining} more bytes buffered: poll again to read them]`);
    return lines.join("\n");
  }

  describe(p: ManagedProcess): string {
    const age = Math.round(((p.exitedAt ?? Date.now()) - p.startedAt) / 1000);
    return p.exitedAt === undefined
      ? `${p.id} (${p.name}): running, pid ${p.pid}, for ${age} s`
      : `${p.id} (${p.name}): exited with code ${p.exitCode} after ${age} s`;
  }

  async stop(p: ManagedProcess): Promise<void> {
    if (p.exitedAt !== undefined) return;
    p.proc.kill("SIGTERM");
    const exited = await Promise.race([p.proc.exited.then(() => true), Bun.sleep(2000).then(() => false)]);
    if (!exited) p.proc.kill();
    await p.proc.exited;
  }

  /** Shutdown: every process group goes. */
  async killAll(): Promise<void> {
    const live = [...this.processes.values()].filter((p) => p.exitedAt === undefined);
    for (const p of live) p.proc.kill();
    await Promise.all(live.map((p) => Promise.race([p.proc.exited, Bun.sleep(2000)])));
  }

  private forgetOldExited(): void {
    const exited = [...this.processes.values()].filter((p) => p.exitedAt !== undefined).sort((a, b) => a.exitedAt! - b.exitedAt!);
    for (const p of exited.slice(0, Math.max(0, exited.length - KEEP_EXITED))) this.processes.delete(p.id);
  }
}

export function processTools(manager: ProcessManager, config: Config): ToolDefinition[] {
  const start = defineTool({
    name: "process_start",
    description:
      `Start a long-running command in the background (a dev server, a watcher, a REPL) in the project root. Returns its id and the ` +
      `first output. Read more output with process_poll, send input with process_write_stdin, end it with process_stop. ` +
      `At most ${config.tools.maxProcesses} run at once. It runs in the sandbox like execute_command; this session's later commands can ` +
      `reach a server it starts on localhost.`,
    parameters: T.Object({
      command: T.String({ minLength: 1, description: "The command line" }),
      network: T.Optional(T.Boolean({ description: "true when it needs the internet; the user is asked" })),
      name: T.Optional(T.String({ maxLength: 80, description: "A short label" })),
      wait_ms: T.Optional(T.Integer({ minimum: 0, maximum: MAX_WAIT_MS, description: "How long to wait for first output (default 1000)" })),
    }),
    category: "process",
    operation: "execute",
    timeoutMs: MAX_WAIT_MS + 10_000,
    resource: (args) => args.command,
    assess: (args, ctx) => ({ ...classifyCommand(args.command, ctx.root), needs: needsOf(args.command, args.network) }),
    async run(args, ctx) {
      let p;
      try {
        p = await manager.start(args.command, { cwd: ctx.root, sessionId: ctx.sessionId, name: args.name, network: args.network });
      } catch (error) {
        return fail((error as Error).message);
      }
      const wait = args.wait_ms ?? 1000;
      if (wait > 0) await Promise.race([p.proc.exited, Bun.sleep(wait), new Promise((r) => ctx.signal.addEventListener("abort", r, { once: true }))]);
      await Bun.sleep(20); // let the reader drain what the process printed just before exiting
      return ok(await manager.poll(p, 0, ctx.signal), { process_id: p.id, pid: p.pid });
    },
  });

  const idParam = T.String({ minLength: 1, description: "The id returned by process_start" });

  const poll = defineTool({
    name: "process_poll",
    description: "Show a background process's state and the output it produced since the last poll. wait_ms waits for new output (up to 30000).",
    parameters: T.Object({
      process_id: idParam,
      wait_ms: T.Optional(T.Integer({ minimum: 0, maximum: MAX_WAIT_MS })),
    }),
    category: "process",
    operation: "read",
    timeoutMs: MAX_WAIT_MS + 10_000,
    resource: (args) => args.process_id,
    async run(args, ctx) {
      const p = manager.get(args.process_id, ctx.sessionId);
      return ok(await manager.poll(p, args.wait_ms ?? 0, ctx.signal), { process_id: p.id, running: p.exitedAt === undefined, exit_code: p.exitCode });
    },
  });

  const writeStdin = defineTool({
    name: "process_write_stdin",
    description:
      "Send text to a background process's standard input (add \\n to end a line). close=true closes its input afterwards. Input to a " +
      "process that runs a shell, an interpreter or a REPL is code, so it waits for the user's approval.",
    parameters: T.Object({
      process_id: idParam,
      input: T.String({ description: "Text to send" }),
      close: T.Optional(T.Boolean()),
    }),
    category: "process",
    operation: "write",
    resource: (args) => args.process_id,
    // input to a shell or an interpreter runs as code: judged like the command that started the process
    assess(args, ctx) {
      const p = manager.find(args.process_id, ctx.sessionId);
      return p ? inputRisk(p.command, p.cwd) : undefined;
    },
    async run(args, ctx) {
      const p = manager.get(args.process_id, ctx.sessionId);
      if (p.exitedAt !== undefined) return fail(`${manager.describe(p)}; it no longer reads input.`);
      // started with stdin: "pipe", so this is a FileSink
      const stdin = p.proc.stdin as FileSink;
      stdin.write(args.input);
      await stdin.flush();
      if (args.close) await stdin.end();
      return ok(`Sent ${Buffer.byteLength(args.input)} bytes to ${p.id}${args.close ? " and closed its input" : ""}.`);
    },
  });

  const stop = defineTool({
    name: "process_stop",
    description: "Stop a background process and everything it started (SIGTERM, then SIGKILL after 2 s). Returns its final output.",
    parameters: T.Object({ process_id: idParam }),
    category: "process",
    operation: "kill",
    resource: (args) => args.process_id,
    async run(args, ctx) {
      const p = manager.get(args.process_id, ctx.sessionId);
      await manager.stop(p);
      await Bun.sleep(20);
      return ok(await manager.poll(p, 0, ctx.signal), { process_id: p.id, exit_code: p.exitCode });
    },
  });

  return [start, poll, writeStdin, stop];
}
