// What the server adds on top of the model: chat turns through Penguin vs the same streaming completion straight
// to the scripted upstream, at 1, 16 and 64 concurrent clients; and time-to-first-token / per-token relay cost over
// the WebSocket vs reading the upstream's SSE directly. Numbers, not assertions.
//   bun bench/chat-overhead.ts [--quick]
// The upstream and each server run as child processes (as in production), so the client, the server and the
// model do not share one event loop; on a small machine they still share the CPU cores.
// Targets (issue 3): < 2 ms added p50 for a non-streaming turn without tools; < 1 ms per token relayed.
import OpenAI from "openai";
import { cleanUp, firstLine, KEY, startServerChild } from "./stream-processes";

const ANSWER = "The answer is forty-two, and here is a short explanation of why that is so.";
const LONG = "word ".repeat(200).trim(); // 999 characters → 250 chunks of 4

// ── child mode: the scripted upstream ─────────────────────────────────────────────────────────────────────────
if (process.argv.includes("--upstream-child")) {
  const { startUpstream } = await import("../test/support/upstream");
  const up = await startUpstream({ defaultText: ANSWER });
  up.script({ key: "[long]", text: LONG, times: 1_000_000_000 });
  console.log(up.url);
  await new Promise(() => {}); // serve until killed
}

const quick = process.argv.includes("--quick");
const children: { kill(): void }[] = [];
/** BENCH_ENV=K=V,… passes settings to the benchmark's servers (e.g. PENGUIN_AUTO_TITLE=0). */
const BENCH_ENV: Record<string, string> = process.env.BENCH_ENV ? Object.fromEntries(process.env.BENCH_ENV.split(",").map((kv) => kv.split("=") as [string, string])) : {};


async function startUpstreamChild(): Promise<string> {
  const child = Bun.spawn([process.execPath, import.meta.path, "--upstream-child"], { stdout: "pipe", stderr: "inherit" });
  children.push(child);
  return firstLine(child.stdout, /^(http:\/\/\S+)$/m);
}


const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (ms: number) => ms.toFixed(2).padStart(8);

/** Runs `clients` loops of `perClient` sequential calls; returns every latency (ms) and the wall time. */
async function load(clients: number, perClient: number, call: () => Promise<void>): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = 0; i < perClient; i++) {
        const t = performance.now();
        await call();
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, wallMs: performance.now() - start };
}

const upstreamUrl = await startUpstreamChild();
const direct = new OpenAI({ apiKey: "sk-bench", baseURL: `${upstreamUrl}/v1`, maxRetries: 0 });

// The same upstream call the server makes for a turn: a streamed completion read to the end, with usage.
async function directTurn(): Promise<void> {
  const stream = await direct.chat.completions.create({
    model: "gpt-4o",
    messages: [
      { role: "system", content: "You are Penguin." },
      { role: "user", content: "What is the answer?" },
    ],
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const _ of stream) void _;
}

const serverTurn = (url: string, agentId?: string) => async (): Promise<void> => {
  const res = await fetch(`${url}/api/v1/chat/message`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": KEY },
    body: JSON.stringify({ text: "What is the answer?", ...(agentId ? { agent_id: agentId } : {}) }),
  });
  if (res.status !== 200) throw new Error(`server answered ${res.status}: ${await res.text()}`);
  await res.json();
};

console.log(`Penguin chat overhead — Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores${quick ? " (quick)" : ""}`);
console.log(`non-streaming turn without tool calls (the upstream streams ${Math.ceil(ANSWER.length / 4)} chunks; medians in ms)\n`);

