// Helpers for the sandbox suites: run a command to the end, find a process's host descendants, make a scratch tree.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Sandbox, SandboxPolicy, SpawnOptions } from "../../src/core/sandbox";

export const bash = (command: string) => ["bash", "--norc", "--noprofile", "-c", command];

/** The Bun running the tests, usable inside a sandbox given `readOnlyRoots: bunRoots` (no python3 needed). */
export const bunRoots = [dirname(process.execPath)];
export const bunBinary = process.execPath;

/** A command serving `text` over HTTP on 127.0.0.1 (a free port, printed as "port N"), with the test's Bun. */
export const httpServer = (text: string) =>
  `exec ${bunBinary} -e 'const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("${text}") }); console.log("port " + s.port)'`;

/** Runs a bash command in the sandbox to its end: combined output and exit code. */
export async function run(sandbox: Sandbox, command: string, policy: SandboxPolicy, options: SpawnOptions = {}) {
  const proc = await sandbox.spawn(bash(command), policy, options);
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return { out, code };
}

/** A fresh directory under the system temp dir (resolved: /tmp may be a symlink), removed by the returned cleanup. */
export function scratch(prefix: string): { dir: string; remove: () => void } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `penguin-${prefix}-`)));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function mkdirs(...paths: string[]): void {
  for (const p of paths) mkdirSync(p, { recursive: true });
}

/** Host pids of every live descendant of `pid` (walks /proc's parent links). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue;
    }
    // the command name may hold spaces and parentheses: the fields after the last ")" are fixed
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const found: number[] = [];
  const stack = [pid];
  while (stack.length) for (const child of children.get(stack.pop()!) ?? []) found.push(child), stack.push(child);
  return found;
}

/** The command line of a host process ("" once it is gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}

/** Pids from the list that still exist (zombies count as gone). */
export function alive(pids: number[]): number[] {
  return pids.filter((pid) => {
    try {
      return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
      return false;
    }
  });
}

/** Reads a stream until `pattern` shows up; returns everything read so far. */
export async function readUntil(stream: ReadableStream<Uint8Array>, pattern: RegExp, timeoutMs = 10_000): Promise<{ text: string; reader: ReadableStreamDefaultReader<Uint8Array> }> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
  try {
    while (!pattern.test(text)) {
      const next = await Promise.race([reader.read(), timeout]);
      if (next === "timeout") throw new Error(`timed out waiting for ${pattern} in: ${text}`);
      if (next.done) throw new Error(`stream ended before ${pattern}: ${text}`);
      text += decoder.decode(next.value, { stream: true });
    }
  } finally {
    clearTimeout(timer);
  }
  return { text, reader };
}
