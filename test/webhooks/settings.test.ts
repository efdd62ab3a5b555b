// The [github] and [whatsapp] blocks: defaults, the environment fallbacks, route defaults (agent, reply), and the
// README's example read as written; a mistyped key or an unknown event is one clear error. Plus the signature
// helper: constant-time comparison of well-formed signatures only.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config";
import { signBody, signatureValid } from "../../src/core/webhooks/signature";

function configWith(toml: string, env: Record<string, string> = {}) {
  const ws = mkdtempSync(join(tmpdir(), "penguin-webhooks-config-"));
  writeFileSync(join(ws, "penguin.toml"), toml);
  return () => loadConfig({ env: { PENGUIN_WORKSPACE: ws, ...env }, cwd: ws });
}

describe("[github] and [whatsapp] settings", () => {
  test("defaults: nothing configured (the routes refuse), the public API bases", () => {
    const config = configWith("")();
    expect(config.github).toEqual({ apiUrl: "https://api.github.com", routes: [] });
    expect(config.whatsapp).toEqual({ apiUrl: "https://graph.facebook.com/v21.0", allowedSenders: [], agent: "default" });
  });

  test("the environment fills what the file leaves out", () => {
    const config = configWith("", {
      GITHUB_WEBHOOK_SECRET: "s",
      GITHUB_TOKEN: "t",
      GITHUB_APP_ID: "1",
      GITHUB_APP_PRIVATE_KEY_PATH: "/k.pem",
      GITHUB_API_URL: "https://ghe.local/api/v3/",
      WHATSAPP_VERIFY_TOKEN: "v",
      WHATSAPP_APP_SECRET: "a",
      WHATSAPP_ACCESS_TOKEN: "x",
      WHATSAPP_PHONE_NUMBER_ID: "9",
      WHATSAPP_ALLOWED_SENDERS: "+1 555 0100, 4917012",
      WHATSAPP_AGENT: "concierge",
    })();
    expect(config.github).toEqual({ webhookSecret: "s", token: "t", app: { id: "1", privateKeyPath: "/k.pem" }, apiUrl: "https://ghe.local/api/v3", routes: [] });
    expect(config.whatsapp).toEqual({ verifyToken: "v", appSecret: "a", accessToken: "x", phoneNumberId: "9", apiUrl: "https://graph.facebook.com/v21.0", allowedSenders: ["15550100", "4917012"], agent: "concierge" });
  });

  test("the README's example, with each route's reply defaulted by its event", () => {
    const readme = readFileSync(join(import.meta.dir, "../../README.md"), "utf8");
    const example = /```toml\n(\[github\][\s\S]*?)```/.exec(readme)![1]!;
    const config = configWith(example)();
    expect(config.github.routes).toEqual([
      { event: "pull_request", action: "opened", agent: "reviewer", prompt: "Review this PR: {title} ({url})\n{body}", reply: "review" },
      { event: "issues", action: "opened", agent: "triage", prompt: "Triage this issue on {repo}: {title}\n{body}", reply: "comment" },
    ]);
    expect(config.whatsapp.allowedSenders).toEqual(["491701234567"]);
    const defaults = configWith('[github]\nagent = "ops"\n[[github.routes]]\nevent = "workflow_run"\nprompt = "{title}: {conclusion}"\n')();
    expect(defaults.github.routes[0]).toEqual({ event: "workflow_run", action: undefined, agent: "ops", prompt: "{title}: {conclusion}", reply: "none" });
  });

  test("a mistyped key or an unknown event is one clear error naming it", () => {
    expect(configWith('[github]\nwebhook_secrt = "x"\n')).toThrow("github.webhook_secrt");
    expect(configWith('[[github.routes]]\nevent = "star"\nprompt = "x"\n')).toThrow("github.routes");
    expect(configWith('[whatsapp]\nallowed_senders = "all"\n')).toThrow("whatsapp.allowed_senders");
  });
});

describe("X-Hub-Signature-256", () => {
  test("only sha256=<hex of the body's HMAC> matches", () => {
    const body = '{"a":1}';
    const good = signBody("k", body);
    expect(good).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signatureValid("k", body, good)).toBe(true);
    expect(signatureValid("k", body + " ", good)).toBe(false);
    expect(signatureValid("other", body, good)).toBe(false);
    expect(signatureValid("k", body, good.toUpperCase().replace("SHA256", "sha256"))).toBe(true);
    expect(signatureValid("k", body, good.slice(0, -2))).toBe(false);
    expect(signatureValid("k", body, "sha1=" + good.slice(7))).toBe(false);
    expect(signatureValid("k", body, null)).toBe(false);
  });
});
