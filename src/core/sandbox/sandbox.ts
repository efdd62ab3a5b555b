// The sandbox service: starts a command (an argv) under a policy and returns a handle like Bun.spawn's. In mode
// "bubblewrap" the command runs in bwrap (see mounts.ts, network.ts, limits.ts); in mode "none" the same argv runs
// directly in its own process group with the same clean environment and limits, so callers have one API.
//
// What runs on the host, outermost first, each exec'ing the next (one pid throughout):
//   sh -c 'join the cgroups; exec 2>&1; exec "$@"'   when there are cgroups to join or stderr is merged
//   prlimit …                                         when rlimits stand in for missing cgroups
//   nsenter --net=<session namespace>                  when the command joins its session's network
//   bwrap <flags> <mounts> -- argv…
import { closeSync, mkdtempSync, read, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { FileSink } from "bun";
import { sandboxEnvironment } from "./environment";
import { releaseLimitParents, rlimitPrefix, SandboxCgroup } from "./limits";
import { etcSecrets, filesystemArgs, SANDBOX_HOME, systemArgs } from "./mounts";
import { SessionNetworks } from "./network";
import { BASE_FLAGS, type HostSupport, probeHost, type ProbeOptions } from "./probe";
import type { SandboxedProcess, SandboxLimits, SandboxMode, SandboxPolicy, SandboxSetting, SandboxStatus, SpawnOptions } from "./types";

export interface SandboxOptions {
  /** Default limits per command (default: 1024 tasks, min(4 GiB, half the RAM)). */
  limits?: Partial<SandboxLimits>;
  /** Paths no command may see even inside a root: the workspace, the config file, the database. */
  hiddenPaths?: string[];
  /** Host directories every command may read (tools installed outside /usr: ~/.nvm, ~/.cargo, /nix). */
  readOnlyRoots?: string[];
  /** How long a session's network namespace outlives its last command (default 30 s). */
  networkIdleMs?: number;
}

export class SandboxUnavailableError extends Error {
  override name = "SandboxUnavailableError";
}

const GIB = 1024 ** 3;

export class Sandbox {
  readonly limits: SandboxLimits;
  private readonly networks: SessionNetworks | null;
  /** every live command's `exited`, and how to kill it: for shutdown */
  private readonly running = new Set<Promise<unknown>>();
  private readonly killers = new Set<() => void>();
  private closed = false;

  constructor(
    readonly status: SandboxStatus,
    private readonly host: HostSupport,
    private readonly options: SandboxOptions = {},
  ) {
    const totalMemory = (() => {
      try {
        return Number(readFileSync("/proc/meminfo", "utf8").match(/MemTotal:\s+(\d+)/)?.[1]) * 1024 || 8 * GIB;
      } catch {
        return 8 * GIB;
      }
    })();
    this.limits = { processes: 1024, memoryBytes: Math.min(4 * GIB, Math.floor(totalMemory / 2)), ...options.limits };
    // walked once now rather than on the first command
    if (status.mode === "bubblewrap" && process.getuid?.() === 0) etcSecrets();
    this.networks = status.mode === "bubblewrap" && host.bwrap && host.nsenter ? new SessionNetworks(host.bwrap, host.nsenter, systemArgs().args, options.networkIdleMs ?? 30_000) : null;
  }

  get mode(): SandboxMode {
    return this.status.mode;
  }

  /** Starts argv under the policy. Rejects when the setting is "required" and no sandbox is available, when a root
   *  does not exist, or when the command's cgroup cannot be made. */
  async spawn(argv: string[], policy: SandboxPolicy, options: SpawnOptions = {}): Promise<SandboxedProcess> {
    if (this.closed) throw new Error("sandbox: shut down");
    if (!this.status.satisfied) throw new SandboxUnavailableError(`the sandbox is required but unavailable: ${this.status.reason}`);
    if (!argv.length) throw new Error("sandbox: empty argv");
    const limits = { ...this.limits, ...policy.limits };
    const stderr = options.stderr ?? "stdout";
    const cleanups: (() => void | Promise<void>)[] = [];
    let chain: string[];
    let env: Record<string, string>;
    let cwd = "/";
    try {
      if (this.status.mode === "bubblewrap") {
        const network = policy.network ?? false;
        const fs = filesystemArgs({
          policy,
          hiddenPaths: [...(this.options.hiddenPaths ?? []), ...(policy.hiddenPaths ?? [])],
          readOnlyRoots: this.options.readOnlyRoots ?? [],
          maskEtcSecrets: process.getuid?.() === 0,
          network,
        });
        let netPrefix: string[] = [];
        let netArgs: string[] = network ? [] : ["--unshare-net"];
        if (!network && policy.session && this.networks) {
          const joined = await this.networks.join(policy.session);
          cleanups.push(joined.release);
          netPrefix = joined.prefix;
          netArgs = joined.bwrapArgs;
        }
        env = sandboxEnvironment({ home: SANDBOX_HOME, tmp: "/tmp", extra: policy.env });
        // PWD: the launcher's shell would otherwise pass on its own ("/")
        // --info-fd 3: bwrap reports its init's pid and PID namespace, to wait for that namespace's end
        chain = [...netPrefix, this.host.bwrap!, ...BASE_FLAGS, ...netArgs, ...fs.args, "--setenv", "PWD", fs.cwd, "--info-fd", "3", "--", ...argv];
      } else {
        if (!statSync(policy.root, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`sandbox: root ${policy.root} does not exist`);
        const home = policy.home ?? mkdtempSync(join(tmpdir(), "penguin-home-"));
        if (!policy.home) cleanups.push(() => rmSync(home, { recursive: true, force: true }));
        env = sandboxEnvironment({ home, tmp: tmpdir(), extra: policy.env });
        cwd = policy.cwd ? resolve(policy.root, policy.cwd) : policy.root;
        chain = argv;
      }
      const cgroup = SandboxCgroup.create(this.host.limits, limits);
      if (cgroup) cleanups.push(() => cgroup.remove());
      chain = [...prelude(cgroup, stderr === "stdout"), ...rlimitPrefix(this.host.limits, limits), ...chain];
      const stdio = [options.stdin ?? "ignore", "pipe", stderr === "pipe" ? "pipe" : "ignore"] as const;
      const proc = Bun.spawn(chain, {
        env,
        cwd,
        stdio: this.status.mode === "bubblewrap" ? [...stdio, "pipe"] : [...stdio],
        // its own process group: the server's terminal signals (Ctrl-C) reach the server, which ends everything
        detached: true,
      }) as unknown as Bun.Subprocess<"pipe" | "ignore", "pipe", "pipe" | "ignore">;
      // reading stdio[3] makes the pipe ours to close
      const infoFd = this.status.mode === "bubblewrap" ? (proc.stdio[3] as unknown as number) : undefined;
      return this.track(proc, cgroup, cleanups, infoFd, options.signal);
    } catch (error) {
      for (const cleanup of cleanups.reverse()) await cleanup();
      throw error;
    }
  }

  /** Ends a session's network namespace now (the lead calls it when a session goes). */
  releaseSession(session: string): Promise<void> {
    return this.networks?.release(session) ?? Promise.resolve();
  }

  /** Kills every running sandbox and network holder, removes the cgroups. */
  async shutdown(): Promise<void> {
    this.closed = true;
    for (const kill of this.killers) kill();
    await Promise.all(this.running);
    await this.networks?.closeAll();
    releaseLimitParents(this.host.limits);
  }

  private track(
    proc: Bun.Subprocess<"pipe" | "ignore", "pipe", "pipe" | "ignore">,
    cgroup: SandboxCgroup | null,
    cleanups: (() => void | Promise<void>)[],
    infoFd: number | undefined,
    signal?: AbortSignal,
  ): SandboxedProcess {
    const mode = this.status.mode;
    const killAll = () => {
      signalProcess(mode === "none" ? -proc.pid : proc.pid, "SIGKILL");
      cgroup?.killAll();
    };
    const kill = (sig: NodeJS.Signals = "SIGKILL") => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      if (sig === "SIGKILL") return killAll();
      if (mode === "none") return signalProcess(-proc.pid, sig);
      // bwrap → its init (pid 1 inside, which called setsid: its pid is the group's id) → the command. The group
      // gets the signal; init ignores it (pid 1 only takes signals it handles), the command and its jobs do not
      const group = childOf(proc.pid);
      if (group) signalProcess(-group, sig);
      else killAll();
    };
    const onAbort = () => kill("SIGKILL");
    if (signal?.aborted) queueMicrotask(onAbort);
    else signal?.addEventListener("abort", onAbort, { once: true });
    this.killers.add(killAll);
    const exited = proc.exited.then(async (code) => {
      signal?.removeEventListener("abort", onAbort);
      this.killers.delete(killAll);
      // bwrap reports the command's exit before its init has torn the PID namespace down: wait for that, so no
      // process of the sandbox outlives `exited`. Without a namespace the group and the cgroup go now.
      if (infoFd !== undefined) await awaitNamespaceEnd(await readInfo(infoFd));
      if (mode === "none") signalProcess(-proc.pid, "SIGKILL");
      cgroup?.killAll();
      for (const cleanup of cleanups.reverse()) await cleanup();
      return code;
    });
    this.running.add(exited);
    void exited.finally(() => this.running.delete(exited));
    return {
      mode,
      pid: proc.pid,
      stdout: proc.stdout as ReadableStream<Uint8Array>,
      stderr: proc.stderr instanceof ReadableStream ? (proc.stderr as ReadableStream<Uint8Array>) : undefined,
      stdin: typeof proc.stdin === "object" && proc.stdin ? (proc.stdin as FileSink) : undefined,
      exited,
      get exitCode() {
        return proc.exitCode ?? (proc.signalCode ? 128 + (signalNumber(String(proc.signalCode)) ?? 0) : null);
      },
      kill,
    };
  }
}

/** Probes the host and returns the service (its `status` says what it could set up). */
export async function createSandbox(setting: SandboxSetting, options: SandboxOptions & ProbeOptions = {}): Promise<Sandbox> {
  const { status, host } = await probeHost(setting, options);
  return new Sandbox(status, host, options);
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** `sh -c` that moves itself into the cgroups and merges stderr before exec'ing the rest; empty when not needed. */
function prelude(cgroup: SandboxCgroup | null, mergeStderr: boolean): string[] {
  // stderr first, so a failure to join reaches the caller's stream too
  const steps: string[] = mergeStderr ? ["exec 2>&1"] : [];
  for (const file of cgroup?.procsFiles ?? []) steps.push(`echo $$ > ${quote(file)} || { echo "sandbox: cannot join cgroup ${file}" >&2; exit 125; }`);
  if (!steps.length) return [];
  return ["/bin/sh", "-c", `${steps.join("\n")}\nexec "$@"`, "sh"];
}

/** bwrap's --info-fd report ({"child-pid": N, "pid-namespace": M, …}); null if it never wrote one. */
async function readInfo(fd: number): Promise<{ pid: number; namespace: string } | null> {
  const buffer = Buffer.alloc(4096);
  try {
    // asynchronous: a read must never hold up the event loop, even if a writer were still there with nothing said
    const length = await new Promise<number>((done, fail) => read(fd, buffer, 0, buffer.length, null, (error, n) => (error ? fail(error) : done(n))));
    const text = buffer.subarray(0, length).toString();
    const pid = Number(text.match(/"child-pid":\s*(\d+)/)?.[1]);
    const namespace = text.match(/"pid-namespace":\s*(\d+)/)?.[1];
    return pid && namespace ? { pid, namespace: `pid:[${namespace}]` } : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Kills bwrap's init (what --die-with-parent is about to do anyway) and waits until its namespace is gone. */
async function awaitNamespaceEnd(info: { pid: number; namespace: string } | null): Promise<void> {
  if (!info) return;
  const stillThere = () => {
    try {
      if (readlinkSync(`/proc/${info.pid}/ns/pid`) !== info.namespace) return false;
      // a zombie init has torn its namespace down (it becomes one only after every other process is gone)
      const stat = readFileSync(`/proc/${info.pid}/stat`, "utf8");
      return stat[stat.lastIndexOf(")") + 2] !== "Z";
    } catch {
      // gone, or not ours to look at
      return false;
    }
  };
  if (!stillThere()) return;
  signalProcess(info.pid, "SIGKILL");
  for (let waited = 0; stillThere() && waited < 5000; waited += 2) await Bun.sleep(2);
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** The first child of a process (needs CONFIG_PROC_CHILDREN, which distributions enable). */
function childOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

function signalNumber(name: string): number | undefined {
  return (constants.signals as Record<string, number>)[name];
}
