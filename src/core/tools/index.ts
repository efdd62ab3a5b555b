// Builds the tool services: permission policy, audit log, approvals, the process manager and the tool runtime
// with every built-in tool registered.
import type { Config } from "../../config";
import { Approvals } from "../permission/approvals";
import { AuditLog } from "../permission/audit";
import type { Bus } from "../kernel/bus";
import type { Logger } from "../kernel/log";
import type { Metrics } from "../system/metrics";
import { PermissionPolicy } from "../permission/policy";
import type { Roots } from "../fs/roots";
import type { Db } from "../store/db";
import { fileTools } from "./files";
import { patchTool } from "./patch";
import { ProcessManager, processTools } from "./processes";
import { ToolRegistry } from "./runtime";
import { searchTools } from "./search";
import { shellTool } from "./shell";

export { ToolRegistry } from "./runtime";

export interface ToolServices {
  tools: ToolRegistry;
  permissions: PermissionPolicy;
  approvals: Approvals;
  audit: AuditLog;
  processes: ProcessManager;
  /** Ends approval waits and background processes, stops the audit pruning timer. */
  shutdown(): Promise<void>;
}

export function createToolServices(parts: { config: Config; db: Db; bus: Bus; log: Logger; roots: Roots; metrics: Metrics }): ToolServices {
  const { config, db, bus, log, roots, metrics } = parts;
  const permissions = new PermissionPolicy(config.permissions, roots);
  const audit = new AuditLog(db, () => config.permissions.auditRetentionDays);
  audit.start();
  const approvals = new Approvals(db, bus, config.permissions, log);
  const processes = new ProcessManager(config);
  const tools = new ToolRegistry({ config, permissions, approvals, audit, metrics, log });
  for (const tool of [...fileTools(config), ...searchTools(config), patchTool(), shellTool(config), ...processTools(processes, config)]) {
    tools.register(tool);
  }
  return {
    tools,
    permissions,
    approvals,
    audit,
    processes,
    async shutdown() {
      approvals.close();
      audit.stop();
      await processes.killAll();
    },
  };
}
