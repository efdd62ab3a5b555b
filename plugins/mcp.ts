// MCP tool servers (GET /api/v1/mcp): each configured server with its status, its tools in the registry and its last
// error. Thin translation over core.mcp. Any key may look: it shows what the agent can call, never the configured
// command, environment, URL or headers (they may hold secrets).
import { Elysia } from "elysia";
import type { Core } from "../src/core";
import { McpServerList } from "../src/core/mcp";

export const mcpPlugin = (core: Core) =>
  new Elysia({ name: "mcp", detail: { tags: ["mcp"] } }).get("/api/v1/mcp", () => ({ servers: core.mcp.list() }), {
    response: { 200: McpServerList },
    detail: {
      summary: "List the MCP tool servers",
      description:
        "The servers configured in penguin.toml ([mcp.<name>]: a stdio command started in the sandbox, or a streamable HTTP url), each with " +
        "its status, the tools it adds to the registry (<server>_<tool>; permission operation mcp.<server>.<tool>, ask by default) and its last " +
        "error. Servers connect in the background and reconnect with backoff.",
    },
  });
