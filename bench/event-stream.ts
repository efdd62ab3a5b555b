// The event stream under load: 100 subscribers on WS /api/v1/events/ws while 50 conversations stream answers at once
// over the chat WebSocket. Measures delivery latency (event time at the server → frame parsed by the subscriber; the
// subscribers share one client process, so this includes the client's own queueing), whether every subscriber got
// every event, and the server's resident memory. Numbers, not assertions.
//   bun bench/event-stream.ts [--quick]
import { cleanUp, pct, peakRss, rssMiB, startServerChild, startUpstreamChild, answerText, wsUrl } from "./stream-processes";

const quick = process.argv.includes("--quick");
const SUBSCRIBERS = 100;
const CONVERSATIONS = 50;
const ROUNDS = quick ? 1 : 3;
const CHUNKS = 100; // 400 characters per answer, a chunk every 10 ms: about 1 s of streaming
const DELAY_MS = 10;

try {
  const upstream = await startUpstreamChild(DELAY_MS, CHUNKS);
  const server = await startServerChild(upstream);
  console.log(`Event stream — Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores; ${SUBSCRIBERS} subscribers, ${CONVERSATIONS} conversations streaming at once, ${ROUNDS} round(s)`);
  const idle = rssMiB(server.pid);

  // The subscribers: every frame's delay from its event's time, and the ids each one saw.
  const latencies: number[] = [];
  const seen: number[][] = [];
  const sockets = await Promise.all(
    Array.from({ length: SUBSCRIBERS }, (_, i) => {
      seen[i] = [];
      return new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(wsUrl(server.url, "/api/v1/events/ws"));
        ws.onmessage = (m) => {
          const frame = JSON.parse(String(m.data));
          if (frame.event === "subscribed") return resolve(ws);
          latencies.push(Date.now() - Date.parse(frame.timestamp));
          seen[i]!.push(frame.id);
        };
        ws.onerror = () => reject(new Error("subscriber failed to connect"));
      });
    }),
  );
  const subscribed = rssMiB(server.pid);

  const stopPeak = peakRss(server.pid);
  const expected = answerText(CHUNKS);
  let wrong = 0;
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all(
      Array.from({ length: CONVERSATIONS }, (_, c) =>
        new Promise<void>((resolve) => {
          const ws = new WebSocket(wsUrl(server.url, "/api/v1/chat/stream"));
          let text = "";
          ws.onopen = () => ws.send(JSON.stringify({ text: `stream ${round}/${c}`, conversation_id: `bench-${c}` }));
          ws.onmessage = (m) => {
            const frame = JSON.parse(String(m.data));
            if (frame.event === "token") text += frame.data.token;
            if (frame.event === "complete" || frame.event === "error") {
              if (frame.event === "error" || text !== expected) wrong++;
              ws.close();
              resolve();
            }
          };
        }),
      ),
    );
  }
  const wallMs = performance.now() - started;
  await Bun.sleep(500); // the last frames reach every subscriber
  const peak = stopPeak();
  const after = rssMiB(server.pid);
  for (const ws of sockets) ws.close();

  const counts = seen.map((ids) => ids.length);
  const complete = seen.every((ids) => ids.length === seen[0]!.length && ids.every((id, i) => i === 0 || id > ids[i - 1]!));
  console.log(`\n${ROUNDS * CONVERSATIONS} turns in ${(wallMs / 1000).toFixed(2)} s; answers wrong or failed: ${wrong}`);
  console.log(`frames per subscriber: ${Math.min(...counts)}–${Math.max(...counts)} (every subscriber every event, in order: ${complete ? "yes" : "NO"}); ${latencies.length} frames delivered`);
  console.log(`delivery latency ms: p50 ${pct(latencies, 50)}  p90 ${pct(latencies, 90)}  p99 ${pct(latencies, 99)}  max ${latencies.reduce((a, b) => Math.max(a, b), 0)}`);
  console.log(`server RSS MiB: idle ${idle}, ${SUBSCRIBERS} subscribers ${subscribed}, peak while streaming ${peak}, after ${after}`);
} finally {
  cleanUp();
}
