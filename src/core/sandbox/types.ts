// The sandbox's shapes: the start-up status (a TypeBox schema, so an HTTP route can show it as is), the per-command
// policy and the handle a sandboxed command returns.
import { type Static, Type as T } from "@sinclair/typebox";
import type { FileSink } from "bun";

export const SandboxSettingSchema = T.Union([T.Literal("auto"), T.Literal("required"), T.Literal("off")], {
  description: "auto: bubblewrap when it works, else none; required: refuse to run commands without it; off: never",
});
export type SandboxSetting = Static<typeof SandboxSettingSchema>;

export const SandboxModeSchema = T.Union([T.Literal("bubblewrap"), T.Literal("none")]);
export type SandboxMode = Static<typeof SandboxModeSchema>;

/** How a limit is enforced: a cgroup (exact, per sandbox), an rlimit (weaker: see limits.ts) or not at all. */
export const LimitKindSchema = T.Union([T.Literal("cgroup-v2"), T.Literal("cgroup-v1"), T.Literal("rlimit"), T.Literal("none")]);
export type LimitKind = Static<typeof LimitKindSchema>;

export const SandboxStatusSchema = T.Object({
  setting: SandboxSettingSchema,
  mode: SandboxModeSchema,
  /** false only when the setting is "required" and no sandbox can be started: commands are then refused */
  satisfied: T.Boolean(),
  /** why this mode, in a sentence */
  reason: T.String(),
  bwrap: T.Object({ path: T.Union([T.String(), T.Null()]), version: T.Union([T.String(), T.Null()]) }),
  limits: T.Object({ processes: LimitKindSchema, memory: LimitKindSchema }),
  /** a session's commands share one network namespace (needs nsenter) */
  sharedNetwork: T.Boolean(),
  /** what to do to get the sandbox (null when it is active) */
  installHint: T.Union([T.String(), T.Null()]),
  probeMs: T.Number(),
});
export type SandboxStatus = Static<typeof SandboxStatusSchema>;

/** What one sandboxed command may see and do. Paths are absolute host paths, mounted at the same place. */
export interface SandboxPolicy {
  /** The active root: mounted read-write; the default working directory. */
  root: string;
  /** Working directory inside the sandbox (default: root). */
  cwd?: string;
  /** More host directories, read-only. */
  readOnlyRoots?: string[];
  /** More host directories, read-write. */
  writableRoots?: string[];
  /** Paths masked if they lie inside a mounted tree (directories: empty, files: empty), on top of the service's. */
  hiddenPaths?: string[];
  /** `.git` directories of the roots are read-only unless this is set (approved git commands, checkpoints). */
  gitWritable?: boolean;
  /** true: the host's network. false (default): loopback only, shared by the commands of `session` if given. */
  network?: boolean;
  /** Commands of one session share a network namespace, so a server one started is reachable from the next. */
  session?: string;
  /** Variables added to the allow-listed environment (they win). */
  env?: Record<string, string>;
  /** A host directory bound read-write as $HOME (default: an empty private directory per command). */
  home?: string;
  /** Per-command overrides of the service's limits. */
  limits?: Partial<SandboxLimits>;
}

export interface SandboxLimits {
  /** Tasks (processes and threads) at once. */
  processes: number;
  /** Memory in bytes (cgroup: resident + swap; rlimit: address space per process). */
  memoryBytes: number;
}

export interface SpawnOptions {
  stdin?: "pipe" | "ignore";
  /** "stdout" (default) merges stderr into stdout, bubblewrap's own errors included; "pipe" keeps it apart. */
  stderr?: "stdout" | "pipe" | "ignore";
  /** Aborting kills the whole sandbox. */
  signal?: AbortSignal;
}

/** A running sandboxed command, shaped like Bun.spawn's subprocess. */
export interface SandboxedProcess {
  readonly mode: SandboxMode;
  /** Host pid of the outermost process (bwrap, or the command itself in mode none). */
  readonly pid: number;
  readonly stdout: ReadableStream<Uint8Array>;
  /** Only with stderr: "pipe". */
  readonly stderr: ReadableStream<Uint8Array> | undefined;
  /** Only with stdin: "pipe". */
  readonly stdin: FileSink | undefined;
  /** The command's exit code (128 + signal when killed); resolves once every process of the sandbox is gone. */
  readonly exited: Promise<number>;
  readonly exitCode: number | null;
  /** SIGKILL (default) ends every process of the sandbox at once; another signal goes to the command's process
   *  group first (a graceful stop), which may leave processes running: follow up with kill(). */
  kill(signal?: NodeJS.Signals): void;
}
