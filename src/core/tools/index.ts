// Builds the tool runtime with every built-in tool registered, and the process manager behind the process tools.
// The permission services (policy, approvals, audit) are built by createCore and handed in: the runtime puts every
// call before them, it does not own them.
import type { Config } from "../../config";
import type { Logger } from "../kernel/log";
import type { Approvals } from "../permission/approvals";
import type { AuditLog } from "../permission/audit";
import type { PermissionPolicy } from "../permission/policy";
import type { Sandbox } from "../sandbox";
import type { Metrics } from "../system/metrics";
import { fileTools } from "./files";
import { patchTool } from "./patch";
import { ProcessManager, processTools } from "./processes";
import { ToolRegistry } from "./runtime";
import { searchTools } from "./search";
import { AgentCommands, shellTool } from "./shell";
import { webFetchTool } from "./web-fetch";

export { ToolRegistry } from "./runtime";

export interface PermissionServices {
  permissions: PermissionPolicy;
  approvals: Approvals;
  audit: AuditLog;
}

export interface ToolServices {
  tools: ToolRegistry;
  processes: ProcessManager;
  /** Kills the background processes the agent started. */
  shutdown(): Promise<void>;
}

export function createToolServices(parts: { config: Config; log: Logger; metrics: Metrics; sandbox: Sandbox } & PermissionServices): ToolServices {
  const { config, log, metrics, permissions, approvals, audit, sandbox } = parts;
  const commands = new AgentCommands(config, sandbox);
  const processes = new ProcessManager(config, commands);
  const tools = new ToolRegistry({ config, permissions, approvals, audit, metrics, log });
  for (const tool of [...fileTools(config), ...searchTools(config), patchTool(), shellTool(config, commands), ...processTools(processes, config), webFetchTool(config)]) {
    tools.register(tool);
  }
  return { tools, processes, shutdown: () => processes.killAll() };
}
