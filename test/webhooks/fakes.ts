// Local stand-ins for the APIs webhook answers go to (GitHub REST, WhatsApp Cloud API): real HTTP servers on port 0
// that record every request and answer the way the real API does for the calls the server makes.
import { signBody } from "../../src/core/webhooks/signature";

export interface Received {
  method: string;
  path: string;
  headers: Headers;
  body: any;
}

export interface FakeApi {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

export function startFakeApi(answer: (request: Received) => { status: number; body: unknown }): FakeApi {
  const received: Received[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const text = await request.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // kept as text
      }
      const entry = { method: request.method, path: new URL(request.url).pathname, headers: request.headers, body };
      received.push(entry);
      const { status, body: out } = answer(entry);
      return Response.json(out, { status });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, received, close: async () => void server.stop(true) };
}

/** GitHub's answers to the calls a webhook reply makes. */
export const fakeGithub = () =>
  startFakeApi((r) => {
    if (r.method === "POST" && /^\/repos\/[^/]+\/[^/]+\/pulls\/\d+\/reviews$/.test(r.path)) return { status: 200, body: { id: 80, state: "COMMENTED", body: r.body?.body } };
    if (r.method === "POST" && /^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/comments$/.test(r.path)) return { status: 201, body: { id: 90, body: r.body?.body } };
    if (r.method === "POST" && /^\/app\/installations\/\d+\/access_tokens$/.test(r.path)) return { status: 201, body: { token: "ghs_installation", expires_at: new Date(Date.now() + 3600_000).toISOString() } };
    return { status: 404, body: { message: "Not Found" } };
  });

/** The Cloud API's answer to POST /{phone_number_id}/messages. */
export const fakeWhatsapp = () =>
  startFakeApi((r) =>
    r.method === "POST" && /^\/v\d+\.\d+\/[^/]+\/messages$/.test(r.path)
      ? { status: 200, body: { messaging_product: "whatsapp", contacts: [{ input: r.body?.to, wa_id: r.body?.to }], messages: [{ id: `wamid.out${Date.now()}` }] } }
      : { status: 404, body: { error: { message: "unknown path" } } },
  );

/** A delivery signed the way GitHub and Meta sign them. */
export function signed(secret: string, payload: unknown): { body: string; signature: string } {
  const body = JSON.stringify(payload);
  return { body, signature: signBody(secret, body) };
}
