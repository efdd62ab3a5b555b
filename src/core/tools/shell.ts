// execute_command, and what every command the agent starts shares: a shell in its own process group (so a
// cancel or timeout kills the whole tree), cwd = the call's root, and an environment without the server's secrets.
import { Type as T } from "@sinclair/typebox";
import type { Config } from "../../config";
import { defineTool } from "./define";
import type { ToolDefinition, ToolOutput } from "./types";

const ALWAYS_SECRET = new Set(["PENGUIN_API_KEYS", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY"]);
const SECRET_NAME = /(^|_)(API_?KEYS?|KEYS?|TOKENS?|SECRETS?|PASSWORDS?|PASSWD|PASS|CREDENTIALS?|PRIVATE_KEY)$|PASSWORD|SECRET/i;
/** user:password@ inside a URL value (DATABASE_URL=postgres://u:p@host) */
const URL_CREDENTIALS = /:\/\/[^/\s:@]+:[^@\s]+@/;

/** The environment for agent commands: the server's, minus provider keys, API keys, tokens, secrets and
 *  passwords (by name, and URLs with credentials), except names allow-listed in config.tools.envAllow. */
export function commandEnvironment(config: Config): Record<string, string> {
  const source = Object.keys(config.env).length ? config.env : process.env;
  const allowed = new Set(config.tools.envAllow);
  const modelKeys = new Set(config.models.map((m) => m.api_key_env).filter((k): k is string => !!k));
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const secret = ALWAYS_SECRET.has(name) || modelKeys.has(name) || SECRET_NAME.test(name) || URL_CREDENTIALS.test(value);
    if (secret && !allowed.has(name)) continue;
    env[name] = value;
  }
  // non-interactive: no pagers, no prompts for credentials, no colour codes in captured output
  Object.assign(env, { PAGER: "cat", GIT_PAGER: "cat", GIT_TERMINAL_PROMPT: "0", TERM: env.TERM ?? "dumb", NO_COLOR: "1" });
  // `cd src` must mean the project's src: the command-risk check follows cd on that assumption
  delete env.CDPATH;
  env.PATH ??= process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  return env;
}

const BASH = Bun.which("bash");
// --norc: bash sources ~/.bashrc even non-interactively when its stdin is a socket (it takes that for rshd),
// and Bun's stdin pipes are sockets; a user's rc file has no business in agent commands (and can be slow).
const SHELL = BASH ? [BASH, "--norc", "--noprofile", "-c"] : ["/bin/sh", "-c"];

/** Starts a shell command in a new process group (setsid), with stdout and stderr merged in order. */
export function spawnShell(command: string, options: { cwd: string; env: Record<string, string>; stdin?: "pipe" | "ignore" }) {
  // `exec 2>&1` merges the streams inside the shell, so their order is the order things happened
  return Bun.spawn([...SHELL, `exec 2>&1\n${command}`], {
    cwd: options.cwd,
    env: options.env,
    stdin: options.stdin ?? "ignore",
    stdout: "pipe",
    stderr: "ignore",
    detached: true,
  });
}

/** Signals every process of the group led by `pid` (ignoring "already gone"). */
export function killGroup(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
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

export function shellTool(config: Config): ToolDefinition {
  const { tools } = config;
  return defineTool({
    name: "execute_command",
    description:
      `Run a shell command (bash) in the project root and return its combined stdout/stderr and exit code. Default timeout ` +
      `${tools.commandTimeoutSeconds} s (timeout_seconds up to ${tools.maxCommandTimeoutSeconds}); on timeout the whole process tree is killed. ` +
      `Long output keeps its beginning and end. Not for servers or watchers: use process_start for those. Destructive commands ` +
      `(rm, git push --force, git reset --hard, …) wait for the user's approval.`,
    parameters: T.Object({
      command: T.String({ minLength: 1, description: "The command line, e.g. 'npm test' or 'ls -la | head'" }),
      timeout_seconds: T.Optional(T.Integer({ minimum: 1, description: `Default ${tools.commandTimeoutSeconds}, at most ${tools.maxCommandTimeoutSeconds}` })),
    }),
    category: "process",
    operation: "execute",
    // the runtime's own limit sits above the command's, which this tool enforces itself
    timeoutMs: (tools.maxCommandTimeoutSeconds + 15) * 1000,
    resource: (args) => args.command,
    async run(args, ctx): Promise<ToolOutput> {
      const requested = args.timeout_seconds;
      const seconds = Math.min(requested ?? tools.commandTimeoutSeconds, tools.maxCommandTimeoutSeconds);
      const started = performance.now();
      const proc = spawnShell(args.command, { cwd: ctx.root, env: commandEnvironment(config) });
      const output = new HeadTail(Math.floor(tools.outputCapBytes / 2));
      let ended: "timeout" | "cancelled" | undefined;
      const stop = (why: "timeout" | "cancelled") => {
        if (ended) return;
        ended = why;
        killGroup(proc.pid, "SIGKILL");
      };
      const timer = setTimeout(() => stop("timeout"), seconds * 1000);
      const onAbort = () => stop("cancelled");
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      const reading = (async () => {
        for await (const chunk of proc.stdout) output.push(chunk);
      })();
      try {
        const exitCode = await proc.exited;
        // background children (cmd &) would keep the pipe open: the command is over, so is its group
        killGroup(proc.pid, "SIGKILL");
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
