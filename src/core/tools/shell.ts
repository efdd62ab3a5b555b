// execute_command, and what every command the agent starts shares: a bash line run in the OS sandbox (the root
// read-write, no network unless the command needs it and was permitted, no secrets, its processes all gone when it
// ends), with the environment the sandbox allows plus what the operator passes through.
import { Type as T } from "@sinclair/typebox";
import type { Config } from "../../config";
import type { Sandbox, SandboxedProcess } from "../sandbox";
import { classifyCommand, commandNeeds, type CommandNeeds } from "../shell";
import { defineTool } from "./define";
import type { ToolDefinition, ToolOutput } from "./types";

// --norc: bash sources ~/.bashrc even non-interactively when its stdin is a socket (it takes that for rshd),
// and Bun's stdin pipes are sockets; a user's rc file has no business in agent commands (and can be slow).
const SHELL = ["bash", "--norc", "--noprofile", "-c"];

/** What a call asks for: the command's own needs, plus the network when the model says the command needs it. */
export function needsOf(command: string, networkRequested?: boolean): CommandNeeds {
  const needs = commandNeeds(command);
  if (networkRequested && !needs.network.length) needs.network.push("the agent says the command needs the network");
  return needs;
}

/** Starts the agent's command lines in the sandbox. One per server; tools share it. */
export class AgentCommands {
  constructor(
    private readonly config: Config,
    private readonly sandbox: Sandbox,
  ) {}

  /** Variables added to the sandbox's allow-list: non-interactive defaults, and the names the operator allowed. */
  private environment(): Record<string, string> {
    const env: Record<string, string> = { PAGER: "cat", GIT_PAGER: "cat", GIT_TERMINAL_PROMPT: "0", NO_COLOR: "1", TERM: "dumb" };
    for (const name of this.config.tools.envAllow) {
      const value = this.config.env[name];
      if (value !== undefined) env[name] = value;
    }
    return env;
  }

  /** Runs `command` with bash in the sandbox; stdout and stderr merged in order. Permission was decided before:
   *  `needs` says which of the network and a writable .git it was granted. */
  spawn(command: string, options: { root: string; sessionId: string; needs: CommandNeeds; stdin?: "pipe" | "ignore"; signal?: AbortSignal }): Promise<SandboxedProcess> {
    return this.sandbox.spawn(
      [...SHELL, command],
      {
        root: options.root,
        readOnlyRoots: this.config.tools.readOnlyRoots,
        writableRoots: this.config.tools.writableRoots,
        session: options.sessionId,
        network: options.needs.network.length > 0,
        gitWritable: options.needs.gitWrite.length > 0,
        env: this.environment(),
      },
      { stdin: options.stdin ?? "ignore", signal: options.signal },
    );
  }
}

/** Keeps the first and the last `half` bytes of a stream, counting what passed in between. */
export class HeadTail {
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private tail: Uint8Array[] = [];
  private tailBytes = 0;
  total = 0;

  constructor(private readonly half: number) {}

  push(chunk: Uint8Array): void {
    this.total += chunk.length;
    if (this.headBytes < this.half) {
      const take = Math.min(this.half - this.headBytes, chunk.length);
      this.head.push(chunk.subarray(0, take));
      this.headBytes += take;
      chunk = chunk.subarray(take);
      if (!chunk.length) return;
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= this.half) this.tailBytes -= this.tail.shift()!.length;
  }

  text(howToReadMore: string): { text: string; truncated: boolean } {
    const decoder = new TextDecoder();
    const head = decoder.decode(Buffer.concat(this.head));
    let tailBuf = Buffer.concat(this.tail);
    if (tailBuf.length > this.half) tailBuf = tailBuf.subarray(tailBuf.length - this.half);
    const omitted = this.total - this.headBytes - tailBuf.length;
    const tail = decoder.decode(tailBuf);
    if (omitted <= 0) return { text: head + tail, truncated: false };
    return { text: `${head}\n\n[… ${omitted} of ${this.total} bytes of output omitted. ${howToReadMore} …]\n\n${tail}`, truncated: true };
  }
}