// An agent whose tool list names no registered tool is offered no tools: that isolates the engine and HTTP cost.
const NO_TOOLS_AGENT = '[[agents]]\nid = "bare"\ndefault_tools = ["no-such-tool"]\n';
const variants: [string, string, string | undefined][] = [
  ["default configuration (tool specs offered, automatic checkpoints)", "", undefined],
  ["automatic checkpoints off", "[checkpoints]\nenabled = false\n", undefined],
  ["automatic checkpoints off, no tools offered (engine + HTTP only)", `[checkpoints]\nenabled = false\n${NO_TOOLS_AGENT}`, "bare"],
];
const plans: [number, number][] = quick ? [[1, 40], [16, 5], [64, 2]] : [[1, 300], [16, 40], [64, 12]];
let lastServer = "";
for (const [name, toml, agentId] of variants) {
  const { url } = await startServerChild(upstreamUrl, BENCH_ENV, toml);
  lastServer = url;
  const turn = serverTurn(url, agentId);
  // Warm both paths (JIT, connection pools, SQLite pages).
  await load(4, quick ? 10 : 50, directTurn);
  await load(4, quick ? 10 : 50, turn);
  console.log(`${name}:`);
  console.log("clients   direct p50  server p50   added p50  ratio   direct p90  server p90   server turns/s");
  for (const [clients, perClient] of plans) {
    const d = await load(clients, perClient, directTurn);
    const s = await load(clients, perClient, turn);
    const dp50 = median(d.latencies);
    const sp50 = median(s.latencies);
    console.log(
      `${String(clients).padStart(7)}  ${fmt(dp50)}    ${fmt(sp50)}    ${fmt(sp50 - dp50)}  ${(sp50 / dp50).toFixed(2).padStart(5)}   ${fmt(pct(d.latencies, 90))}    ${fmt(pct(s.latencies, 90))}    ${((s.latencies.length / s.wallMs) * 1000).toFixed(0).padStart(8)}`,
    );
  }
  console.log();
}

// ── time to first token and per-token relay (last server) ─────────────────────────────────────────────────────
const CHUNKS = Math.ceil(LONG.length / 4);

async function directStream(): Promise<{ ttft: number; total: number }> {
  const t = performance.now();
  let ttft = NaN;
  const stream = await direct.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "[long] stream" }], stream: true, stream_options: { include_usage: true } });
  for await (const chunk of stream) if (Number.isNaN(ttft) && chunk.choices[0]?.delta?.content) ttft = performance.now() - t;
  return { ttft, total: performance.now() - t };
}

const socket = new WebSocket(`${lastServer.replace(/^http/, "ws")}/api/v1/chat/stream?token=${KEY}`);
await new Promise((resolve, reject) => {
  socket.onopen = resolve;
  socket.onerror = reject;
});
async function wsStream(): Promise<{ ttft: number; total: number }> {
  const t = performance.now();
  let ttft = NaN;
  await new Promise<void>((resolve, reject) => {
    socket.onmessage = (m) => {
      const e = JSON.parse(String(m.data));
      if (e.event === "token" && Number.isNaN(ttft)) ttft = performance.now() - t;
      if (e.event === "complete") resolve();
      if (e.event === "error") reject(new Error(e.data.message));
    };
    socket.send(JSON.stringify({ text: "[long] stream" }));
  });
  return { ttft, total: performance.now() - t };
}

const rounds = quick ? 15 : 60;
for (let i = 0; i < 10; i++) {
  await directStream();
  await wsStream();
}
const d: { ttft: number; total: number }[] = [];
const w: { ttft: number; total: number }[] = [];
for (let i = 0; i < rounds; i++) {
  d.push(await directStream());
  w.push(await wsStream());
}
const dT = median(d.map((x) => x.ttft));
const wT = median(w.map((x) => x.ttft));
const dTotal = median(d.map((x) => x.total));
const wTotal = median(w.map((x) => x.total));
console.log(`streaming ${CHUNKS} chunks (${LONG.length} characters) over WebSocket vs the upstream's SSE, median of ${rounds}`);
console.log(`  time to first token   upstream SSE ${fmt(dT)} ms   WebSocket ${fmt(wT)} ms   added ${fmt(wT - dT)} ms   ratio ${(wT / dT).toFixed(2)}`);
console.log(`  whole stream          upstream SSE ${fmt(dTotal)} ms   WebSocket ${fmt(wTotal)} ms   added ${fmt(wTotal - dTotal)} ms`);
console.log(`  relay cost per token  ${((wTotal - dTotal) / CHUNKS).toFixed(4)} ms   (target < 1 ms)`);

socket.close();
for (const child of children) child.kill();
cleanUp();
process.exit(0);
