// Builds the tool services: permission policy, audit log, approvals, the process manager and the tool runtime
// with every built-in tool registered.
import type { Config } from "../../config";
import { Approvals } from "../approvals";
import { AuditLog } from "../audit";
import type { Bus } from "../bus";
import type { Logger } from "../log";
import type { Metrics } from "../metrics";
import { PermissionPolicy } from "../permissions";
import type { Roots } from "../roots";
import type { Db } from "../store/db";
import { fileTools } from "./files";
import { ToolRegistry } from "./runtime";

export { ToolRegistry } from "./runtime";

export interface ToolServices {
  tools: ToolRegistry;
  permissions: PermissionPolicy;
  approvals: Approvals;
  audit: AuditLog;
  /** Ends approval waits and background processes, stops the audit pruning timer. */
  shutdown(): Promise<void>;
}

export function createToolServices(parts: { config: Config; db: Db; bus: Bus; log: Logger; roots: Roots; metrics: Metrics }): ToolServices {
  const { config, db, bus, log, roots, metrics } = parts;
  const permissions = new PermissionPolicy(config.permissions, roots);
  const audit = new AuditLog(db, () => config.permissions.auditRetentionDays);
  audit.start();
  const approvals = new Approvals(db, bus, config.permissions, log);
  const tools = new ToolRegistry({ config, permissions, approvals, audit, metrics, log });
  for (const tool of fileTools(config)) tools.register(tool);
  return {
    tools,
    permissions,
    approvals,
    audit,
    async shutdown() {
      approvals.close();
      audit.stop();
    },
  };
}
