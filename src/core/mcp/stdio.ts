// The MCP stdio transport over a sandboxed process: the SDK's StdioClientTransport starts its child with its own
// spawn, which would put an MCP server beside the sandbox. This one speaks the same newline-delimited JSON-RPC (the
// SDK's ReadBuffer and serializeMessage) over the stdin/stdout of a process core.sandbox.spawn started.
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { SandboxedProcess } from "../sandbox";

/** How long a server may take to exit after its stdin closed, then after SIGTERM, before the sandbox is killed. */
const GRACE_MS = 1000;
/** Lines of stderr kept to explain an exit. */
const STDERR_LINES = 20;

export class SandboxedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private proc?: SandboxedProcess;
  private readonly buffer = new ReadBuffer();
  private readonly stderrTail: string[] = [];
  private closing = false;
  private closed = false;
  /** The process's exit code once it has exited. */
  exitCode: number | null = null;
  private stderrRead: Promise<void> = Promise.resolve();

  constructor(
    private readonly spawn: () => Promise<SandboxedProcess>,
    /** Every line the server writes to stderr (its log). */
    private readonly onStderr: (line: string) => void = () => {},
  ) {}

  /** The last lines the server wrote to stderr: what it said before it failed. */
  get stderr(): string {
    return this.stderrTail.join("\n");
  }

  /** Resolves once the process has exited and its stderr is read (at most a moment later: it is waited for only
   *  to explain a failure). */
  get settled(): Promise<void> {
    const proc = this.proc;
    if (!proc) return Promise.resolve();
    return Promise.race([Promise.all([proc.exited, this.stderrRead]).then(() => {}), Bun.sleep(2000)]);
  }

  async start(): Promise<void> {
    if (this.proc) throw new Error("SandboxedStdioTransport already started");
    const proc = await this.spawn();
    this.proc = proc;
    void this.read(proc.stdout, (chunk) => {
      try {
        this.buffer.append(Buffer.from(chunk));
      } catch (error) {
        // a message past the SDK's 10 MiB line limit: nothing after it can be trusted to line up
        this.onerror?.(error as Error);
        void this.close();
        return;
      }
      this.drain();
    });
    if (proc.stderr) this.stderrRead = this.readLines(proc.stderr);
    void proc.exited.then((code) => {
      this.exitCode = code;
      this.finish();
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.proc?.stdin;
    if (!stdin || this.closed) throw new Error("the MCP server's process is not running");
    stdin.write(serializeMessage(message));
    await stdin.flush();
  }

  /** Closes stdin (a well-behaved server exits), then SIGTERM, then kills the whole sandbox. */
  async close(): Promise<void> {
    const proc = this.proc;
    if (!proc || this.closing) return this.finish();
    this.closing = true;
    const exited = (ms: number) => Promise.race([proc.exited.then(() => true), Bun.sleep(ms).then(() => false)]);
    try {
      await proc.stdin?.end();
    } catch {
      // already gone
    }
    if (!(await exited(GRACE_MS))) {
      proc.kill("SIGTERM");
      if (!(await exited(GRACE_MS))) proc.kill();
    }
    await proc.exited;
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer.clear();
    this.onclose?.();
  }

  private drain(): void {
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.buffer.readMessage();
      } catch (error) {
        // a line that is not JSON-RPC (a server printing its banner to stdout): reported, the stream goes on
        this.onerror?.(error as Error);
        continue;
      }
      if (!message) return;
      this.onmessage?.(message);
    }
  }

  private async read(stream: ReadableStream<Uint8Array>, take: (chunk: Uint8Array) => void): Promise<void> {
    try {
      for await (const chunk of stream) take(chunk);
    } catch (error) {
      if (!this.closing) this.onerror?.(error as Error);
    }
  }

  private async readLines(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let pending = "";
    const line = (text: string) => {
      const trimmed = text.trimEnd();
      if (!trimmed) return;
      this.stderrTail.push(trimmed.length > 500 ? trimmed.slice(0, 500) + "…" : trimmed);
      if (this.stderrTail.length > STDERR_LINES) this.stderrTail.shift();
      this.onStderr(trimmed);
    };
    await this.read(stream, (chunk) => {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop()!;
      lines.forEach(line);
    });
    line(pending);
  }
}
