// File, search and edit tools through core.tools.execute on a real core: happy paths and failure modes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { makeCore, type ToolTestCore } from "./helpers";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);

let t: ToolTestCore;
beforeAll(async () => {
  t = await makeCore({ configure: (c) => void (c.tools.outputCapBytes = 2048) });
});
afterAll(() => t.close());

const file = (rel: string, content: string | Uint8Array) => {
  mkdirSync(join(t.root, rel, ".."), { recursive: true });
  writeFileSync(join(t.root, rel), content);
};
const read = (rel: string) => readFileSync(join(t.root, rel), "utf8");

describe("read_file", () => {
  test("numbers lines and reads ranges", async () => {
    file("notes.txt", "alpha\nbeta\ngamma\ndelta\n");
    const all = await t.call("read_file", { path: "notes.txt" });
    expect(all.status).toBe("completed");
    expect(all.output).toBe("1\talpha\n2\tbeta\n3\tgamma\n4\tdelta");
    const part = await t.call("read_file", { path: "notes.txt", start_line: 2, end_line: 3 });
    expect(part.output).toStartWith("2\tbeta\n3\tgamma");
    expect(part.output).toContain("[lines 2-3 of 4]");
    expect(part.data).toMatchObject({ total_lines: 4, start_line: 2, end_line: 3 });
  });

  test("long files are cut at the output cap and say where to continue", async () => {
    file("long.txt", Array.from({ length: 500 }, (_, i) => `line number ${i + 1} with some padding text`).join("\n"));
    const r = await t.call("read_file", { path: "long.txt" });
    expect(r.status).toBe("completed");
    expect(Buffer.byteLength(r.output)).toBeLessThan(2048 + 200);
    const m = /start_line=(\d+) to continue/.exec(r.output);
    expect(m).not.toBeNull();
    const next = await t.call("read_file", { path: "long.txt", start_line: Number(m![1]) });
    expect(next.output.split("\n")[0]!.trimStart()).toBe(`${m![1]}\tline number ${m![1]} with some padding text`);
  });

  test("accepts numbers sent as strings (converted before validation)", async () => {
    const r = await t.call("read_file", { path: "notes.txt", start_line: "4" });
    expect(r.output).toStartWith("4\tdelta");
    expect(r.arguments).toEqual({ path: "notes.txt", start_line: 4 });
  });

  test("refuses binary files, returns images for vision", async () => {
    file("blob.bin", new Uint8Array([1, 2, 0, 3, 4, 0, 5]));
    const bin = await t.call("read_file", { path: "blob.bin" });
    expect(bin.status).toBe("error");
    expect(bin.output).toContain("binary file");
    file("pic.png", PNG);
    const img = await t.call("read_file", { path: "pic.png" });
    expect(img.status).toBe("completed");
    expect(img.images).toEqual([{ mediaType: "image/png", base64: Buffer.from(PNG).toString("base64") }]);
  });

  test("clear errors: missing file, folder, past the end, empty file", async () => {
    expect((await t.call("read_file", { path: "nope.txt" })).output).toContain("File not found: nope.txt");
    mkdirSync(join(t.root, "dir"), { recursive: true });
    expect((await t.call("read_file", { path: "dir" })).output).toContain("is a directory");
    expect((await t.call("read_file", { path: "notes.txt", start_line: 9 })).output).toContain("has 4 lines");
    file("empty.txt", "");
    const empty = await t.call("read_file", { path: "empty.txt" });
    expect(empty.status).toBe("completed");
    expect(empty.output).toContain("is empty");
  });
});

