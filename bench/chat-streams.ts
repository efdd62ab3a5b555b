// 1,000 chat streams at once on one server: 1,000 WebSocket clients each send a message at the same moment and read
// the streamed answer to its end. Counts errors (an error event, a socket lost before `complete`, an answer that is
// not exactly the upstream's), and measures time to first token, time to complete and the server's memory.
// Numbers, not assertions.   bun bench/chat-streams.ts [--streams N]
import { answerText, cleanUp, pct, peakRss, rssMiB, startServerChild, startUpstreamChild, wsUrl } from "./stream-processes";

const arg = process.argv.indexOf("--streams");
const STREAMS = arg > 0 ? Number(process.argv[arg + 1]) : 1000;
const CHUNKS = 50; // 200 characters, a chunk every 20 ms: about 1 s of streaming per answer
const DELAY_MS = 20;

try {
  const upstream = await startUpstreamChild(DELAY_MS, CHUNKS);
  // Many sockets each wait while the server is busy with the others: a generous heartbeat.
  const server = await startServerChild(upstream, { PENGUIN_WS_HEARTBEAT_MS: "60000" });
  console.log(`Concurrent chat streams — Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores; ${STREAMS} streams at once, ${CHUNKS} chunks each`);
  const idle = rssMiB(server.pid);
  const expected = answerText(CHUNKS);

  // Every client connects first; then all send at once.
  const clients = await Promise.all(
    Array.from({ length: STREAMS }, () => {
      const ws = new WebSocket(wsUrl(server.url, "/api/v1/chat/stream"));
      return new Promise<WebSocket>((resolve, reject) => {
        ws.onopen = () => resolve(ws);
        ws.onerror = () => reject(new Error("a client could not connect"));
      });
    }),
  );
  const connected = rssMiB(server.pid);
  const stopPeak = peakRss(server.pid);
  const firstToken: number[] = [];
  const done: number[] = [];
  const problems = new Map<string, number>();
  const problem = (what: string) => problems.set(what, (problems.get(what) ?? 0) + 1);
  const started = performance.now();
  await Promise.all(
    clients.map(
      (ws, i) =>
        new Promise<void>((resolve) => {
          let text = "";
          let first = false;
          let ended = false;
          const sent = performance.now();
          ws.onmessage = (m) => {
            const frame = JSON.parse(String(m.data));
            if (frame.event === "token") {
              if (!first) firstToken.push(performance.now() - sent);
              first = true;
              text += frame.data.token;
            } else if (frame.event === "complete") {
              ended = true;
              done.push(performance.now() - sent);
              if (text !== expected) problem("answer not exactly the upstream's");
              ws.close();
              resolve();
            } else if (frame.event === "error") {
              ended = true;
              problem(`error event: ${frame.data.code ?? frame.data.message}`);
              ws.close();
              resolve();
            }
          };
          ws.onclose = () => {
            if (!ended) problem("socket closed before complete");
            resolve();
          };
          ws.send(JSON.stringify({ text: `stream number ${i}` }));
        }),
    ),
  );
  const wallMs = performance.now() - started;
  const peak = stopPeak();
  const errors = [...problems.values()].reduce((a, b) => a + b, 0);
  console.log(`\n${done.length} of ${STREAMS} streams complete in ${(wallMs / 1000).toFixed(2)} s; errors: ${errors}${errors ? ` (${[...problems].map(([k, v]) => `${k}: ${v}`).join("; ")})` : ""}`);
  console.log(`time to first token ms: p50 ${pct(firstToken, 50).toFixed(0)}  p99 ${pct(firstToken, 99).toFixed(0)}`);
  console.log(`time to complete ms:    p50 ${pct(done, 50).toFixed(0)}  p99 ${pct(done, 99).toFixed(0)}  (the upstream alone streams for ${CHUNKS * DELAY_MS} ms)`);
  console.log(`server RSS MiB: idle ${idle}, ${STREAMS} sockets open ${connected}, peak ${peak}, after ${rssMiB(server.pid)}`);
} finally {
  cleanUp();
}
