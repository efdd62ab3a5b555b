// Telemetry: GET /api/v1/telemetry and the WS /api/v1/ws/telemetry that pushes the same snapshot every `interval`
// seconds. Numbers come from src/core/system/telemetry.ts (queried again only after a bus event changed them).
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import { TELEMETRY_INTERVAL_S, TelemetryQuery, TelemetrySnapshot, TelemetryStreamQuery } from "../src/core/system/schema";
import { rawSocket } from "../src/http/live-socket";

const MAX_BUFFERED_BYTES = 1024 * 1024;

export const telemetryPlugin = (core: Core) => {
  const stops = new WeakMap<object, () => void>();
  return new Elysia({ name: "telemetry", detail: { tags: ["telemetry"] } })
    .get("/api/v1/telemetry", ({ query }) => core.telemetry.snapshot(query.agent_id), {
      query: TelemetryQuery,
      response: { 200: TelemetrySnapshot },
      detail: {
        summary: "Telemetry summary",
        description: "Per-agent assistant messages and completed tasks, token totals per agent (all time, from the store) and the server's uptime. `agent_id` narrows it to one agent.",
      },
    })
    .ws("/api/v1/ws/telemetry", {
      // `token`: the API key, for clients that cannot set headers on a WebSocket.
      query: t.Object({ ...TelemetryStreamQuery.properties, token: t.Optional(t.String()) }),
      detail: {
        summary: "Stream telemetry",
        description: `Pushes the GET /api/v1/telemetry snapshot at once and then every \`interval\` seconds (default 2, ${TELEMETRY_INTERVAL_S.min}–${TELEMETRY_INTERVAL_S.max}); \`agent_id\` filters.`,
      },
      open(ws) {
        const raw = rawSocket(ws);
        const stop = core.telemetry.watch(
          (snapshot) => {
            // A client that is not reading misses pushes until it catches up.
            if (raw.getBufferedAmount() > MAX_BUFFERED_BYTES) return;
            raw.send(JSON.stringify(snapshot));
          },
          { agentId: ws.data.query.agent_id, intervalMs: (ws.data.query.interval ?? TELEMETRY_INTERVAL_S.default) * 1000 },
        );
        stops.set(raw, stop);
      },
      close(ws) {
        const raw = rawSocket(ws);
        stops.get(raw)?.();
        stops.delete(raw);
      },
    });
};