describe("write_file / create_file / create_folder / delete_file", () => {
  test("write_file creates parents, then replaces with a diff; it declares the file it changes before it runs", async () => {
    const seen: { path: string; before: string | null }[] = [];
    const stop = t.core.tools.beforeRun(async (ctx, tool, call) => {
      for (const path of call.changes) seen.push({ path, before: existsSync(path) ? readFileSync(path, "utf8") : null });
    });
    const created = await t.call("write_file", { path: "deep/er/x.txt", content: "one\ntwo\n" });
    expect(created.status).toBe("completed");
    expect(created.data).toMatchObject({ created: true, bytes: 8 });
    const replaced = await t.call("write_file", { path: "deep/er/x.txt", content: "one\n2\n" });
    expect(replaced.output).toContain("Replaced deep/er/x.txt");
    expect(replaced.data!.diff).toBe("--- a/deep/er/x.txt\n+++ b/deep/er/x.txt\n@@ -1,2 +1,2 @@\n one\n-two\n+2\n");
    stop();
    expect(read("deep/er/x.txt")).toBe("one\n2\n");
    // checkpoints rely on seeing the old content before it changes
    expect(seen).toEqual([
      { path: join(t.root, "deep/er/x.txt"), before: null },
      { path: join(t.root, "deep/er/x.txt"), before: "one\ntwo\n" },
    ]);
  });

  test("create_file refuses to overwrite; create_folder is idempotent", async () => {
    const again = await t.call("create_file", { path: "deep/er/x.txt", content: "new" });
    expect(again.status).toBe("error");
    expect(again.output).toContain("already exists");
    expect(read("deep/er/x.txt")).toBe("one\n2\n");
    expect((await t.call("create_file", { path: "fresh.txt" })).status).toBe("completed");
    expect(read("fresh.txt")).toBe("");
    expect((await t.call("create_folder", { path: "newdir/sub" })).output).toContain("Created folder newdir/sub");
    expect((await t.call("create_folder", { path: "newdir/sub" })).output).toContain("already exists");
    expect((await t.call("create_folder", { path: "fresh.txt" })).status).toBe("error");
  });

  test("delete_file asks unless pre-approved; a folder needs recursive; the root is never deleted", async () => {
    t.core.approvals.preApprove({ operation: "filesystem.delete", pattern: "./newdir/**", sessionId: "session-1" });
    t.core.approvals.preApprove({ operation: "filesystem.delete", pattern: "./newdir", sessionId: "session-1" });
    const folder = await t.call("delete_file", { path: "newdir" });
    expect(folder.output).toContain("pass recursive=true");
    const gone = await t.call("delete_file", { path: "newdir", recursive: true });
    expect(gone.status).toBe("completed");
    expect(existsSync(join(t.root, "newdir"))).toBe(false);
    t.core.approvals.preApprove({ operation: "filesystem.delete", pattern: ".", sessionId: "session-2" });
    const root = await t.call("delete_file", { path: ".", recursive: true }, { sessionId: "session-2" });
    expect(root.output).toContain("Refusing to delete the project root");
    expect(existsSync(t.root)).toBe(true);
  });
});

describe("list_files / find_file", () => {
  beforeAll(() => {
    file("proj/.gitignore", "dist/\n*.log\n!keep.log\n/rooted.txt\n");
    file("proj/src/a.ts", "export const a = 1;\n");
    file("proj/src/lib/b.ts", "export const b = 2;\n");
    file("proj/src/lib/deeper/c.ts", "export const c = 3;\n");
    file("proj/dist/out.js", "x");
    file("proj/debug.log", "x");
    file("proj/keep.log", "x");
    file("proj/rooted.txt", "x");
    file("proj/src/rooted.txt", "x");
    file("proj/node_modules/pkg/index.js", "x");
    file("proj/.git/HEAD", "x");
    symlinkSync("/etc", join(t.root, "proj/etc-link"));
  });

  test("list_files draws a tree to the given depth, skipping ignored paths", async () => {
    const r = await t.call("list_files", { path: "proj", depth: 3 });
    expect(r.status).toBe("completed");
    expect(r.output).toBe(
      ["proj/", "  .gitignore", "  etc-link -> /etc", "  keep.log", "  src/", "    a.ts", "    lib/", "      b.ts", "      deeper/", "    rooted.txt"].join("\n"),
    );
    const shallow = await t.call("list_files", { path: "proj", depth: 1 });
    expect(shallow.output).not.toContain("a.ts");
    const all = await t.call("list_files", { path: "proj", depth: 1, include_ignored: true });
    expect(all.output).toContain("debug.log");
    expect(all.output).toContain("dist/");
  });

  test("list_files errors: missing folder, a file", async () => {
    expect((await t.call("list_files", { path: "nowhere" })).output).toContain("Folder not found");
    expect((await t.call("list_files", { path: "notes.txt" })).output).toContain("is a file");
  });

  test("find_file matches names at any depth, or paths when the pattern has a slash", async () => {
    const byName = await t.call("find_file", { pattern: "*.ts", path: "proj" });
    expect(byName.output.split("\n")).toEqual(["proj/src/a.ts", "proj/src/lib/b.ts", "proj/src/lib/deeper/c.ts"]);
    const byPath = await t.call("find_file", { pattern: "src/lib/*.ts", path: "proj" });
    expect(byPath.output).toBe("proj/src/lib/b.ts");
    const capped = await t.call("find_file", { pattern: "*.ts", path: "proj", max_results: 2 });
    expect(capped.output).toContain("more than 2 matches");
    expect((await t.call("find_file", { pattern: "*.zzz", path: "proj" })).output).toContain("No files match");
    expect((await t.call("find_file", { pattern: "*.js", path: "proj" })).output).toContain("No files match");
  });
});

