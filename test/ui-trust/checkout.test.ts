// `npm install` marks package.json's bin targets executable; committed that way, the checkout stays clean after it.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");

test("every bin target is committed executable and starts with a shebang", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> };
  const targets = Object.values(pkg.bin);
  expect(targets.length).toBeGreaterThan(0);
  for (const target of targets) {
    const staged = Bun.spawnSync(["git", "ls-files", "-s", "--", target], { cwd: ROOT }).stdout.toString();
    expect(staged.slice(0, 6)).toBe("100755");
    expect(readFileSync(join(ROOT, target), "utf8").startsWith("#!/usr/bin/env bun\n")).toBe(true);
  }
});
