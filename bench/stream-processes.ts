// What the streaming benchmarks share: the scripted upstream and the server as child processes (as in production,
// so client, server and model do not share one event loop), the server's resident memory, and percentiles.
// Run directly it is the upstream child: `bun bench/stream-processes.ts <chunk delay ms> <chunks>` prints its URL and
// streams every answer as <chunks> chunks of 4 characters, <chunk delay ms> apart.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServerProcess } from "../test/support/server-process";

export const KEY = "bench-key-0123456789";

/** The answer the upstream streams: `chunks` chunks of 4 characters. */
export const answerText = (chunks: number) => "word ".repeat(chunks).slice(0, chunks * 4);

if (import.meta.main) {
  const [delay = "10", chunks = "100"] = process.argv.slice(2);
  const { startUpstream } = await import("../test/support/upstream");
  const up = await startUpstream();
  up.script({ text: answerText(Number(chunks)), chunkDelayMs: Number(delay), times: 1_000_000_000 });
  console.log(up.url);
  await new Promise(() => {}); // serve until killed
}

const children: { kill(): void }[] = [];
const workspaces: string[] = [];

export async function firstLine(stream: ReadableStream<Uint8Array>, pattern: RegExp): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true });
    const match = pattern.exec(text);
    if (match) return match[1]!;
  }
  throw new Error(`child exited before printing ${pattern}: ${text}`);
}

/** The scripted upstream: every answer is `chunks` chunks, `delayMs` apart (a model streaming). */
export async function startUpstreamChild(delayMs: number, chunks: number): Promise<string> {
  const child = Bun.spawn([process.execPath, import.meta.path, String(delayMs), String(chunks)], { stdout: "pipe", stderr: "inherit" });
  children.push(child);
  return firstLine(child.stdout, /^(http:\/\/\S+)$/m);
}

/** A server on the upstream, in a fresh workspace (with `toml` as its penguin.toml); `pid` for its memory. */
export async function startServerChild(upstreamUrl: string, env: Record<string, string> = {}, toml = ""): Promise<{ url: string; pid: number }> {
  const workspace = mkdtempSync(join(tmpdir(), "penguin-bench-"));
  workspaces.push(workspace);
  if (toml) writeFileSync(join(workspace, "penguin.toml"), toml);
  const server = await startServerProcess({
    PENGUIN_WORKSPACE: workspace,
    PENGUIN_PROJECT_ROOT: workspace,
    PENGUIN_API_KEYS: KEY,
    PENGUIN_RATE_LIMIT_RPM: "0",
    PENGUIN_MODEL: "openai/gpt-4o",
    OPENAI_API_KEY: "sk-bench",
    OPENAI_BASE_URL: `${upstreamUrl}/v1`,
    ...env,
  });
  children.push(server.process);
  return { url: server.url, pid: server.process.pid };
}

/** Resident memory of a process, in MiB. */
export function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

/** Samples a process's memory every 100 ms until stopped; returns the peak. */
export function peakRss(pid: number): () => number {
  let peak = rssMiB(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 100);
  return () => {
    clearInterval(timer);
    return Math.max(peak, rssMiB(pid));
  };
}

export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

export const wsUrl = (url: string, path: string) => `${url.replace(/^http/, "ws")}${path}${path.includes("?") ? "&" : "?"}token=${KEY}`;

export function cleanUp(): void {
  for (const c of children) c.kill();
  for (const w of workspaces) rmSync(w, { recursive: true, force: true });
}