describe("grep_search", () => {
  test("finds regex matches with context and separators", async () => {
    file("g/one.txt", "a\nb\nneedle 1\nc\nd\ne\nf\nneedle 2\ng\n");
    file("g/two.md", "nothing here\n");
    const r = await t.call("grep_search", { pattern: "needle \\d", path: "g", context_lines: 1 });
    expect(r.output).toBe(["g/one.txt-2- b", "g/one.txt:3: needle 1", "g/one.txt-4- c", "--", "g/one.txt-7- f", "g/one.txt:8: needle 2", "g/one.txt-9- g"].join("\n"));
    expect(r.data).toMatchObject({ matches: 2, files: 1 });
  });

  test("options: include glob, case, fixed strings, result cap; binary files skipped", async () => {
    file("g/three.md", "NEEDLE upper\n");
    file("g/bin.dat", new Uint8Array([110, 101, 101, 100, 108, 101, 0, 1]));
    expect((await t.call("grep_search", { pattern: "needle", path: "g", include: "*.md" })).output).toContain("No matches");
    expect((await t.call("grep_search", { pattern: "needle", path: "g", include: "*.md", case_insensitive: true })).output).toBe("g/three.md:1: NEEDLE upper");
    expect((await t.call("grep_search", { pattern: "needle (", path: "g", fixed_strings: true })).output).toContain("No matches");
    const capped = await t.call("grep_search", { pattern: "needle", path: "g", max_results: 1 });
    expect(capped.output).toContain("result cap reached after 1 matches");
    expect(capped.data).toMatchObject({ truncated: true });
    const single = await t.call("grep_search", { pattern: "needle 2", path: "g/one.txt" });
    expect(single.output).toBe("g/one.txt:8: needle 2");
  });

  test("an invalid regular expression is a clear error", async () => {
    const r = await t.call("grep_search", { pattern: "needle (" });
    expect(r.status).toBe("error");
    expect(r.output).toContain("Invalid regular expression");
  });
});

describe("patch_file", () => {
  test("search/replace edits apply in order and report a diff", async () => {
    file("p.ts", "const a = 1;\nconst b = 2;\nconsole.log(a + b);\n");
    const r = await t.call("patch_file", { path: "p.ts", edits: [{ search: "const b = 2;", replace: "const b = 3;" }, { search: "a + b", replace: "a * b" }] });
    expect(r.status).toBe("completed");
    expect(read("p.ts")).toBe("const a = 1;\nconst b = 3;\nconsole.log(a * b);\n");
    expect(r.data!.diff).toContain("\n-const b = 2;\n");
    expect(r.data!.diff).toContain("\n+const b = 3;\n");
  });

  test("missing or ambiguous search text fails clearly and leaves the file unchanged", async () => {
    const before = read("p.ts");
    const missing = await t.call("patch_file", { path: "p.ts", edits: [{ search: "const b = 3;", replace: "X" }, { search: "not there", replace: "Y" }] });
    expect(missing.status).toBe("error");
    expect(missing.output).toContain("edit 2 was not found");
    const ambiguous = await t.call("patch_file", { path: "p.ts", edits: [{ search: "const", replace: "let" }] });
    expect(ambiguous.output).toContain("occurs 2 times (lines 1, 2)");
    const indent = await t.call("patch_file", { path: "p.ts", edits: [{ search: "  const a = 1;", replace: "x" }] });
    expect(indent.output).toContain("similar text at line 1");
    expect(read("p.ts")).toBe(before);
    const all = await t.call("patch_file", { path: "p.ts", edits: [{ search: "const", replace: "let", replace_all: true }] });
    expect(all.status).toBe("completed");
    expect(read("p.ts")).toBe("let a = 1;\nlet b = 3;\nconsole.log(a * b);\n");
  });

  test("CRLF files accept LF search text", async () => {
    file("crlf.txt", "one\r\ntwo\r\nthree\r\n");
    const r = await t.call("patch_file", { path: "crlf.txt", edits: [{ search: "one\ntwo", replace: "1\n2" }] });
    expect(r.status).toBe("completed");
    expect(read("crlf.txt")).toBe("1\r\n2\r\nthree\r\n");
  });

  test("unified diffs apply, also when the hunk drifted; a hunk that does not match fails", async () => {
    file("u.txt", "header\nextra\n1\n2\n3\n4\n5\n");
    const diff = "--- a/u.txt\n+++ b/u.txt\n@@ -2,3 +2,3 @@\n 2\n-3\n+three\n 4\n";
    const r = await t.call("patch_file", { path: "u.txt", diff });
    expect(r.status).toBe("completed");
    expect(read("u.txt")).toBe("header\nextra\n1\n2\nthree\n4\n5\n");
    const bad = await t.call("patch_file", { path: "u.txt", diff: "@@ -1,2 +1,2 @@\n nope\n-gone\n+x\n" });
    expect(bad.status).toBe("error");
    expect(bad.output).toContain("hunk 1");
    expect(bad.output).toContain("does not apply");
    expect(read("u.txt")).toBe("header\nextra\n1\n2\nthree\n4\n5\n");
    const notDiff = await t.call("patch_file", { path: "u.txt", diff: "just words" });
    expect(notDiff.output).toContain("no hunks found");
  });

  test("exactly one of edits / diff; the file must exist", async () => {
    expect((await t.call("patch_file", { path: "u.txt" })).output).toContain("exactly one");
    expect((await t.call("patch_file", { path: "u.txt", diff: "@@ -1 +1 @@\n-a\n+b\n", edits: [{ search: "a", replace: "b" }] })).output).toContain("exactly one");
    expect((await t.call("patch_file", { path: "ghost.txt", edits: [{ search: "a", replace: "b" }] })).output).toContain("Use create_file");
  });
});

