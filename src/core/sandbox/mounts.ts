// The sandbox's filesystem as bubblewrap arguments: the system directories read-only, a private /tmp and $HOME, a
// fresh /proc and a minimal /dev, the roots at their host paths, `.git` read-only, and masks over what must stay
// hidden. Nothing else of the host exists inside: no $HOME, no /root, no workspace, no other project. bwrap's own
// root (a tmpfs holding the mount points) is made read-only last, so a write anywhere else fails.
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, type Stats } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import type { SandboxPolicy } from "./types";

/** $HOME inside the sandbox: a directory in its private /tmp. */
export const SANDBOX_HOME = "/tmp/home";

// /bin, /lib… are symlinks into /usr on merged-/usr systems: they stay symlinks
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt"];

let systemArgsCache: { args: string[]; dirs: string[] } | undefined;

/** Read-only binds (or symlinks) for the system directories present on this host; computed once. */
export function systemArgs(): { args: string[]; dirs: string[] } {
  if (systemArgsCache) return systemArgsCache;
  const args: string[] = [];
  const dirs: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    let stats: Stats;
    try {
      stats = lstatSync(dir);
    } catch {
      continue;
    }
    if (stats.isSymbolicLink()) args.push("--symlink", readlinkSync(dir), dir);
    else if (stats.isDirectory()) {
      args.push("--ro-bind", dir, dir);
      dirs.push(dir);
    }
  }
  return (systemArgsCache = { args, dirs });
}

let etcSecretsCache: { files: string[]; dirs: string[] } | undefined;

/** Entries of /etc that others may not read (shadow, gshadow, ssl/private, …): a server running as root could
 *  read them as their owner even with every capability dropped, so they are masked. Walked once (~10 ms). */
export function etcSecrets(): { files: string[]; dirs: string[] } {
  if (etcSecretsCache) return etcSecretsCache;
  const files: string[] = [];
  const dirs: string[] = [];
  let budget = 20_000;
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (--budget < 0) return;
      const path = join(dir, name);
      let stats: Stats;
      try {
        stats = lstatSync(path);
      } catch {
        continue;
      }
      if (stats.isDirectory()) {
        if ((stats.mode & 0o005) !== 0o005) dirs.push(path);
        else walk(path);
      } else if (stats.isFile() && (stats.mode & 0o004) === 0) files.push(path);
    }
  };
  walk("/etc");
  return (etcSecretsCache = { files, dirs });
}

const depth = (path: string) => (path === "/" ? 0 : path.split("/").length - 1);
const isInside = (path: string, dir: string) => path !== dir && path.startsWith(dir === "/" ? "/" : dir + sep);
const isAtOrInside = (path: string, dir: string) => path === dir || isInside(path, dir);

function realDirectory(path: string, what: string): string {
  let real: string;
  try {
    real = realpathSync(resolve(path));
  } catch {
    throw new Error(`sandbox: ${what} ${path} does not exist`);
  }
  if (!statSync(real).isDirectory()) throw new Error(`sandbox: ${what} ${path} is not a directory`);
  return real;
}

interface MountOp {
  path: string;
  args: string[];
  /** masks hide; everything else may not reappear inside a hidden directory unless it is a configured root */
  kind: "root" | "git" | "mask";
}

// nested repositories are looked for this many directory levels below a root, skipping these
const NESTED_GIT_DEPTH = 2;
const SKIP_DIRS = new Set(["node_modules", ".git"]);
const nestedCache = new Map<string, { at: number; found: string[] }>();
const NESTED_CACHE_MS = 10_000;

/** `.git` entries (directories or files) of a root and of repositories nested up to NESTED_GIT_DEPTH below it. */
export function findGitEntries(root: string): string[] {
  const cached = nestedCache.get(root);
  if (cached && performance.now() - cached.at < NESTED_CACHE_MS) return cached.found;
  const found: string[] = [];
  let level = [root];
  for (let d = 0; d <= NESTED_GIT_DEPTH && level.length; d++) {
    const next: string[] = [];
    for (const dir of level) {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        if (entry.name === ".git") found.push(join(dir, entry.name));
        else if (entry.isDirectory() && !entry.name.startsWith(".") && !SKIP_DIRS.has(entry.name) && d < NESTED_GIT_DEPTH) next.push(join(dir, entry.name));
      }
    }
    level = next;
  }
  nestedCache.set(root, { at: performance.now(), found });
  return found;
}

/** A `.git` file (worktree, submodule) names its git directory; worktrees also share a common one. */
function linkedGitDirs(gitFile: string): string[] {
  try {
    const target = readFileSync(gitFile, "utf8").match(/^gitdir:\s*(.+?)\s*$/m)?.[1];
    if (!target) return [];
    const gitDir = realpathSync(resolve(dirname(gitFile), target));
    const dirs = [gitDir];
    const commonFile = join(gitDir, "commondir");
    if (existsSync(commonFile)) dirs.push(realpathSync(resolve(gitDir, readFileSync(commonFile, "utf8").trim())));
    return dirs;
  } catch {
    return [];
  }
}

