// Git snapshots for checkpoints: when a session's root is inside a git work tree, the state of its files that git
// does not ignore is recorded as a tree object, so a rollback can also undo what shell commands changed.
//
// Nothing the user works with is touched: no branch, HEAD, stash or index. Snapshots are written through a private
// index file in the repository's git directory (`penguin-checkpoints.index`, seeded from the user's index so `git add`
// only hashes what changed), and each snapshot's tree is kept reachable by the ref refs/penguin/checkpoints/<id>, so
// `git gc` keeps it until the checkpoint cleanup deletes the ref. A restore checks files out from the snapshot
// through a throw-away index. Penguin's own database files are never part of a snapshot.
//
// Every git call runs in the OS sandbox (src/core/sandbox) with a clean environment, no network, hooks and fsmonitor
// off: the repository is the agent's to write, so its configuration (filter drivers, fsmonitor, hooks) must not run
// code anywhere the agent could not. Only the work tree and its git directory are visible to it.
// Every git call is asynchronous: hashing a large work tree can take seconds, and the server keeps serving
// everyone else meanwhile. The caller awaits a snapshot before the tool it protects runs (the tool runtime's
// before-run hook). Penguin's git calls on one repository run one at a time (a KeyedQueue per git directory), so two
// snapshots never write the private index at once and a restore never interleaves with a snapshot.
import { existsSync, lstatSync, realpathSync, rmdirSync, rmSync } from "node:fs";
import type { Sandbox } from "../sandbox";
import { copyFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { KeyedQueue } from "../kernel/keyed-queue";

export interface RestoredFile {
  path: string;
  action: "restored" | "deleted" | "skipped";
  reason?: string;
}

/** Where a root lies in a repository. */
export interface GitPlace {
  /** The root as the session uses it (restored paths are reported under it). */
  root: string;
  /** The work tree's top directory. */
  toplevel: string;
  /** The root relative to `toplevel`: "" or "dir/sub/". */
  prefix: string;
  /** The private index snapshots are written through. */
  indexFile: string;
  /** The work tree's git directory (where the private index lies): Penguin's git calls on it run one at a time. */
  gitDir: string;
  /** The user's index (only ever read, to seed the private one). */
  userIndex: string;
}

export interface GitSnapshotRef {
  id: string;
  root: string;
  toplevel: string;
  prefix: string;
  tree: string;
}

const REF_PREFIX = "refs/penguin/checkpoints/";
const GIT_TIMEOUT_MS = 60_000;
/** How long a root's repository lookup is trusted before asking git again. */
const PLACE_TTL_MS = 30_000;
const GITLINK = "160000";
/** Repository-controlled programs off: no hooks (update-ref would run a reference-transaction hook), no fsmonitor;
 *  a split index would share files with the user's. */
const SAFE_GIT = ["git", "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "core.splitIndex=false"];

type GitResult = { ok: boolean; stdout: string; stderr: string };

export class GitSnapshots {
  private readonly places = new Map<string, { place: GitPlace | undefined; at: number }>();
  /** Git work, one piece at a time per git directory. */
  private readonly queue = new KeyedQueue();

  /** undefined when git is not installed: checkpoints then keep file pre-images only. */
  static create(excludedFiles: string[], sandbox: Sandbox): GitSnapshots | undefined {
    return Bun.which("git") ? new GitSnapshots(excludedFiles, sandbox) : undefined;
  }

  private constructor(
    /** Absolute paths never snapshotted or restored (the database and its journals). */
    private readonly excludedFiles: string[],
    private readonly sandbox: Sandbox,
  ) {}

  /** The repository `root` lies in, or undefined when it is not inside a git work tree. */
  async place(root: string): Promise<GitPlace | undefined> {
    const cached = this.places.get(root);
    if (cached && Date.now() - cached.at < PLACE_TTL_MS) return cached.place;
    // found without running git (which would read the repository's configuration outside the sandbox), then asked
    // inside the sandbox of that work tree
    const top = workTreeOf(root);
    const out = top
      ? await this.git(["rev-parse", "--show-toplevel", "--show-prefix", "--git-path", "index", "--git-path", "penguin-checkpoints.index"], root, { top })
      : { ok: false, stdout: "", stderr: "" };
    let place: GitPlace | undefined;
    const [toplevel, prefix, userIndex, indexFile] = out.stdout.split("\n");
    if (out.ok && toplevel && userIndex && indexFile) {
      const index = resolve(root, indexFile);
      place = { root, toplevel, prefix: prefix ?? "", userIndex: resolve(root, userIndex), indexFile: index, gitDir: dirname(index) };
    }
    this.places.set(root, { place, at: Date.now() });
    return place;
  }

  /** Records the root's current files as a tree; undefined when git fails. */
  writeTree(place: GitPlace): Promise<string | undefined> {
    return this.exclusive(place, () => this.writeTreeNow(place));
  }

  /** Keeps `tree` from garbage collection under refs/penguin/checkpoints/<id>. */
  async keep(place: GitPlace, id: string, tree: string): Promise<boolean> {
    return (await this.exclusive(place, () => this.git(["update-ref", REF_PREFIX + id, tree], place.toplevel, { top: place.toplevel }))).ok;
  }

  /** Deletes the refs of snapshots no checkpoint needs any more. */
  async drop(toplevel: string, ids: string[]): Promise<void> {
    if (!ids.length) return;
    const place = await this.place(toplevel);
    const input = ids.map((id) => `delete ${REF_PREFIX}${id}\n`).join("");
    const run = () => this.git(["update-ref", "--stdin"], toplevel, { input, top: toplevel });
    await (place ? this.exclusive(place, run) : run());
  }

  /**
   * Brings the root's files back to the snapshot: files changed or deleted since are checked out from it, files
   * added since are deleted (with the folders that become empty). Ignored files are left alone. undefined when the
   * repository is gone or git fails (the caller falls back to file pre-images).
   */
  async restore(snapshot: GitSnapshotRef): Promise<RestoredFile[] | undefined> {
    const place = await this.place(snapshot.root);
    if (!place || place.toplevel !== snapshot.toplevel || place.prefix !== snapshot.prefix) return undefined;
    return this.exclusive(place, () => this.restoreNow(place, snapshot));
  }

  // ── helpers ───────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Runs `work` after every earlier piece of git work on the same git directory has finished (whatever its outcome).
   * Two snapshots at once would fight over the private index (git's index.lock makes the second fail, and a seed copy
   * could land under a running `git add`); a restore compares against a snapshot it takes itself.
   */
  private exclusive<T>(place: GitPlace, work: () => Promise<T>): Promise<T> {
    return this.queue.run(place.gitDir, work);
  }

  private async writeTreeNow(place: GitPlace): Promise<string | undefined> {
    if (!existsSync(place.indexFile) && existsSync(place.userIndex)) {
      try {
        await copyFile(place.userIndex, place.indexFile);
      } catch {
        /* start from an empty index: slower, same result */
      }
    }
    const env = { GIT_INDEX_FILE: place.indexFile };
    const add = await this.git(["add", "--all", "--ignore-errors", "--", ...this.pathspecs(place)], place.toplevel, { env, top: place.toplevel });
    // With --ignore-errors a file that could not be read is left out and git exits 1; the rest is still recorded.
    if (!add.ok && !add.stderr.includes("adding files failed")) return undefined;
    const tree = await this.git(["write-tree"], place.toplevel, { env, top: place.toplevel });
    return tree.ok ? tree.stdout.trim() : undefined;
  }

  private async restoreNow(place: GitPlace, snapshot: GitSnapshotRef): Promise<RestoredFile[] | undefined> {
    const now = await this.writeTreeNow(place);
    if (!now) return undefined;
    const diff = await this.git(["diff-tree", "-r", "-z", "--no-renames", snapshot.tree, now, "--", ...this.pathspecs(place)], place.toplevel, { top: place.toplevel });
    if (!diff.ok) return undefined;

    const under = (p: string) => join(place.root, p.slice(place.prefix.length));
    const restored: RestoredFile[] = [];
    const toCheckOut: string[] = [];
    const fields = diff.stdout.split("\0");
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const [oldMode, newMode] = fields[i]!.slice(1).split(" ");
      const path = fields[i + 1]!;
      if (oldMode === GITLINK || newMode === GITLINK) {
        restored.push({ path: under(path), action: "skipped", reason: "a nested repository (submodule); not restored" });
      } else if (/^0+$/.test(oldMode!)) {
        restored.push(this.remove(under(path), place.root));
      } else {
        toCheckOut.push(path);
      }
    }
    if (toCheckOut.length) restored.push(...(await this.checkOut(place, snapshot.tree, toCheckOut, under)));
    return restored;
  }

  /** The root, without Penguin's database files. */
  private pathspecs(place: GitPlace): string[] {
    const specs = [`:(literal)${place.prefix || "."}`];
    for (const file of this.excludedFiles) {
      const rel = relative(place.toplevel, file);
      if (rel && !rel.startsWith("..")) specs.push(`:(exclude,literal)${rel}`);
    }
    return specs;
  }

  /** Deletes a file added after the snapshot, then the folders it leaves empty (up to the root). */
  private remove(path: string, root: string): RestoredFile {
    try {
      rmSync(path, { force: true });
      for (let dir = dirname(path); dir.startsWith(root + "/"); dir = dirname(dir)) rmdirSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTEMPTY/EEXIST: a folder that still holds something (e.g. ignored files) stays.
      if (code !== "ENOTEMPTY" && code !== "EEXIST" && code !== "ENOENT") return { path, action: "skipped", reason: String((error as Error).message) };
    }
    return { path, action: "deleted" };
  }

  /** Writes `paths` (relative to the top directory) from `tree` through a throw-away index. */
  private async checkOut(place: GitPlace, tree: string, paths: string[], under: (p: string) => string): Promise<RestoredFile[]> {
    const env = { GIT_INDEX_FILE: `${place.indexFile}.restore` };
    try {
      const read = await this.git(["read-tree", tree], place.toplevel, { env, top: place.toplevel });
      const out = read.ok ? await this.git(["checkout-index", "--force", "-z", "--stdin"], place.toplevel, { env, input: paths.join("\0"), top: place.toplevel }) : read;
      return paths.map((p) => {
        let present = false;
        try {
          lstatSync(join(place.toplevel, p));
          present = true;
        } catch {
          /* not written */
        }
        const failed = !present || !read.ok || (!out.ok && out.stderr.includes(p));
        return failed ? { path: under(p), action: "skipped" as const, reason: firstLine(out.stderr, p) } : { path: under(p), action: "restored" as const };
      });
    } finally {
      rmSync(env.GIT_INDEX_FILE, { force: true });
    }
  }

  /** Runs git in the sandbox of the work tree `top` (read-write, its .git included), in `cwd`. */
  private async git(args: string[], cwd: string, options: { env?: Record<string, string>; input?: string; top: string }): Promise<GitResult> {
    try {
      const proc = await this.sandbox.spawn(
        [...SAFE_GIT, ...args],
        { root: options.top, cwd, gitWritable: true, network: false, env: { GIT_OPTIONAL_LOCKS: "0", GIT_TERMINAL_PROMPT: "0", ...options.env } },
        { stdin: options.input === undefined ? "ignore" : "pipe", stderr: "pipe" },
      );
      if (options.input !== undefined) {
        proc.stdin!.write(options.input);
        await proc.stdin!.end();
      }
      // SIGTERM first: git removes its index.lock on SIGTERM, and a lock left behind would make every later
      // snapshot of the repository fail.
      const timer = setTimeout(() => {
        proc.kill("SIGTERM");
        setTimeout(() => proc.kill(), 2000).unref();
      }, GIT_TIMEOUT_MS);
      const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      clearTimeout(timer);
      return { ok: exitCode === 0, stdout, stderr };
    } catch (error) {
      return { ok: false, stdout: "", stderr: String(error) };
    }
  }
}

/** The nearest folder at or above `root` that holds a `.git` (a directory, or a file of a worktree/submodule). */
function workTreeOf(root: string): string | undefined {
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    if (existsSync(join(dir, ".git"))) return dir;
    if (dir === dirname(dir)) return undefined;
  }
}

/** The line of git's error output about `path`, else its first line. */
function firstLine(stderr: string, path: string): string {
  const lines = stderr.split("\n").filter(Boolean);
  return (lines.find((l) => l.includes(path)) ?? lines[0] ?? "git could not check the file out").trim();
}

/** A file's path with symlinks resolved in its folder (the file itself need not exist). */
export function realFilePath(file: string): string {
  try {
    return join(realpathSync(dirname(file)), basename(file));
  } catch {
    return file;
  }
}
