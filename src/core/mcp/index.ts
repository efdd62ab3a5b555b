// MCP tool servers (the Model Context Protocol, with the official SDK's client): configured in penguin.toml as
// [mcp.<name>] (a stdio command started in the sandbox, or a streamable HTTP url), their tools in the registry as
// <server>_<tool> under the permission policy (operation mcp.<server>.<tool>, ask by default) and the audit log.
//
//   const mcp = new McpServers({ config, sandbox, tools, bus, log, version });
//   mcp.start();            // background: never waits, never throws
//   mcp.list();             // GET /api/v1/mcp: status, tools, last error of each server
//   await mcp.shutdown();   // ends every connection and process
export { McpServers, type McpServersDeps } from "./servers";
export { McpServerChanged, McpServerList, McpServerStatus, McpServerView, McpToolView } from "./schema";
