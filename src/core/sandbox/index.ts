// Containment (DESIGN §4): every process the agent starts runs in a bubblewrap sandbox.
//
// Start-up, once:
//   const sandbox = await createSandbox(setting, { hiddenPaths: [workspaceDir, configFile], readOnlyRoots: [] });
//   sandbox.status  → { mode: "bubblewrap" | "none", reason, satisfied, limits: { processes, memory }, installHint, … }
//   if (!sandbox.status.satisfied) refuse to start (setting "required" and no sandbox): print reason + installHint
//
// Per command (execute_command, process_start, git):
//   const proc = await sandbox.spawn(["bash", "--norc", "--noprofile", "-c", command], {
//     root: ctx.root,            // read-write, the cwd; its .git (and nested ones) read-only …
//     gitWritable: false,        // … unless true: approved git commands, checkpoint snapshots
//     session: ctx.sessionId,    // the session's commands share one loopback (a dev server stays reachable)
//     network: false,            // true: the host's network
//     env: { GIT_TERMINAL_PROMPT: "0" },
//   }, { stdin: "pipe", signal: ctx.signal });   // stderr merged into stdout unless stderr: "pipe" | "ignore"
//   for await (const chunk of proc.stdout) …
//   const code = await proc.exited;   // every process of the sandbox is gone by then (128 + n when killed)
//   proc.kill();                      // SIGKILL: the whole sandbox; kill("SIGTERM"): the command's process group
//
// When a session goes: await sandbox.releaseSession(id). At shutdown: await sandbox.shutdown().
//
// Mode "none" (setting "off", or "auto" without a working bwrap) runs the same argv in its own process group with
// the same clean environment and limits, in the root; it cannot hide paths, make anything read-only, cut the
// network or catch a process that calls setsid.
export { createSandbox, Sandbox, SandboxUnavailableError, type SandboxOptions } from "./sandbox";
export { installHint, probeSandbox, type ProbeOptions } from "./probe";
export { SANDBOX_HOME } from "./mounts";
export {
  LimitKindSchema,
  SandboxModeSchema,
  SandboxSettingSchema,
  SandboxStatusSchema,
  type LimitKind,
  type SandboxedProcess,
  type SandboxLimits,
  type SandboxMode,
  type SandboxPolicy,
  type SandboxSetting,
  type SandboxStatus,
  type SpawnOptions,
} from "./types";