describe("the runtime", () => {
  test("unknown tools, invalid JSON and schema violations come back as errors for the model", async () => {
    const unknown = await t.call("frobnicate", {});
    expect(unknown.status).toBe("error");
    expect(unknown.output).toContain("Unknown tool 'frobnicate'");
    expect(unknown.output).toContain("read_file");
    expect((await t.call("read_file", "{not json")).output).toContain("not valid JSON");
    expect((await t.call("read_file", "[1]")).output).toContain("expected a JSON object");
    const invalid = await t.call("read_file", { path: 5, start_line: 0 });
    expect(invalid.output).toContain("Invalid arguments for read_file");
    expect(invalid.output).toContain("start_line");
    expect((await t.call("read_file", {})).output).toContain("path: is required");
  });

  test("specs are plain JSON schemas, optionally limited by name", () => {
    const specs = t.core.tools.specs();
    const names = specs.map((s) => s.name);
    for (const n of ["read_file", "write_file", "create_file", "create_folder", "list_files", "find_file", "grep_search", "patch_file", "execute_command", "process_start", "process_poll", "process_write_stdin", "process_stop"]) {
      expect(names).toContain(n);
    }
    const read = specs.find((s) => s.name === "read_file")!;
    expect(read.parameters).toMatchObject({ type: "object", required: ["path"], properties: { path: { type: "string" } } });
    expect(JSON.stringify(read.parameters)).toBe(JSON.stringify(JSON.parse(JSON.stringify(read.parameters))));
    expect(t.core.tools.specs(["read_file", "grep_search"]).map((s) => s.name)).toEqual(["read_file", "grep_search"]);
  });

  test("a tool that ignores its signal is still stopped at its timeout; registering a name twice fails", async () => {
    t.core.tools.register({
      name: "stuck_tool",
      description: "never returns",
      parameters: Type.Object({}),
      category: "memory",
      operation: "read",
      timeoutMs: 100,
      resource: () => "stuck",
      run: () => new Promise(() => {}),
    });
    const started = Date.now();
    const r = await t.call("stuck_tool", {});
    expect(r.status).toBe("error");
    expect(r.output).toContain("timed out");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(() => t.core.tools.register({ ...t.core.tools.get("stuck_tool")! })).toThrow("already registered");
  });

  test("cancelling the turn ends a running tool; every call is counted in the metrics", async () => {
    const before = t.core.metrics.tools.total;
    const controller = new AbortController();
    const early = new AbortController();
    early.abort();
    expect((await t.call("stuck_tool", {}, { signal: early.signal })).output).toContain("Cancelled before the tool started");
    const pending = t.call("stuck_tool", {}, { signal: controller.signal });
    await Bun.sleep(30);
    controller.abort();
    const r = await pending;
    expect(r.output).toContain("stuck_tool was cancelled");
    expect(t.core.metrics.tools.total).toBe(before + 2);
    expect(t.core.metrics.tools.byName.get("stuck_tool")).toBeGreaterThanOrEqual(2);
  });
});
