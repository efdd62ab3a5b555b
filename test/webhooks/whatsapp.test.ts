// The WhatsApp webhook over HTTP, on the scripted upstream and a local fake Cloud API: hub verification, signed
// deliveries (invalid and missing signatures refused), a text message answered through the Cloud API, the same
// message id processed once, a sender not on the allow-list ignored, one conversation per sender whose messages name
// their source, and no app secret configured → refused with the reason.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";
import { send, until, useChatApp } from "../support/chat";
import { fakeWhatsapp, signed, type FakeApi } from "./fakes";

const APP_SECRET = "wa-app-secret-456";
const ALLOWED = "491701234567";
const cloud: FakeApi = fakeWhatsapp();
afterAll(() => cloud.close());

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started), () => ({
  toml: `
[[agents]]
id = "concierge"
system_prompt = "You answer WhatsApp messages."

[whatsapp]
verify_token = "verify-me"
app_secret = "${APP_SECRET}"
access_token = "EAAG-test-token"
phone_number_id = "1055"
api_url = "${cloud.url}/v21.0"
allowed_senders = ["+49 170 1234567"]
agent = "concierge"
`,
}));

function message(from: string, id: string, text: string) {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "WABA-1",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550001055", phone_number_id: "1055" },
              contacts: [{ profile: { name: "Ada" }, wa_id: from }],
              messages: [{ from, id, timestamp: "1733450000", type: "text", text: { body: text } }],
            },
          },
        ],
      },
    ],
  };
}

function deliver(payload: unknown, signature?: string | null) {
  const signedBody = signed(APP_SECRET, payload);
  const headers: Record<string, string> = { "content-type": "application/json" };
  const sig = signature === undefined ? signedBody.signature : signature;
  if (sig !== null) headers["x-hub-signature-256"] = sig;
  return send(app, "POST", "/v1/webhooks/whatsapp", undefined, { body: signedBody.body, headers, auth: false });
}

const sentTo = (to: string) => cloud.received.filter((r) => r.path === "/v21.0/1055/messages" && r.body?.to === to);

describe("hub verification", () => {
  test("the configured verify token gets hub.challenge echoed", async () => {
    const res = await send(app, "GET", "/v1/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=challenge123", undefined, { auth: false });
    expect(res.status).toBe(200);
    expect(res.text).toBe("challenge123");
  });

  test("another token, or another mode, is 403", async () => {
    const wrong = await send(app, "GET", "/v1/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=c", undefined, { auth: false });
    expect(wrong.status).toBe(403);
    const mode = await send(app, "GET", "/v1/webhooks/whatsapp?hub.mode=unsubscribe&hub.verify_token=verify-me&hub.challenge=c", undefined, { auth: false });
    expect(mode.status).toBe(403);
    expect(wrong.text).not.toContain("verify-me");
  });
});

describe("signatures", () => {
  test("a wrong or missing signature is 401 and nothing is queued", async () => {
    const bad = await deliver(message(ALLOWED, "wamid.bad", "hello [wa-never]"), "sha256=" + "1".repeat(64));
    expect(bad.status).toBe(401);
    const missing = await deliver(message(ALLOWED, "wamid.missing", "hello [wa-never]"), null);
    expect(missing.status).toBe(401);
    await Bun.sleep(100);
    expect(up.requests.some((r) => r.lastUserText.includes("[wa-never]"))).toBe(false);
  });
});