export interface FilesystemInput {
  policy: SandboxPolicy;
  /** the service's hidden paths plus the policy's */
  hiddenPaths: string[];
  /** service-wide extra read-only roots (tools installed outside the system directories) */
  readOnlyRoots: string[];
  /** mask /etc's secrets (the server runs as root) */
  maskEtcSecrets: boolean;
  network: boolean;
}

/** bubblewrap's filesystem arguments for a policy, and the resolved working directory. */
export function filesystemArgs(input: FilesystemInput): { args: string[]; cwd: string } {
  const { policy } = input;
  const system = systemArgs();
  const root = realDirectory(policy.root, "root");
  const roots = [
    { path: root, writable: true },
    ...(policy.writableRoots ?? []).map((p) => ({ path: realDirectory(p, "writable root"), writable: true })),
    ...[...input.readOnlyRoots, ...(policy.readOnlyRoots ?? [])].map((p) => ({ path: realDirectory(p, "read-only root"), writable: false })),
  ];
  for (const r of roots) {
    // "/" or an ancestor of /usr would put the host's system directories (or all of it) under the agent's pen
    if (system.dirs.some((d) => isAtOrInside(d, r.path))) throw new Error(`sandbox: ${r.path} cannot be a root: it contains ${system.dirs.join(", ")}`);
  }
  const mountedTrees = [...system.dirs, ...roots.map((r) => r.path)];
  const ops: MountOp[] = roots.map((r) => ({ path: r.path, kind: "root", args: [r.writable ? "--bind" : "--ro-bind", r.path, r.path] }));

  // .git of the writable roots: read-only (a checkout's history is the server's to change), unless allowed
  const gitFlag = policy.gitWritable ? "--bind" : "--ro-bind";
  const seenGit = new Set<string>();
  for (const r of roots.filter((r) => r.writable)) {
    for (const entry of findGitEntries(r.path)) {
      if (seenGit.has(entry)) continue;
      seenGit.add(entry);
      if (!policy.gitWritable) ops.push({ path: entry, kind: "git", args: ["--ro-bind", entry, entry] });
      if (lstatSync(entry).isDirectory()) continue;
      for (const gitDir of linkedGitDirs(entry)) {
        if (seenGit.has(gitDir)) continue;
        seenGit.add(gitDir);
        const mounted = mountedTrees.some((t) => isAtOrInside(gitDir, t));
        // outside every root it must be mounted for git to work here; inside one it only needs protecting
        if (!mounted || !policy.gitWritable) ops.push({ path: gitDir, kind: "git", args: [mounted ? "--ro-bind" : gitFlag, gitDir, gitDir] });
      }
    }
  }

  // hidden paths: only those inside a mounted tree exist in the sandbox, so only those need a mask
  const hiddenDirs: string[] = [];
  for (const hidden of input.hiddenPaths) {
    let real: string;
    try {
      real = realpathSync(resolve(hidden));
    } catch {
      continue;
    }
    if (!mountedTrees.some((t) => isInside(real, t))) continue;
    if (statSync(real).isDirectory()) {
      hiddenDirs.push(real);
      ops.push({ path: real, kind: "mask", args: ["--tmpfs", real, "--remount-ro", real] });
    } else ops.push({ path: real, kind: "mask", args: ["--ro-bind", "/dev/null", real] });
  }
  if (input.maskEtcSecrets) {
    const secrets = etcSecrets();
    for (const dir of secrets.dirs) ops.push({ path: dir, kind: "mask", args: ["--tmpfs", dir, "--remount-ro", dir] });
    for (const file of secrets.files) ops.push({ path: file, kind: "mask", args: ["--ro-bind", "/dev/null", file] });
  }

  // DNS: a resolv.conf that links into /run (systemd-resolved) needs its target
  const dnsArgs: string[] = [];
  if (input.network) {
    try {
      const resolv = realpathSync("/etc/resolv.conf");
      if (!mountedTrees.some((t) => isInside(resolv, t))) dnsArgs.push("--ro-bind", resolv, resolv);
    } catch {
      // no resolv.conf: nothing to follow
    }
  }

  // parents before children, so each mount lands on top of the one it refines; a git directory inside a hidden
  // directory stays hidden (a root inside one is explicit configuration and wins)
  const ordered = ops
    .filter((op) => op.kind !== "git" || !hiddenDirs.some((h) => isAtOrInside(op.path, h)))
    .filter((op) => op.kind !== "mask" || !roots.some((r) => r.path === op.path))
    .sort((a, b) => depth(a.path) - depth(b.path));

  const home = policy.home ? ["--bind", realDirectory(policy.home, "home"), SANDBOX_HOME] : ["--dir", SANDBOX_HOME];
  const cwd = policy.cwd ? resolve(root, policy.cwd) : root;
  return {
    args: [...system.args, ...dnsArgs, "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", ...home, ...ordered.flatMap((op) => op.args), "--remount-ro", "/", "--chdir", cwd],
    cwd,
  };
}