export function shellTool(config: Config, commands: AgentCommands): ToolDefinition {
  const { tools } = config;
  return defineTool({
    name: "execute_command",
    description:
      `Run a shell command (bash) in the project root and return its combined stdout/stderr and exit code. Default timeout ` +
      `${tools.commandTimeoutSeconds} s (timeout_seconds up to ${tools.maxCommandTimeoutSeconds}); on timeout the whole process tree is killed. ` +
      `Long output keeps its beginning and end. Not for servers or watchers: use process_start for those. It runs in a sandbox: only the ` +
      `project root is writable and there is no network unless network=true (which asks the user). Destructive commands ` +
      `(rm, git reset --hard, …), network access and git commands that change the repository wait for the user's approval.`,
    parameters: T.Object({
      command: T.String({ minLength: 1, description: "The command line, e.g. 'npm test' or 'ls -la | head'" }),
      timeout_seconds: T.Optional(T.Integer({ minimum: 1, description: `Default ${tools.commandTimeoutSeconds}, at most ${tools.maxCommandTimeoutSeconds}` })),
      network: T.Optional(T.Boolean({ description: "true when the command needs the internet (downloads, APIs); the user is asked" })),
    }),
    category: "process",
    operation: "execute",
    // the runtime's own limit sits above the command's, which this tool enforces itself
    timeoutMs: (tools.maxCommandTimeoutSeconds + 15) * 1000,
    resource: (args) => args.command,
    assess: (args, ctx) => ({ ...classifyCommand(args.command, ctx.root), needs: needsOf(args.command, args.network) }),
    async run(args, ctx): Promise<ToolOutput> {
      const requested = args.timeout_seconds;
      const seconds = Math.min(requested ?? tools.commandTimeoutSeconds, tools.maxCommandTimeoutSeconds);
      const started = performance.now();
      let proc: SandboxedProcess;
      try {
        proc = await commands.spawn(args.command, { root: ctx.root, sessionId: ctx.sessionId, needs: needsOf(args.command, args.network) });
      } catch (error) {
        return { ok: false, output: `The command could not be started: ${(error as Error).message}` };
      }
      const output = new HeadTail(Math.floor(tools.outputCapBytes / 2));
      let ended: "timeout" | "cancelled" | undefined;
      const stop = (why: "timeout" | "cancelled") => {
        if (ended) return;
        ended = why;
        proc.kill();
      };
      const timer = setTimeout(() => stop("timeout"), seconds * 1000);
      const onAbort = () => stop("cancelled");
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      const reading = (async () => {
        for await (const chunk of proc.stdout) output.push(chunk);
      })();
      try {
        const exitCode = await proc.exited;
        await reading.catch(() => {});
        const ms = Math.round(performance.now() - started);
        const { text, truncated } = output.text("Re-run with the output narrowed (| grep, | head, | tail) or redirected to a file you then read in parts");
        const notes: string[] = [];
        if (requested !== undefined && requested > seconds) notes.push(`timeout capped at ${seconds} s`);
        if (ended === "timeout") notes.push(`timed out after ${seconds} s; the process tree was killed`);
        if (ended === "cancelled") notes.push("cancelled; the process tree was killed");
        const status = (ended ? notes : [`exit code ${exitCode}`, ...notes]).join("; ");
        const body = text.trimEnd() || "(no output)";
        return {
          ok: !ended && exitCode === 0,
          output: `${body}\n[${status}]`,
          data: { exit_code: ended ? null : exitCode, timed_out: ended === "timeout", cancelled: ended === "cancelled", truncated, duration_ms: ms, output_bytes: output.total },
        };
      } finally {
        clearTimeout(timer);
        ctx.signal.removeEventListener("abort", onAbort);
      }
    },
  });
}
