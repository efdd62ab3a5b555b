// [mcp.<name>] tables: MCP tool servers (src/core/mcp), one per table, checked with one clear line per mistake.
import { Type as T, type Static } from "@sinclair/typebox";
import { resolve } from "node:path";
import { ConfigError, expandHome } from "./errors";

// ── MCP tool servers ([mcp.<name>]; src/core/mcp) ─────────────────────────────────────────────────────────────────
export const McpServerEntry = T.Object(
  {
    /** stdio: the argv of the server, started in the sandbox */
    command: T.Optional(T.Array(T.String({ minLength: 1 }), { minItems: 1 })),
    /** stdio: the only variables it gets besides the sandbox's PATH, locale, HOME and TMPDIR; "{env:NAME}" is replaced */
    environment: T.Optional(T.Record(T.String(), T.String())),
    /** stdio: the host network (default true); false leaves it loopback only */
    network: T.Optional(T.Boolean()),
    /** stdio: more host directories it may read (where its code lives, outside /usr and /opt) or change */
    read_only_roots: T.Optional(T.Array(T.String())),
    writable_roots: T.Optional(T.Array(T.String())),
    /** streamable HTTP: the endpoint, and headers sent with every request ("{env:NAME}" is replaced) */
    url: T.Optional(T.String({ minLength: 1 })),
    headers: T.Optional(T.Record(T.String(), T.String())),
    enabled: T.Optional(T.Boolean()),
    /** Per request: connecting, listing tools, one tool call (default 60000) */
    timeout_ms: T.Optional(T.Integer({ minimum: 100 })),
  },
  { additionalProperties: false },
);

interface McpServerCommon {
  name: string;
  enabled: boolean;
  timeoutMs: number;
}
export type McpServerConfig =
  | (McpServerCommon & { transport: "stdio"; command: string[]; environment: Record<string, string>; network: boolean; readOnlyRoots: string[]; writableRoots: string[] })
  | (McpServerCommon & { transport: "http"; url: string; headers: Record<string, string> });

/** A server's name prefixes its tools (`<name>_<tool>`) and names it in permission rules (`mcp.<name>.*`). */
export const MCP_SERVER_NAME = /^[A-Za-z0-9-]{1,32}$/;

export function mcpServers(entries: Record<string, Static<typeof McpServerEntry>> | undefined, where: string, cwd: string): McpServerConfig[] {
  return Object.entries(entries ?? {}).map(([name, entry]) => {
    const key = `${where}: mcp.${name}`;
    if (!MCP_SERVER_NAME.test(name)) throw new ConfigError(`${key}: a server name is 1-32 letters, digits or hyphens (it prefixes the tool names)`);
    if (Boolean(entry.command) === Boolean(entry.url)) throw new ConfigError(`${key}: give either command (a stdio server) or url (a streamable HTTP server)`);
    const common = { name, enabled: entry.enabled ?? true, timeoutMs: entry.timeout_ms ?? 60_000 };
    if (entry.url) {
      const stray = (["environment", "network", "read_only_roots", "writable_roots"] as const).find((k) => entry[k] !== undefined);
      if (stray) throw new ConfigError(`${key}.${stray}: only for a server started with command`);
      if (!/^https?:\/\/[^\s]+$/.test(entry.url) || !URL.canParse(entry.url.replace(/\{env:[A-Za-z_][A-Za-z0-9_]*\}/g, "x"))) throw new ConfigError(`${key}.url: "${entry.url}" is not an http(s) URL`);
      return { ...common, transport: "http" as const, url: entry.url, headers: entry.headers ?? {} };
    }
    if (entry.headers) throw new ConfigError(`${key}.headers: only for a server reached by url`);
    const paths = (list: string[] | undefined) => (list ?? []).map((p) => resolve(cwd, expandHome(p)));
    return {
      ...common,
      transport: "stdio" as const,
      command: entry.command!,
      environment: entry.environment ?? {},
      network: entry.network ?? true,
      readOnlyRoots: paths(entry.read_only_roots),
      writableRoots: paths(entry.writable_roots),
    };
  });
}

