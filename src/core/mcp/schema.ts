// MCP shapes, declared once (TypeBox): a configured server as GET /api/v1/mcp shows it (status, tools, last error) and
// the bus event sent when a server's status or tool list changes.
import { Type as T, type Static } from "@sinclair/typebox";
import { defineEvent, type EventMapOf } from "../kernel/event-registry";
import { Nullable, Timestamp } from "../kernel/shapes";

export const McpServerStatus = T.Union(
  [T.Literal("disabled"), T.Literal("connecting"), T.Literal("connected"), T.Literal("retrying"), T.Literal("failed"), T.Literal("stopped")],
  {
    description:
      "disabled: enabled = false; connecting: starting or reconnecting; connected: its tools are in the registry; retrying: the last " +
      "attempt failed, the next one waits (retry_at); failed: a configuration problem no retry can fix (see last_error); stopped: the server is shutting down",
  },
);
export type McpServerStatus = Static<typeof McpServerStatus>;

export const McpToolView = T.Object({
  name: T.String({ description: "The tool's name in the registry and for the model: <server>_<tool>" }),
  mcp_name: T.String({ description: "The tool's name on the MCP server" }),
  description: T.String(),
  operation: T.String({ description: "What permission rules name: mcp.<server>.<tool>" }),
});
export type McpToolView = Static<typeof McpToolView>;

export const McpServerView = T.Object({
  name: T.String(),
  transport: T.Union([T.Literal("stdio"), T.Literal("http")]),
  enabled: T.Boolean(),
  status: McpServerStatus,
  sandboxed: T.Boolean({ description: "stdio: whether the process runs in the bubblewrap sandbox (false: sandbox mode none); http: false" }),
  tools: T.Array(McpToolView),
  /** what the server said it is (initialize), once connected */
  server_info: Nullable(T.Object({ name: T.String(), version: T.String() })),
  last_error: Nullable(T.String(), { description: "The latest failure: of a connection attempt, the process, or a tool list refresh" }),
  skipped_tools: T.Array(T.String(), { description: "Tools of the server left out: their name clashes with another tool's" }),
  connected_at: Nullable(Timestamp()),
  retry_at: Nullable(Timestamp("When the next connection attempt starts (status retrying)")),
  attempts: T.Integer({ description: "Connection attempts since the last success" }),
});
export type McpServerView = Static<typeof McpServerView>;

export const McpServerList = T.Object({ servers: T.Array(McpServerView) });
export type McpServerList = Static<typeof McpServerList>;

export const McpServerChanged = defineEvent(
  "mcp.server.changed",
  T.Object(
    { name: T.String(), status: McpServerStatus, tools: T.Integer({ description: "How many of its tools are registered" }), last_error: Nullable(T.String()) },
    { description: "An MCP server connected, lost its connection, failed, or changed its tool list." },
  ),
);

declare module "../kernel/event-registry" {
  interface EventMap extends EventMapOf<[typeof McpServerChanged]> {}
}
