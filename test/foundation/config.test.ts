// Configuration precedence and errors, and the CLI's commands.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig, sha256Hex } from "../../src/config";

const ROOT = join(import.meta.dir, "../..");
const tmp = () => mkdtempSync(join(tmpdir(), "penguin-config-"));

function withFile(name: string, text: string) {
  const ws = tmp();
  writeFileSync(join(ws, name), text);
  return ws;
}

describe("precedence: defaults < file < environment < flags", () => {
  test("defaults", () => {
    const ws = tmp();
    const c = loadConfig({ env: { PENGUIN_WORKSPACE: ws }, cwd: ws });
    expect(c.host).toBe("127.0.0.1");
    expect(c.port).toBe(9000);
    expect(c.projectRoot).toBe(ws);
    expect(c.writeRoot).toBe("project");
    expect(c.corsOrigins).toEqual(["*"]);
    expect(c.rateLimitRpm).toBe(120);
    expect(c.auth.enabled).toBe(true);
    expect(c.auth.startupToken).toBeTruthy();
    expect(c.engine.maxIterations).toBe(5);
  });

  test("file overrides defaults, environment overrides file, flags override environment", () => {
    const ws = withFile("penguin.toml", 'port = 7001\nhost = "0.0.0.0"\nrate_limit_rpm = 10\n[engine]\nmax_iterations = 9\n');
    const fromFile = loadConfig({ env: { PENGUIN_WORKSPACE: ws } });
    expect(fromFile.port).toBe(7001);
    expect(fromFile.host).toBe("0.0.0.0");
    expect(fromFile.rateLimitRpm).toBe(10);
    expect(fromFile.engine.maxIterations).toBe(9);
    const fromEnv = loadConfig({ env: { PENGUIN_WORKSPACE: ws, PORT: "7002", HOST: "127.0.0.2" } });
    expect(fromEnv.port).toBe(7002);
    expect(fromEnv.host).toBe("127.0.0.2");
    const fromFlags = loadConfig({ env: { PENGUIN_WORKSPACE: ws, PORT: "7002" }, flags: { port: "7003", host: "::1" } });
    expect(fromFlags.port).toBe(7003);
    expect(fromFlags.host).toBe("::1");
  });

  test("config.yml works too, and --config points anywhere", () => {
    const ws = withFile("config.yml", "port: 7100\ncors_origins: [http://a.example]\n");
    expect(loadConfig({ env: { PENGUIN_WORKSPACE: ws } }).port).toBe(7100);
    const other = withFile("custom.toml", "port = 7200\n");
    expect(loadConfig({ env: { PENGUIN_WORKSPACE: ws }, flags: { config: join(other, "custom.toml") } }).port).toBe(7200);
  });

  test("environment variables are honoured", () => {
    const ws = tmp();
    const c = loadConfig({
      env: {
        PENGUIN_WORKSPACE: ws,
        PENGUIN_PROJECT_ROOT: "/tmp",
        PENGUIN_WRITE_ROOT: "workspace",
        PENGUIN_API_KEYS: "key-one-12345:alice,key-two-12345",
        PENGUIN_CORS_ORIGINS: "http://a.example, http://b.example",
        PENGUIN_MODEL: "anthropic/claude-sonnet-4-5",
        ANTHROPIC_API_KEY: "sk-ant",
        ANTHROPIC_BASE_URL: "http://127.0.0.1:1/",
        OPENROUTER_API_KEY: "sk-or",
        DEBUG: "true",
      },
    });
    expect(c.projectRoot).toBe("/tmp");
    expect(c.writeRoot).toBe("workspace");
    expect(c.auth.keys).toEqual([
      { sha256: sha256Hex("key-one-12345"), user: "alice", role: "admin" },
      { sha256: sha256Hex("key-two-12345"), user: "default", role: "admin" },
    ]);
    expect(c.auth.startupToken).toBeUndefined();
    expect(c.corsOrigins).toEqual(["http://a.example", "http://b.example"]);
    expect(c.defaultModel).toBe("anthropic/claude-sonnet-4-5");
    expect(c.models[0]).toMatchObject({ provider: "anthropic", model: "claude-sonnet-4-5" });
    expect(c.providers.anthropic).toEqual({ apiKey: "sk-ant", baseUrl: "http://127.0.0.1:1/" });
    expect(c.providers.openrouter.apiKey).toBe("sk-or");
    expect(c.debug).toBe(true);
  });

  test("keys in the file are stored hashed and map to users", () => {
    const hash = sha256Hex("file-key-123456");
    const ws = withFile("penguin.toml", `[auth]\nkeys = [{ sha256 = "${hash}", user = "carol" }]\n`);
    const c = loadConfig({ env: { PENGUIN_WORKSPACE: ws } });
    expect(c.auth.keys).toEqual([{ sha256: hash, user: "carol", role: "admin" }]);
    expect(JSON.stringify(c.auth)).not.toContain("file-key-123456");
  });

  test("keys carry a role: key:user:role in PENGUIN_API_KEYS, role in the file; admin by default; anything else is refused", () => {
    const hash = sha256Hex("file-key-123456");
    const ws = withFile("penguin.toml", `[auth]\nkeys = [{ sha256 = "${hash}", user = "carol", role = "user" }]\n`);
    const c = loadConfig({ env: { PENGUIN_WORKSPACE: ws, PENGUIN_API_KEYS: "key-one-12345:alice:admin,key-two-12345:bob:user,key-three-1234:dave" } });
    expect(c.auth.keys).toEqual([
      { sha256: hash, user: "carol", role: "user" },
      { sha256: sha256Hex("key-one-12345"), user: "alice", role: "admin" },
      { sha256: sha256Hex("key-two-12345"), user: "bob", role: "user" },
      { sha256: sha256Hex("key-three-1234"), user: "dave", role: "admin" },
    ]);
    expect(() => loadConfig({ env: { PENGUIN_WORKSPACE: tmp(), PENGUIN_API_KEYS: "key-one-12345:alice:root" } })).toThrow(/"root" is not a role/);
    expect(() => loadConfig({ env: { PENGUIN_WORKSPACE: withFile("penguin.toml", `[auth]\nkeys = [{ sha256 = "${hash}", role = "owner" }]\n`) } })).toThrow(ConfigError);
    // The startup token (no key configured) is an admin.
    const started = loadConfig({ env: { PENGUIN_WORKSPACE: tmp() } });
    expect(started.auth.keys).toEqual([{ sha256: sha256Hex(started.auth.startupToken!), user: "default", role: "admin" }]);
  });

  test("PENGUIN_MODEL shortcuts: openrouter ids keep their slash, local servers get a base URL", () => {
    const ws = tmp();
    const or = loadConfig({ env: { PENGUIN_WORKSPACE: ws, PENGUIN_MODEL: "openrouter/anthropic/claude-3-opus" } });
    expect(or.models[0]).toMatchObject({ provider: "openrouter", model: "anthropic/claude-3-opus" });
    const ollama = loadConfig({ env: { PENGUIN_WORKSPACE: ws, PENGUIN_MODEL: "ollama/llama3.1" } });
    expect(ollama.models[0]).toMatchObject({ provider: "openai-compatible", model: "llama3.1", base_url: "http://127.0.0.1:11434/v1" });
  });
});

