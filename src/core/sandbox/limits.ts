// Process and memory limits per sandbox. Best: a cgroup per command (v1 `pids`/`memory`, or v2 when the server's
// cgroup delegates those controllers), made a child of the server's own cgroup so the host's limits on the server
// still hold, joined by the command's first process before it execs bubblewrap (nothing escapes the window).
// Without a writable cgroup: rlimits via prlimit. RLIMIT_NPROC counts every task of the user on the host (user
// namespaces do not change that; measured on 6.18), so it is set to "the user's tasks now + the limit"; root is
// exempt from it, so root without cgroups has no process limit. RLIMIT_AS caps each process's address space,
// a weaker stand-in for a memory limit.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { LimitKind, SandboxLimits } from "./types";

type Controller = "pids" | "memory";

/** Where the server may create cgroups for one controller: a directory it owns below its own cgroup. */
interface ControllerHome {
  controller: Controller;
  version: 1 | 2;
  /** penguin-<server pid>, below the server's own cgroup */
  parent: string;
}

export interface LimitSupport {
  processes: LimitKind;
  memory: LimitKind;
  homes: ControllerHome[];
  /** path of prlimit when an rlimit stands in for a missing cgroup */
  prlimit: string | null;
}

export interface LimitOptions {
  /** false: never touch cgroups (as if none were writable) */
  cgroups?: boolean;
}

const isRoot = () => process.getuid?.() === 0;

interface Mount {
  root: string;
  point: string;
  fstype: string;
  superOptions: string[];
}

function readMounts(procSelf: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of readFileSync(join(procSelf, "mountinfo"), "utf8").split("\n")) {
    const dash = line.indexOf(" - ");
    if (dash < 0) continue;
    const left = line.slice(0, dash).split(" ");
    const right = line.slice(dash + 3).split(" ");
    mounts.push({ root: unescapeMount(left[3]!), point: unescapeMount(left[4]!), fstype: right[0]!, superOptions: (right[2] ?? "").split(",") });
  }
  return mounts;
}

// mountinfo escapes space, tab, newline and backslash as \ooo
const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** The server's own cgroup directory for a controller, or null. */
function ownCgroupDir(controller: Controller, procSelf: string, mounts: Mount[]): { dir: string; version: 1 | 2 } | null {
  const lines = readFileSync(join(procSelf, "cgroup"), "utf8").split("\n").filter(Boolean);
  for (const line of lines) {
    const [, controllers, path] = line.match(/^\d+:([^:]*):(.*)$/) ?? [];
    if (controllers === undefined || path === undefined || !controllers.split(",").includes(controller)) continue;
    const mount = mounts.find((m) => m.fstype === "cgroup" && m.superOptions.includes(controller) && path.startsWith(m.root));
    if (mount) return { dir: join(mount.point, path.slice(mount.root === "/" ? 0 : mount.root.length)), version: 1 };
  }
  const v2 = lines.find((l) => l.startsWith("0::"));
  const mount = mounts.find((m) => m.fstype === "cgroup2");
  if (!v2 || !mount) return null;
  const path = v2.slice(3);
  if (!path.startsWith(mount.root)) return null;
  const dir = join(mount.point, path.slice(mount.root === "/" ? 0 : mount.root.length));
  // the controller must already be delegated to our children: we never move the server itself
  try {
    if (!readFileSync(join(dir, "cgroup.subtree_control"), "utf8").split(/\s+/).includes(controller)) return null;
  } catch {
    return null;
  }
  return { dir, version: 2 };
}

/** Creates (or reuses) penguin-<pid> below the server's cgroup; null when that is not allowed. */
function claimParent(controller: Controller, own: { dir: string; version: 1 | 2 }): ControllerHome | null {
  const parent = join(own.dir, `penguin-${process.pid}`);
  try {
    removeStaleParents(own.dir);
    if (!existsSync(parent)) mkdirSync(parent);
    if (own.version === 2) writeFileSync(join(parent, "cgroup.subtree_control"), `+${controller}`);
    // a child must be creatable and limitable, not just the parent
    const probe = join(parent, `probe-${controller}`);
    mkdirSync(probe);
    try {
      const file = controller === "pids" ? "pids.max" : own.version === 1 ? "memory.limit_in_bytes" : "memory.max";
      writeFileSync(join(probe, file), controller === "pids" ? "max" : String(2 ** 40));
    } finally {
      rmdirSync(probe);
    }
    return { controller, version: own.version, parent };
  } catch {
    return null;
  }
}

/** Parents left by servers that died without cleaning up (best effort: only empty cgroups can go). */
function removeStaleParents(dir: string): void {
  for (const name of readdirSync(dir)) {
    const pid = Number(name.match(/^penguin-(\d+)$/)?.[1]);
    if (!pid || pid === process.pid || existsSync(`/proc/${pid}`)) continue;
    try {
      for (const child of readdirSync(join(dir, name), { withFileTypes: true })) if (child.isDirectory()) rmdirSync(join(dir, name, child.name));
      rmdirSync(join(dir, name));
    } catch {
      // still in use or not ours to remove
    }
  }
}

