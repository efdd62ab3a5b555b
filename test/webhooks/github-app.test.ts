// The GitHub webhook with GitHub App credentials (an installation token bought with an RS256 JWT the fake API
// verifies against the app's public key), and the queue surviving a restart: a delivery whose turn a shutdown cut
// short is worked again by the next process on the same workspace.
import { generateKeyPairSync, createVerify } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/harness";
import { startUpstream, type Upstream } from "../support/upstream";
import { openaiEnv, send, until } from "../support/chat";
import { fakeGithub, signed, type FakeApi } from "./fakes";
import { REPLY_MARKER } from "../../src/core/webhooks/github";

const SECRET = "app-webhook-secret";
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const keyDir = mkdtempSync(join(tmpdir(), "penguin-gh-app-"));
const keyPath = join(keyDir, "app.pem");
writeFileSync(keyPath, privateKey.export({ type: "pkcs8", format: "pem" }));

let up: Upstream;
let github: FakeApi;
beforeAll(async () => {
  up = await startUpstream();
  github = fakeGithub();
});
afterAll(async () => {
  await up.close();
  await github.close();
  rmSync(keyDir, { recursive: true, force: true });
});

const toml = () => `
[github]
webhook_secret = "${SECRET}"
api_url = "${github.url}"

[[github.routes]]
event = "pull_request"
prompt = "Review {repo}#{number}: {title}"
`;

function deliver(app: TestApp, deliveryId: string, number: number, title: string) {
  const { body, signature } = signed(SECRET, {
    action: "synchronize",
    installation: { id: 4242 },
    repository: { full_name: "acme/gears", name: "gears", owner: { login: "acme" } },
    sender: { login: "octocat", type: "User" },
    pull_request: { number, title, body: "", html_url: `https://github.com/acme/gears/pull/${number}` },
  });
  return send(app, "POST", "/api/v1/github/webhook", undefined, {
    body,
    headers: { "content-type": "application/json", "x-github-event": "pull_request", "x-github-delivery": deliveryId, "x-hub-signature-256": signature },
    auth: false,
  });
}

const reviewsOf = (number: number) => github.received.filter((r) => r.path === `/repos/acme/gears/pulls/${number}/reviews`);

describe("GitHub App credentials", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ toml: toml(), env: { ...openaiEnv(up), GITHUB_APP_ID: "31337", GITHUB_APP_PRIVATE_KEY_PATH: keyPath, GITHUB_TOKEN: "" } });
  });
  afterAll(() => app.close());

  test("an installation token is bought with a JWT signed by the app's key, and the review is posted with it", async () => {
    up.script({ key: "[app-pr]", text: "Reviewed as the app." });
    expect((await deliver(app, "app-delivery-1", 11, "Gear ratio [app-pr]")).status).toBe(202);
    const review = (await until(() => reviewsOf(11)[0], 10_000, "the review"))!;
    expect(review.headers.get("authorization")).toBe("token ghs_installation");
    expect(review.body).toEqual({ body: `Reviewed as the app.\n\n${REPLY_MARKER}`, event: "COMMENT" });

    const tokenRequest = github.received.find((r) => r.path === "/app/installations/4242/access_tokens")!;
    const jwt = tokenRequest.headers.get("authorization")!.replace(/^bearer /i, "");
    const [header, claims, signature] = jwt.split(".");
    expect(JSON.parse(Buffer.from(header!, "base64url").toString())).toEqual({ alg: "RS256", typ: "JWT" });
    expect(JSON.parse(Buffer.from(claims!, "base64url").toString())).toMatchObject({ iss: "31337" });
    expect(createVerify("RSA-SHA256").update(`${header}.${claims}`).verify(publicKey, Buffer.from(signature!, "base64url"))).toBe(true);
  });
});

describe("the queue", () => {
  test("a delivery a shutdown cut short is worked again by the next process on the same workspace", async () => {
    const workspace = mkdtempSync(join(tmpdir(), "penguin-gh-restart-"));
    const env = { ...openaiEnv(up), PENGUIN_WORKSPACE: workspace, GITHUB_TOKEN: "ghp_restart" };
    try {
      up.script({ key: "[restart-pr]", hang: true });
      // the harness writes its toml into a workspace of its own: this one gets it here
      writeFileSync(join(workspace, "penguin.toml"), toml());
      const first = await startTestApp({ env });
      expect((await deliver(first, "restart-delivery", 12, "Survive [restart-pr]")).status).toBe(202);
      await until(() => up.requests.some((r) => r.lastUserText.includes("[restart-pr]")), 10_000, "the first attempt");
      await first.close();
      expect(reviewsOf(12)).toHaveLength(0);

      up.script({ key: "[restart-pr]", text: "Reviewed after the restart." });
      const second = await startTestApp({ env });
      try {
        const review = (await until(() => reviewsOf(12)[0], 10_000, "the review after the restart"))!;
        expect(review.body).toEqual({ body: `Reviewed after the restart.\n\n${REPLY_MARKER}`, event: "COMMENT" });
        // the same delivery again is still a duplicate for the new process
        const again = await deliver(second, "restart-delivery", 12, "Survive [restart-pr]");
        expect(again.body).toMatchObject({ duplicate: true });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});
