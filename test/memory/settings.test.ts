// The [memory] block of the config file: defaults, every setting, the key taken from the named variable, and a
// mistyped key or an out-of-range value named in one line. The README's example is the one read here.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config";

function configWith(toml: string, env: Record<string, string> = {}) {
  const ws = mkdtempSync(join(tmpdir(), "penguin-memory-config-"));
  writeFileSync(join(ws, "penguin.toml"), toml);
  return () => loadConfig({ env: { PENGUIN_WORKSPACE: ws, ...env }, cwd: ws });
}

describe("[memory] settings", () => {
  test("defaults: no embedding model (text search only), recall on, daily decay with a 30-day half-life", () => {
    expect(configWith("")().memory).toEqual({
      minSimilarity: 0.3,
      mergeSimilarity: 0.95,
      recallMaxTokens: 600,
      recallMaxItems: 5,
      decayHalfLifeDays: 30,
      decayFloor: 0.05,
      decayIntervalHours: 24,
    });
  });

  test("the README's example: an Ollama model, its key from the named variable (none needed: a placeholder)", () => {
    const readme = readFileSync(join(import.meta.dir, "../../README.md"), "utf8");
    const example = /```toml\n(\[memory\][\s\S]*?)```/.exec(readme)![1]!;
    const memory = configWith(example)().memory;
    expect(memory).toMatchObject({ embedding: { model: "nomic-embed-text", baseUrl: "http://127.0.0.1:11434/v1", apiKey: "unused" }, recallMaxTokens: 600, decayFloor: 0.05 });
    expect(configWith(example, { OPENAI_API_KEY: "sk-from-env" })().memory.embedding!.apiKey).toBe("sk-from-env");
    const own = configWith('[memory]\nembedding_model = "text-embedding-3-small"\nembedding_api_key_env = "EMBED_KEY"\n', { EMBED_KEY: "sk-embed", OPENAI_BASE_URL: "http://proxy.local/v1/" });
    expect(own().memory.embedding).toEqual({ model: "text-embedding-3-small", baseUrl: "http://proxy.local/v1", apiKey: "sk-embed" });
  });

  test("a mistyped key or a value out of range is one clear error naming it", () => {
    expect(configWith('[memory]\nembeding_model = "x"\n')).toThrow("memory.embeding_model is not a known setting");
    expect(configWith("[memory]\ndecay_floor = 2\n")).toThrow("memory.decay_floor");
    expect(configWith("[memory]\ndecay_half_life_days = 0\n")).toThrow("memory.decay_half_life_days");
  });
});