describe("a text message", () => {
  test("is acknowledged at once and answered through the Cloud API; the same message id again is processed once", async () => {
    up.script({ key: "[wa-hello]", text: "Hello Ada, how can I help?" });
    const first = await deliver(message(ALLOWED, "wamid.HBg1", "Hi there [wa-hello]"));
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ received: true, queued: 1, duplicates: 0, ignored: 0 });

    const sent = (await until(() => sentTo(ALLOWED)[0], 10_000, "the reply"))!;
    expect(sent.method).toBe("POST");
    expect(sent.headers.get("authorization")).toBe("Bearer EAAG-test-token");
    expect(sent.body).toEqual({ messaging_product: "whatsapp", recipient_type: "individual", to: ALLOWED, type: "text", text: { preview_url: false, body: "Hello Ada, how can I help?" } });

    const again = await deliver(message(ALLOWED, "wamid.HBg1", "Hi there [wa-hello]"));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ queued: 0, duplicates: 1 });
    await Bun.sleep(300);
    expect(sentTo(ALLOWED)).toHaveLength(1);
    expect(up.requests.filter((r) => r.lastUserText.includes("[wa-hello]"))).toHaveLength(1);
  });

  test("a sender's messages continue one conversation, and each names its source", async () => {
    up.script({ key: "[wa-second]", text: "Noted." });
    const before = sentTo(ALLOWED).length;
    expect((await deliver(message(ALLOWED, "wamid.HBg2", "Second one [wa-second]"))).status).toBe(200);
    await until(() => sentTo(ALLOWED).length > before, 10_000, "the second reply");

    const list = await send(app, "GET", "/api/v1/conversations?agent_id=concierge");
    const mine = (list.body.conversations as { conversation_id: string; title: string }[]).filter((c) => c.title.startsWith("WhatsApp +491701234567"));
    expect(mine).toHaveLength(1);
    const detail = await send(app, "GET", `/api/v1/conversations/${mine[0]!.conversation_id}`);
    expect(detail.body.metadata).toEqual({ source: "whatsapp", sender: ALLOWED, untrusted: true });
    const users = detail.body.messages.filter((m: any) => m.role === "user");
    expect(users.map((m: any) => m.metadata.context)).toEqual([
      { source: "whatsapp", delivery_id: "wamid.HBg1", sender: ALLOWED },
      { source: "whatsapp", delivery_id: "wamid.HBg2", sender: ALLOWED },
    ]);
    // the second turn saw the first exchange
    const second = up.requests.find((r) => r.lastUserText.includes("[wa-second]"))!;
    expect(JSON.stringify(second.body.messages)).toContain("Hello Ada, how can I help?");
  });

  test("from a sender not on the allow-list is ignored: no turn, no reply", async () => {
    const stranger = "15550009999";
    const res = await deliver(message(stranger, "wamid.stranger", "let me in [wa-stranger]"));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, queued: 0, duplicates: 0, ignored: 1 });
    await Bun.sleep(300);
    expect(sentTo(stranger)).toHaveLength(0);
    expect(up.requests.some((r) => r.lastUserText.includes("[wa-stranger]"))).toBe(false);
  });

  test("status updates and other message types are acknowledged and ignored", async () => {
    const payload = message(ALLOWED, "wamid.img", "x");
    (payload.entry[0]!.changes[0]!.value.messages[0] as any).type = "image";
    const res = await deliver(payload);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ queued: 0, ignored: 1 });
    const statuses = await deliver({ object: "whatsapp_business_account", entry: [{ changes: [{ value: { statuses: [{ id: "wamid.x", status: "read" }] } }] }] });
    expect(statuses.body).toEqual({ received: true, queued: 0, duplicates: 0, ignored: 0 });
  });
});

describe("without an app secret", () => {
  let bare: TestApp;
  beforeAll(async () => {
    bare = await startTestApp({ env: { WHATSAPP_APP_SECRET: "", WHATSAPP_VERIFY_TOKEN: "" } });
  });
  afterAll(() => bare.close());

  test("deliveries are refused (503) saying what to set, and verification is 403", async () => {
    const { body, signature } = signed("whatever", message(ALLOWED, "wamid.n", "hi"));
    const res = await send(bare, "POST", "/v1/webhooks/whatsapp", undefined, { body, headers: { "content-type": "application/json", "x-hub-signature-256": signature }, auth: false });
    expect(res.status).toBe(503);
    expect(res.body.error.message).toContain("WHATSAPP_APP_SECRET");
    const verify = await send(bare, "GET", "/v1/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=&hub.challenge=c", undefined, { auth: false });
    expect(verify.status).toBe(403);
    expect(verify.body.error.message).toContain("WHATSAPP_VERIFY_TOKEN");
  });
});
