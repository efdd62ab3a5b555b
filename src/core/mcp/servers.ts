// The configured MCP servers and their tools in the registry. Every server connects in the background at start-up,
// so a slow or broken one never holds up the server or a chat; while it is connected its tools are registered as
// <server>_<tool>, and they leave the registry when it disconnects (and come back when it reconnects).
//
// Containment: a stdio server is a process Penguin starts on the user's behalf, so it starts through the sandbox like
// every agent command: its own directory (<workspace>/mcp/<name>, also its $HOME) read-write, the system directories
// read-only, nothing of the server's workspace, config or database, no project unless configured (writable_roots /
// read_only_roots), an environment of the sandbox's basics plus its `environment` table only, the host network unless
// network = false. Its tools still go through the permission policy (they ask by default) and the audit log.
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Config } from "../../config";
import type { Bus } from "../kernel/bus";
import type { Logger } from "../kernel/log";
import type { Sandbox } from "../sandbox";
import type { ToolRegistry } from "../tools/runtime";
import { McpConnection } from "./connection";
import type { McpServerView, McpToolView } from "./schema";
import { mcpToolDefinition, registryName } from "./tools";

export interface McpServersDeps {
  config: Config;
  sandbox: Sandbox;
  tools: ToolRegistry;
  bus: Bus;
  log: Logger;
  version: string;
}

interface ServerEntry {
  connection: McpConnection;
  /** Its tools in the registry now. */
  tools: McpToolView[];
  /** Its tools left out: their registry name is another tool's. */
  skipped: string[];
}

export class McpServers {
  private readonly servers = new Map<string, ServerEntry>();

  constructor(private readonly deps: McpServersDeps) {
    const { config, sandbox, log, version } = deps;
    for (const server of config.mcp) {
      const entry: ServerEntry = { tools: [], skipped: [], connection: undefined! };
      entry.connection = new McpConnection(server, {
        sandbox,
        log,
        env: config.env,
        workspace: config.workspace,
        version,
        onTools: (tools) => this.setTools(entry, tools),
        onChange: () => this.publish(entry),
      });
      this.servers.set(server.name, entry);
    }
  }

  /** Starts connecting every enabled server, in the background. */
  start(): void {
    for (const { connection } of this.servers.values()) connection.start();
  }

  list(): McpServerView[] {
    return [...this.servers.values()].map(({ connection: c, tools, skipped }) => ({
      name: c.name,
      transport: c.config.transport,
      enabled: c.config.enabled,
      status: c.status,
      sandboxed: c.sandboxed,
      tools,
      server_info: c.serverInfo ? { name: c.serverInfo.name, version: c.serverInfo.version } : null,
      last_error: c.lastError,
      skipped_tools: skipped,
      connected_at: c.status === "connected" && c.connectedAt ? c.connectedAt.toISOString() : null,
      retry_at: c.status === "retrying" && c.retryAt ? c.retryAt.toISOString() : null,
      attempts: c.attempts,
    }));
  }

  /** Ends every server's connection (and process); their tools leave the registry. */
  async shutdown(): Promise<void> {
    await Promise.all(
      [...this.servers.values()].map(async (entry) => {
        await entry.connection.stop();
        this.setTools(entry, null);
      }),
    );
  }

  /** Replaces a server's tools in the registry with `tools` (none: null). */
  private setTools(entry: ServerEntry, tools: Tool[] | null): void {
    const { connection } = entry;
    const registry = this.deps.tools;
    for (const tool of entry.tools) registry.unregister(tool.name);
    entry.tools = [];
    entry.skipped = [];
    for (const tool of tools ?? []) {
      const name = registryName(connection.name, tool.name);
      if (registry.get(name)) {
        entry.skipped.push(tool.name);
        continue;
      }
      const definition = mcpToolDefinition(connection.name, tool, connection, connection.config.timeoutMs);
      registry.register(definition);
      entry.tools.push({ name, mcp_name: tool.name, description: definition.description, operation: `mcp.${definition.operation}` });
    }
    if (entry.skipped.length) this.deps.log.warn("MCP tools left out: their names clash with other tools", { server: connection.name, tools: entry.skipped });
    this.publish(entry);
  }

  private publish({ connection, tools }: ServerEntry): void {
    this.deps.bus.publish("mcp.server.changed", { name: connection.name, status: connection.status, tools: tools.length, last_error: connection.lastError });
  }
}
