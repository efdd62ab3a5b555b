// What the sandbox adds to every command: `true` started and awaited (output read to the end) directly with
// Bun.spawn, through the Sandbox API in mode none (clean environment, cgroups), and in bubblewrap without and with a
// session's shared network namespace. The variants alternate round by round, so they share the machine's noise.
//   bun bench/sandbox.ts [--runs N]
// Target (issue 14): < 15 ms added per command (bubblewrap vs direct, median).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSandbox, type Sandbox } from "../src/core/sandbox";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 100;
const root = mkdtempSync(join(tmpdir(), "penguin-bench-sandbox-"));
const bubblewrap = await createSandbox("auto");
const none = await createSandbox("off");
if (bubblewrap.mode !== "bubblewrap") throw new Error(`no sandbox here: ${bubblewrap.status.reason}`);

async function direct(): Promise<void> {
  const proc = Bun.spawn(["true"], { cwd: root, stdout: "pipe", stderr: "ignore" });
  await new Response(proc.stdout).arrayBuffer();
  await proc.exited;
}

async function sandboxed(sandbox: Sandbox, session?: string): Promise<void> {
  const proc = await sandbox.spawn(["true"], { root, session });
  await new Response(proc.stdout).arrayBuffer();
  if ((await proc.exited) !== 0) throw new Error("true failed");
}

const variants: [string, () => Promise<void>][] = [
  ["direct Bun.spawn", direct],
  ["Sandbox, mode none", () => sandboxed(none)],
  ["bubblewrap, no network", () => sandboxed(bubblewrap)],
  ["bubblewrap, session network", () => sandboxed(bubblewrap, "bench")],
];
const times = new Map(variants.map(([name]) => [name, [] as number[]]));
for (const [, run] of variants) await run(); // warm-up: caches, the session's namespace holder
for (let i = 0; i < runs; i++) {
  for (const [name, run] of variants) {
    const started = performance.now();
    await run();
    times.get(name)!.push(performance.now() - started);
  }
}
await bubblewrap.shutdown();
await none.shutdown();
rmSync(root, { recursive: true, force: true });

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
const base = quantile(times.get("direct Bun.spawn")!, 0.5);
const { status } = bubblewrap;
console.log(`Sandbox cost per command — Bun ${Bun.version}, bwrap ${status.bwrap.version}, ${navigator.hardwareConcurrency} cores, ${process.getuid?.() === 0 ? "root" : "user"}`);
console.log(`limits: processes ${status.limits.processes}, memory ${status.limits.memory}; ${runs} runs each, interleaved; ms\n`);
console.log("variant                          p50      p90    added p50");
for (const [name, values] of times) {
  const p50 = quantile(values, 0.5);
  console.log(`${name.padEnd(30)} ${p50.toFixed(2).padStart(6)}  ${quantile(values, 0.9).toFixed(2).padStart(7)}  ${(p50 - base).toFixed(2).padStart(10)}`);
}