/** What can be enforced here. Cheap (a few file reads and one mkdir per controller); run once at start-up. */
export function detectLimits(options: LimitOptions = {}): LimitSupport {
  const procSelf = "/proc/self";
  const homes: ControllerHome[] = [];
  if (options.cgroups !== false && process.platform === "linux") {
    let mounts: Mount[] = [];
    try {
      mounts = readMounts(procSelf);
    } catch {
      // no /proc: no cgroups
    }
    for (const controller of ["pids", "memory"] as const) {
      try {
        const own = ownCgroupDir(controller, procSelf, mounts);
        const home = own && claimParent(controller, own);
        if (home) homes.push(home);
      } catch {
        // unreadable cgroup files: treat as absent
      }
    }
  }
  const prlimit = process.platform === "linux" ? Bun.which("prlimit") : null;
  const kind = (c: Controller, rlimitWorks: boolean): LimitKind => {
    const home = homes.find((h) => h.controller === c);
    if (home) return home.version === 1 ? "cgroup-v1" : "cgroup-v2";
    return prlimit && rlimitWorks ? "rlimit" : "none";
  };
  // root is exempt from RLIMIT_NPROC, not from RLIMIT_AS
  return { processes: kind("pids", !isRoot()), memory: kind("memory", true), homes, prlimit };
}

let counter = 0;

/** The cgroups of one sandboxed command. */
export class SandboxCgroup {
  private constructor(readonly dirs: { dir: string; version: 1 | 2 }[]) {}

  static create(support: LimitSupport, limits: SandboxLimits): SandboxCgroup | null {
    if (!support.homes.length) return null;
    const name = `sb-${++counter}-${Date.now().toString(36)}`;
    const dirs: { dir: string; version: 1 | 2 }[] = [];
    try {
      for (const home of support.homes) {
        // another server's clean-up may have taken our (then empty) parent for a stale one
        if (!existsSync(home.parent)) claimParent(home.controller, { dir: dirname(home.parent), version: home.version });
        const dir = join(home.parent, name);
        mkdirSync(dir);
        dirs.push({ dir, version: home.version });
        if (home.controller === "pids") writeFileSync(join(dir, "pids.max"), String(limits.processes));
        else if (home.version === 2) {
          writeFileSync(join(dir, "memory.max"), String(limits.memoryBytes));
          if (existsSync(join(dir, "memory.swap.max"))) writeFileSync(join(dir, "memory.swap.max"), "0");
        } else {
          writeFileSync(join(dir, "memory.limit_in_bytes"), String(limits.memoryBytes));
          // memsw (memory + swap) must be ≥ the memory limit: equal means no swap on top
          if (existsSync(join(dir, "memory.memsw.limit_in_bytes"))) writeFileSync(join(dir, "memory.memsw.limit_in_bytes"), String(limits.memoryBytes));
        }
      }
    } catch (error) {
      for (const { dir } of dirs) tryRmdir(dir);
      throw new Error(`sandbox: cannot set up the command's cgroup: ${(error as Error).message}`);
    }
    return new SandboxCgroup(dirs);
  }

  /** The files the command's first process writes its pid to before it execs. */
  get procsFiles(): string[] {
    return this.dirs.map((d) => join(d.dir, "cgroup.procs"));
  }

  pids(): number[] {
    const all = new Set<number>();
    for (const { dir } of this.dirs) {
      try {
        for (const line of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n")) if (line) all.add(Number(line));
      } catch {
        // already removed
      }
    }
    return [...all];
  }

  /** SIGKILL to every process in it (v2: atomically through cgroup.kill). */
  killAll(): void {
    for (const { dir, version } of this.dirs) {
      if (version === 2 && existsSync(join(dir, "cgroup.kill"))) {
        try {
          writeFileSync(join(dir, "cgroup.kill"), "1");
        } catch {
          // gone
        }
      }
    }
    // a fork bomb forks while we kill: repeat until nothing is left (bounded by the pids limit)
    for (let round = 0; round < 20; round++) {
      const pids = this.pids();
      if (!pids.length) return;
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
  }

  /** Removes the cgroups once the kernel has let go of their last (reaped) process. */
  async remove(): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const left = this.dirs.filter(({ dir }) => !tryRmdir(dir));
      if (!left.length) return;
      this.dirs.splice(0, this.dirs.length, ...left);
      if (attempt === 10) this.killAll();
      await Bun.sleep(attempt < 10 ? 5 : 50);
    }
  }
}

function tryRmdir(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
}

/** Removes the server's penguin-<pid> parents (at shutdown, once every sandbox is gone). */
export function releaseLimitParents(support: LimitSupport): void {
  for (const home of support.homes) tryRmdir(home.parent);
}

/** Tasks (threads included: RLIMIT_NPROC counts them) the current user has on the host right now. */
export function countUserTasks(uid = process.getuid?.() ?? -1): number {
  let tasks = 0;
  for (const name of readdirSync("/proc")) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    try {
      if (statSync(`/proc/${name}`).uid !== uid) continue;
      tasks += readdirSync(`/proc/${name}/task`).length;
    } catch {
      // exited meanwhile
    }
  }
  return tasks;
}

/** prlimit arguments standing in for the cgroup limits this host lacks (empty when none apply). */
export function rlimitPrefix(support: LimitSupport, limits: SandboxLimits): string[] {
  if (!support.prlimit) return [];
  const args: string[] = [];
  if (support.processes === "rlimit") {
    const max = countUserTasks() + limits.processes;
    args.push(`--nproc=${max}:${max}`);
  }
  if (support.memory === "rlimit") args.push(`--as=${limits.memoryBytes}:${limits.memoryBytes}`);
  return args.length ? [support.prlimit, ...args, "--"] : [];
}
