// Containment (DESIGN §4): every process the agent starts runs in a bubblewrap sandbox. Start-up:
//
//   const sandbox = await createSandbox(config.sandbox ?? "auto", { hiddenPaths: [workspace, configFile] });
//   if (!sandbox.status.satisfied) exit with sandbox.status.reason + installHint;   // setting "required"
//   log(sandbox.status)                                                               // mode, limits, reason
//
// Per command (execute_command, process_start, git):
//
//   const proc = await sandbox.spawn(["bash", "--norc", "--noprofile", "-c", command], {
//     root: ctx.root,               // read-write; cwd
//     session: ctx.sessionId,       // commands of a session share one loopback network
//     network: false,               // true: the host's network
//     gitWritable: false,           // true for approved git commands and checkpoint snapshots
//   }, { stdin: "pipe", signal: ctx.signal });
//   for await (const chunk of proc.stdout) …;  const code = await proc.exited;  proc.kill();
//
// At shutdown: await sandbox.shutdown(). When a session ends: await sandbox.releaseSession(id).
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
