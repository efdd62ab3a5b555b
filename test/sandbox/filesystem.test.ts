// What a sandboxed command sees of the filesystem: real bwrap, real files. The root is writable, nothing outside it
// is; the workspace, hidden paths, $HOME and other projects do not exist; .git is read-only unless allowed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { createSandbox, type Sandbox } from "../../src/core/sandbox";
import { mkdirs, run, scratch } from "./support";

let sandbox: Sandbox;
const tree = scratch("sbfs");
const base = tree.dir;
const root = join(base, "project");
const workspace = join(base, "workspace");
const other = join(base, "other-project");
const tools = join(base, "tools");
const shared = join(base, "shared");

beforeAll(async () => {
  mkdirs(join(root, "src"), join(root, "vendor", "lib"), join(root, "inside-workspace"), workspace, other, tools, shared);
  writeFileSync(join(root, "src", "a.txt"), "in the root\n");
  writeFileSync(join(root, "penguin.toml"), "api_key = 'root-config-secret'\n");
  writeFileSync(join(root, "inside-workspace", "penguin.db"), "db-secret\n");
  writeFileSync(join(workspace, "penguin.db"), "workspace-secret\n");
  writeFileSync(join(other, "notes.txt"), "other project\n");
  writeFileSync(join(tools, "tool.sh"), "echo tool ran\n");
  // a link out of the root leads nowhere inside
  symlinkSync(workspace, join(root, "link-to-workspace"));
  const git = (cwd: string, ...args: string[]) => Bun.spawnSync(["git", "-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd, stdout: "ignore", stderr: "ignore" });
  git(root, "init", "-q");
  git(root, "commit", "-q", "--allow-empty", "-m", "first");
  git(join(root, "vendor", "lib"), "init", "-q");
  sandbox = await createSandbox("required", { hiddenPaths: [workspace, join(root, "penguin.toml"), join(root, "inside-workspace")] });
  expect(sandbox.status.mode).toBe("bubblewrap");
});
afterAll(async () => {
  await sandbox.shutdown();
  tree.remove();
});

describe("writes", () => {
  test("inside the root they succeed, and land in the host's root", async () => {
    const { out, code } = await run(sandbox, "echo made > src/new.txt && mkdir -p d/e && touch d/e/f && echo ok", { root });
    expect({ out, code }).toEqual({ out: "ok\n", code: 0 });
    expect(readFileSync(join(root, "src", "new.txt"), "utf8")).toBe("made\n");
    expect(existsSync(join(root, "d", "e", "f"))).toBe(true);
  });

  test("outside the root they fail everywhere: system dirs, the sandbox's own /, other directories", async () => {
    const targets = ["/usr/penguin-x", "/etc/penguin-x", "/bin/penguin-x", "/penguin-x", join(other, "penguin-x"), join(tools, "x")];
    const { out } = await run(sandbox, targets.map((t) => `(echo x > ${t}) 2>/dev/null && echo "WROTE ${t}"`).join("; ") + "; echo done", { root, readOnlyRoots: [tools] });
    expect(out).toBe("done\n");
    for (const t of targets) expect(existsSync(t)).toBe(false);
  });

  test("the root's parent is only a mount point (in the private /tmp, or read-only): a write there never reaches the host", async () => {
    const { code } = await run(sandbox, `echo x > ${base}/penguin-x`, { root });
    expect(code).toBe(base.startsWith("/tmp/") ? 0 : 1);
    expect(existsSync(join(base, "penguin-x"))).toBe(false);
  });

  test("/tmp is private and writable; extra writable roots are writable", async () => {
    const { out } = await run(sandbox, `echo t > /tmp/x && cat /tmp/x && echo s > ${shared}/s.txt && echo ok`, { root, writableRoots: [shared] });
    expect(out).toBe("t\nok\n");
    expect(readFileSync(join(shared, "s.txt"), "utf8")).toBe("s\n");
    // the host's /tmp did not receive it (the scratch tree lives there, the file does not)
    expect(existsSync("/tmp/x") && readFileSync("/tmp/x", "utf8") === "t\n").toBe(false);
  });
});

describe("what does not exist inside", () => {
  test("the workspace, other projects, $HOME and /root are not there; a symlink out of the root dangles", async () => {
    // the user's home (unless it is where the scratch tree lives, e.g. HOME=/tmp: its ancestors are mount points)
    const homes = [userInfo().homedir, process.env.HOME].filter((h): h is string => !!h && !base.startsWith(h));
    const paths = [workspace, join(workspace, "penguin.db"), other, "/root", ...homes, ...homes.map((h) => join(h, ".ssh")), join(root, "link-to-workspace", "penguin.db")];
    const { out } = await run(sandbox, paths.map((p) => `test -e ${p} && echo "SEEN ${p}"`).join("; ") + "; ls /; echo done", { root });
    expect(out).not.toContain("SEEN");
    const top = out.split("\n").filter(Boolean);
    expect(top.slice(0, -1).sort()).toEqual(expect.arrayContaining(["usr", "etc", "proc", "dev", "tmp"]));
    for (const name of ["root", "home", "var", "srv", "mnt", "boot"]) expect(top).not.toContain(name);
  });

  test("hidden paths inside the root are masked: a directory empty, a file unreadable", async () => {
    const { out } = await run(sandbox, "ls -A inside-workspace; echo ---; cat penguin.toml; echo ---; cat src/a.txt", { root });
    expect(out).not.toContain("db-secret");
    expect(out).not.toContain("root-config-secret");
    expect(out).not.toContain("penguin.db");
    expect(out).toContain("in the root");
  });

  test("the hidden directory cannot be written through either", async () => {
    const { out } = await run(sandbox, "(touch inside-workspace/x) 2>/dev/null && echo WROTE; (echo x > penguin.toml) 2>/dev/null && echo WROTE; echo done", { root });
    expect(out).toBe("done\n");
    expect(readFileSync(join(root, "penguin.toml"), "utf8")).toContain("root-config-secret");
  });

  test("/etc's secrets are unreadable (/etc/shadow), the rest of /etc is there", async () => {
    const { out } = await run(sandbox, "cat /etc/shadow 2>/dev/null | head -1; echo ---; head -1 /etc/passwd", { root });
    const [shadow, passwd] = out.split("---\n");
    expect(shadow).toBe("");
    expect(passwd).toMatch(/^root:/);
  });

  test("read-only roots are readable", async () => {
    const { out } = await run(sandbox, `bash ${tools}/tool.sh`, { root, readOnlyRoots: [tools] });
    expect(out).toBe("tool ran\n");
  });
});

describe(".git", () => {
  const commit = "git -c user.name=t -c user.email=t@t commit -q --allow-empty -m sandboxed 2>&1; echo exit=$?";

  test("the root's .git is read-only by default: git commit fails, HEAD is unchanged", async () => {
    const before = readFileSync(join(root, ".git", "HEAD"), "utf8");
    const { out } = await run(sandbox, `${commit}; (echo x >> .git/HEAD) 2>/dev/null || echo refused; (rm -rf .git) 2>/dev/null; test -d .git && echo still-there`, { root });
    expect(out).toMatch(/exit=[1-9]/);
    expect(out).toContain("refused");
    expect(out).toContain("still-there");
    expect(readFileSync(join(root, ".git", "HEAD"), "utf8")).toBe(before);
  });

  test("with gitWritable a commit goes through", async () => {
    const count = () => Bun.spawnSync(["git", "rev-list", "--count", "HEAD"], { cwd: root }).stdout.toString().trim();
    const before = Number(count());
    const { out } = await run(sandbox, commit, { root, gitWritable: true });
    expect(out).toContain("exit=0");
    expect(Number(count())).toBe(before + 1);
  });

  test("a nested repository's .git is read-only too", async () => {
    const { out } = await run(sandbox, "(touch vendor/lib/.git/x) 2>/dev/null && echo WROTE; touch vendor/lib/file && echo work-tree-ok", { root });
    expect(out).toBe("work-tree-ok\n");
  });

  test("the .git of a worktree (a file pointing outside the root) is reachable, read-only unless allowed", async () => {
    const worktree = join(base, "wt");
    Bun.spawnSync(["git", "worktree", "add", "-q", worktree], { cwd: root, stdout: "ignore", stderr: "ignore" });
    expect(readFileSync(join(worktree, ".git"), "utf8")).toStartWith("gitdir:");
    const status = await run(sandbox, "git status --short >/dev/null && echo status-ok; " + commit, { root: worktree });
    expect(status.out).toContain("status-ok");
    expect(status.out).toMatch(/exit=[1-9]/);
    const allowed = await run(sandbox, commit, { root: worktree, gitWritable: true });
    expect(allowed.out).toContain("exit=0");
  });
});

describe("policy errors", () => {
  test("a root that does not exist, or / itself, is refused before anything starts", async () => {
    await expect(sandbox.spawn(["true"], { root: join(base, "missing") })).rejects.toThrow(/does not exist/);
    await expect(sandbox.spawn(["true"], { root: "/" })).rejects.toThrow(/cannot be a root/);
  });
});
