// What this host can do, found once at start-up by trying it: is bwrap there, does a sandbox with every namespace
// we use actually start (user namespaces may be forbidden by sysctl, AppArmor or a container's seccomp), which
// limits can be enforced. About 15 ms.
import { existsSync, readFileSync } from "node:fs";
import { detectLimits, type LimitSupport } from "./limits";
import { systemArgs } from "./mounts";
import type { SandboxSetting, SandboxStatus } from "./types";

export interface ProbeOptions {
  /** bwrap to use (default: `bwrap` on PATH); tests point it at a missing file */
  bwrapPath?: string;
  /** false: do not use cgroups even where writable */
  cgroups?: boolean;
}

/** Everything the sandbox service needs besides the status. */
export interface HostSupport {
  bwrap: string | null;
  nsenter: string | null;
  limits: LimitSupport;
}

/** Flags every sandbox gets: bwrap and its children die with the server, a new session (no TIOCSTI into the
 *  server's terminal), its own PID namespace (a fresh /proc, every process killed when the command ends), IPC, UTS
 *  and cgroup namespaces, and no capabilities (root keeps them in bwrap unless told). */
export const BASE_FLAGS = ["--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--cap-drop", "ALL"];

export async function probeSandbox(setting: SandboxSetting, options: ProbeOptions = {}): Promise<SandboxStatus> {
  return (await probeHost(setting, options)).status;
}

export async function probeHost(setting: SandboxSetting, options: ProbeOptions = {}): Promise<{ status: SandboxStatus; host: HostSupport }> {
  const started = performance.now();
  const limits = detectLimits({ cgroups: options.cgroups });
  const nsenter = process.platform === "linux" ? Bun.which("nsenter") : null;
  const finish = (fields: Pick<SandboxStatus, "mode" | "reason" | "installHint"> & { bwrap: string | null; version: string | null }) => {
    const active = fields.mode === "bubblewrap";
    const status: SandboxStatus = {
      setting,
      mode: fields.mode,
      satisfied: active || setting !== "required",
      reason: fields.reason,
      bwrap: { path: fields.bwrap, version: fields.version },
      limits: { processes: limits.processes, memory: limits.memory },
      sharedNetwork: active && !!nsenter,
      installHint: fields.installHint,
      probeMs: Math.round((performance.now() - started) * 10) / 10,
    };
    return { status, host: { bwrap: active ? fields.bwrap : null, nsenter: active ? nsenter : null, limits } };
  };

  if (setting === "off") return finish({ mode: "none", reason: "the sandbox is turned off in the configuration", installHint: null, bwrap: null, version: null });
  if (process.platform !== "linux") {
    const reason =
      process.platform === "darwin"
        ? "bubblewrap exists only on Linux; macOS has no equivalent Penguin can drive (sandbox-exec is deprecated), so commands run unsandboxed"
        : `bubblewrap exists only on Linux, not on ${process.platform}; commands run unsandboxed`;
    return finish({ mode: "none", reason, installHint: "run Penguin in a Linux VM or container (Docker, OrbStack, colima, WSL 2) to get the sandbox", bwrap: null, version: null });
  }
  const bwrap = options.bwrapPath ?? Bun.which("bwrap");
  if (!bwrap || !existsSync(bwrap)) {
    return finish({ mode: "none", reason: `bubblewrap is not installed${options.bwrapPath ? ` (no ${options.bwrapPath})` : " (no bwrap on PATH)"}`, installHint: installHint(), bwrap: null, version: null });
  }
  const env = { PATH: "/usr/bin:/bin" };
  const run = async (argv: string[]) => {
    try {
      const proc = Bun.spawn(argv, { env, cwd: "/", stdin: "ignore", stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      return { out: out.trim(), err: err.trim(), code };
    } catch (error) {
      return { out: "", err: (error as Error).message, code: -1 };
    }
  };
  // the same namespaces and mounts a command gets, network included
  const trial = [bwrap, ...BASE_FLAGS, "--unshare-net", ...systemArgs().args, "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--", "true"];
  const [version, tried] = await Promise.all([run([bwrap, "--version"]), run(trial)]);
  const versionText = version.out.replace(/^bubblewrap\s+/, "") || null;
  if (tried.code !== 0) {
    const userns = /namespace|uid map|setting up|Operation not permitted|Permission denied/i.test(tried.err);
    return finish({
      mode: "none",
      reason: `bubblewrap is installed but cannot start a sandbox here: ${tried.err || `exit code ${tried.code}`}`,
      installHint: userns
        ? "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04+ kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile for bwrap; in Docker: --security-opt seccomp=unconfined or run Penguin outside the container)"
        : "check that bwrap runs: bwrap --ro-bind / / true",
      bwrap,
      version: versionText,
    });
  }
  return finish({ mode: "bubblewrap", reason: `bubblewrap ${versionText ?? "(unknown version)"} works${process.getuid?.() === 0 ? " (as root)" : ""}`, installHint: null, bwrap, version: versionText });
}

/** The install command for this distribution. */
export function installHint(): string {
  let ids = "";
  try {
    const release = readFileSync("/etc/os-release", "utf8");
    ids = [release.match(/^ID=(.*)$/m)?.[1], release.match(/^ID_LIKE=(.*)$/m)?.[1]].join(" ").replace(/"/g, "");
  } catch {
    // unknown distribution
  }
  const has = (name: string) => new RegExp(`\\b${name}\\b`).test(ids);
  if (has("debian") || has("ubuntu")) return "apt install bubblewrap";
  if (has("fedora") || has("rhel") || has("centos")) return "dnf install bubblewrap";
  if (has("arch")) return "pacman -S bubblewrap";
  if (has("alpine")) return "apk add bubblewrap";
  if (has("suse") || has("opensuse")) return "zypper install bubblewrap";
  return "install bubblewrap (apt install bubblewrap / dnf install bubblewrap)";
}