describe("invalid configuration names the key and the problem", () => {
  const cases: [string, () => unknown, RegExp][] = [
    ["bad TOML", () => loadConfig({ env: { PENGUIN_WORKSPACE: withFile("penguin.toml", "port = = 1") } }), /not valid TOML/],
    ["wrong type", () => loadConfig({ env: { PENGUIN_WORKSPACE: withFile("penguin.toml", 'port = "high"') } }), /port/],
    ["unknown key", () => loadConfig({ env: { PENGUIN_WORKSPACE: withFile("penguin.toml", "prot = 1") } }), /prot is not a known setting/],
    ["nested unknown key", () => loadConfig({ env: { PENGUIN_WORKSPACE: withFile("penguin.toml", "[engine]\nmax_iter = 1") } }), /engine\.max_iter is not a known setting/],
    ["bad model provider", () => loadConfig({ env: { PENGUIN_WORKSPACE: withFile("penguin.toml", '[[models]]\nid="a"\nprovider="nope"\nmodel="m"') } }), /models\.0\.provider/],
    ["PORT", () => loadConfig({ env: { PENGUIN_WORKSPACE: tmp(), PORT: "eighty" } }), /PORT: "eighty" is not a port number/],
    ["PENGUIN_WRITE_ROOT", () => loadConfig({ env: { PENGUIN_WORKSPACE: tmp(), PENGUIN_WRITE_ROOT: "home" } }), /PENGUIN_WRITE_ROOT/],
    ["PENGUIN_AUTH", () => loadConfig({ env: { PENGUIN_WORKSPACE: tmp(), PENGUIN_AUTH: "maybe" } }), /PENGUIN_AUTH/],
    ["PENGUIN_MODEL", () => loadConfig({ env: { PENGUIN_WORKSPACE: tmp(), PENGUIN_MODEL: "gpt-4o" } }), /PENGUIN_MODEL: "gpt-4o" must look like provider\/model/],
    ["short key", () => loadConfig({ env: { PENGUIN_WORKSPACE: tmp(), PENGUIN_API_KEYS: "abc" } }), /PENGUIN_API_KEYS/],
    ["unknown default model", () => loadConfig({ env: { PENGUIN_WORKSPACE: withFile("penguin.toml", 'default_model = "x"') } }), /default_model/],
  ];
  for (const [name, run, message] of cases) {
    test(name, () => {
      expect(run).toThrow(ConfigError);
      expect(run).toThrow(message);
    });
  }
});

describe("CLI", () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    Bun.spawnSync([process.execPath, "src/index.ts", ...args], { cwd: ROOT, env: { PATH: process.env.PATH!, HOME: tmp(), ...env }, stdout: "pipe", stderr: "pipe" });

  test("version and --help", () => {
    const v = cli(["version"]);
    expect(v.exitCode).toBe(0);
    expect(v.stdout.toString().trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = cli(["--help"]);
    expect(help.exitCode).toBe(0);
    for (const word of ["serve", "openapi", "--port", "PENGUIN_API_KEYS", "OPENAI_API_KEY", "PENGUIN_WRITE_ROOT"]) expect(help.stdout.toString()).toContain(word);
  });

  test("openapi prints the OpenAPI document", () => {
    const r = cli(["openapi"]);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout.toString());
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths["/health"]).toBeDefined();
  });

  test("an invalid config stops start-up with one clear line and no stack trace", () => {
    const ws = withFile("penguin.toml", "prot = 1");
    const r = cli(["serve"], { PENGUIN_WORKSPACE: ws });
    expect(r.exitCode).not.toBe(0);
    const err = r.stderr.toString().trim();
    expect(err.split("\n")).toHaveLength(1);
    expect(err).toContain("prot is not a known setting");
    expect(err).not.toContain("    at ");
  });

  test("unknown command and unknown flag fail with a pointer to --help", () => {
    expect(cli(["frobnicate"]).stderr.toString()).toContain("--help");
    expect(cli(["--frob"]).exitCode).toBe(2);
  });
});
