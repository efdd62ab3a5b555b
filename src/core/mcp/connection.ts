// One configured MCP server: connects with the official SDK client (a sandboxed process over stdio, or streamable
// HTTP), lists its tools, follows notifications/tools/list_changed, calls tools, and when the connection fails or
// drops tries again with backoff (1 s doubling to 60 s), forever: a server that comes back is picked up again. A
// configuration problem no retry can fix (a missing {env:NAME}) fails once and stays failed.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ErrorCode, McpError, type CallToolResult, type Implementation, type Tool } from "@modelcontextprotocol/sdk/types.js";
import type { McpServerConfig } from "../../config";
import type { Logger } from "../kernel/log";
import type { Sandbox } from "../sandbox";
import type { McpServerStatus } from "./schema";
import { SandboxedStdioTransport } from "./stdio";

const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 60_000;
/** An HTTP server has no process to watch: a ping this often tells a connection that is gone. */
const HTTP_PING_MS = 30_000;

/** A problem of the configuration: retrying cannot fix it. */
class ConfigurationProblem extends Error {}

/** `{env:NAME}` replaced by the server's (Penguin's) environment variable NAME. */
export function expandEnv(text: string, env: Record<string, string | undefined>, where: string): string {
  return text.replace(/\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined) throw new ConfigurationProblem(`${where} names {env:${name}}, and ${name} is not set in the server's environment`);
    return value;
  });
}

export interface McpConnectionDeps {
  sandbox: Sandbox;
  log: Logger;
  /** Penguin's environment, for {env:NAME}. */
  env: Record<string, string | undefined>;
  /** Each stdio server's private working directory and $HOME is <workspace>/mcp/<name>. */
  workspace: string;
  version: string;
  /** The server's tools now (after connecting, a list change), or null when it has none to offer (disconnected). */
  onTools(tools: Tool[] | null): void;
  /** Status, error or attempt count changed. */
  onChange(): void;
}

export class McpConnection {
  status: McpServerStatus;
  lastError: string | null = null;
  attempts = 0;
  connectedAt: Date | null = null;
  retryAt: Date | null = null;
  serverInfo: Implementation | null = null;

  private client?: Client;
  /** The connected client's transport (the SDK forgets it before telling that the connection closed). */
  private clientTransport?: Transport;
  /** The client of an attempt still connecting: stop() ends it too. */
  private pending?: Client;
  /** Counts connection attempts: callbacks of an earlier attempt's client see a different number and stand down. */
  private generation = 0;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private pingTimer?: ReturnType<typeof setInterval>;
  private checking = false;
  private stopped = false;

  constructor(
    readonly config: McpServerConfig,
    private readonly deps: McpConnectionDeps,
  ) {
    this.status = config.enabled ? "connecting" : "disabled";
  }

  get name(): string {
    return this.config.name;
  }

  /** Whether the process runs in the bubblewrap sandbox (stdio servers), as opposed to directly (mode none). */
  get sandboxed(): boolean {
    return this.config.transport === "stdio" && this.deps.sandbox.mode === "bubblewrap";
  }

  /** Starts connecting in the background; never throws, never waits. */
  start(): void {
    if (this.config.enabled && !this.stopped) void this.connect();
  }

  async call(tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult> {
    const client = this.client;
    if (!client) throw new Error(`the MCP server "${this.name}" is not connected${this.lastError ? ` (${this.lastError})` : ""}`);
    const generation = this.generation;
    try {
      // the signal cancels the request: the SDK sends notifications/cancelled and stops waiting
      return (await client.callTool({ name: tool, arguments: args }, undefined, { signal, timeout: this.config.timeoutMs })) as CallToolResult;
    } catch (error) {
      if (!signal.aborted && error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
        throw new Error(`the MCP server "${this.name}" did not answer within ${this.config.timeoutMs} ms (its timeout_ms); the call was cancelled`);
      }
      // a failure below the protocol (the HTTP server is unreachable) may mean the connection is gone
      if (!signal.aborted && !(error instanceof McpError && error.code !== ErrorCode.ConnectionClosed)) void this.check(generation);
      throw error;
    }
  }

  /** Closes the connection (the process is ended) and stops retrying. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const clients = [this.client, this.pending].filter((c): c is Client => c !== undefined);
    this.client = this.pending = this.clientTransport = undefined;
    if (this.config.enabled) this.setStatus("stopped");
    await Promise.all(clients.map((c) => this.closeClient(c)));
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    this.attempts++;
    this.retryAt = null;
    this.setStatus("connecting");
    let transport: Transport | undefined;
    let client: Client | undefined;
    try {
      transport = this.transport();
      client = new Client(
        { name: "penguin", version: this.deps.version },
        {
          capabilities: {},
          listChanged: { tools: { autoRefresh: false, debounceMs: 100, onChanged: () => void this.refreshTools(generation) } },
        },
      );
      client.onclose = () => this.lost(generation, "the connection closed");
      client.onerror = (error) => {
        this.deps.log.debug("MCP transport error", { server: this.name, error: String(error) });
        if (this.config.transport === "http") void this.check(generation);
      };
      this.pending = client;
      await client.connect(transport, { timeout: this.config.timeoutMs });
      const tools = await this.listTools(client);
      if (this.pending === client) this.pending = undefined;
      if (generation !== this.generation) return void (await this.closeClient(client));
      this.client = client;
      this.clientTransport = transport;
      this.serverInfo = client.getServerVersion() ?? null;
      this.attempts = 0;
      this.lastError = null;
      this.connectedAt = new Date();
      this.setStatus("connected");
      this.deps.onTools(tools);
      this.deps.log.info("MCP server connected", { server: this.name, tools: tools.length });
      if (this.config.transport === "http") {
        this.pingTimer = setInterval(() => void this.check(generation), HTTP_PING_MS);
        this.pingTimer.unref?.();
      }
    } catch (error) {
      if (this.pending === client) this.pending = undefined;
      if (client) await this.closeClient(client);
      else await transport?.close().catch(() => {});
      if (generation !== this.generation) return;
      this.lastError = await this.describe(error, transport);
      this.deps.log.warn("MCP server could not be started", { server: this.name, error: this.lastError, attempt: this.attempts });
      if (error instanceof ConfigurationProblem) return this.setStatus("failed");
      this.scheduleRetry();
    }
  }

  /** The transport for this server; a stdio server's process starts in the sandbox when the client starts it. */
  private transport(): Transport {
    const { config, deps } = this;
    const where = `mcp.${config.name}`;
    if (config.transport === "http") {
      const headers = Object.fromEntries(Object.entries(config.headers).map(([k, v]) => [k, expandEnv(v, deps.env, `${where}.headers.${k}`)]));
      return new StreamableHTTPClientTransport(new URL(expandEnv(config.url, deps.env, `${where}.url`)), { requestInit: { headers } });
    }
    const env = Object.fromEntries(Object.entries(config.environment).map(([k, v]) => [k, expandEnv(v, deps.env, `${where}.environment.${k}`)]));
    // its own directory, read-write and kept across restarts (caches such as npx's live there); nothing of the
    // server's workspace or the user's projects unless configured (writable_roots / read_only_roots)
    const home = join(deps.workspace, "mcp", config.name);
    mkdirSync(home, { recursive: true });
    return new SandboxedStdioTransport(
      () =>
        deps.sandbox.spawn(
          config.command,
          { root: home, home, network: config.network, readOnlyRoots: config.readOnlyRoots, writableRoots: config.writableRoots, env },
          { stdin: "pipe", stderr: "pipe" },
        ),
      (line) => deps.log.debug("MCP server stderr", { server: config.name, line }),
    );
  }

  private async listTools(client: Client): Promise<Tool[]> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {}, { timeout: this.config.timeoutMs });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor && tools.length < 10_000);
    return tools;
  }

  private async refreshTools(generation: number): Promise<void> {
    const client = this.client;
    if (!client || generation !== this.generation) return;
    try {
      const tools = await this.listTools(client);
      if (generation === this.generation) this.deps.onTools(tools);
    } catch (error) {
      if (generation !== this.generation) return;
      this.lastError = `refreshing the tool list failed: ${(error as Error).message}`;
      this.deps.log.warn("MCP tool list refresh failed", { server: this.name, error: String(error) });
      this.deps.onChange();
    }
  }

  /** Pings an HTTP server (or after a failed call): no answer means the connection is gone. */
  private async check(generation: number): Promise<void> {
    const client = this.client;
    if (!client || generation !== this.generation || this.checking) return;
    this.checking = true;
    try {
      await client.ping({ timeout: Math.min(this.config.timeoutMs, 10_000) });
    } catch (error) {
      this.lost(generation, `it stopped answering (${(error as Error).message})`);
      void this.closeClient(client);
    } finally {
      this.checking = false;
    }
  }

  /** An established connection ended: its tools go, and a new attempt is scheduled. */
  private lost(generation: number, why: string): void {
    if (generation !== this.generation || !this.client || this.stopped) return;
    const transport = this.clientTransport;
    this.client = this.clientTransport = undefined;
    this.generation++;
    clearInterval(this.pingTimer);
    this.deps.onTools(null);
    // a stdio transport closes once the process has exited: its exit code and stderr are known by now
    this.lastError = this.describeNow(new Error(`Disconnected: ${why}`), transport);
    this.deps.log.warn("MCP server disconnected", { server: this.name, reason: why });
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = Math.min(RETRY_BASE_MS * 2 ** Math.max(0, this.attempts - 1), RETRY_MAX_MS) * (0.8 + Math.random() * 0.4);
    this.retryAt = new Date(Date.now() + delay);
    this.setStatus("retrying");
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref?.();
  }

  /** The error, with what a stdio server's process said before it went (exit code, stderr), once it has gone. */
  private async describe(error: unknown, transport: Transport | undefined): Promise<string> {
    if (transport instanceof SandboxedStdioTransport) await transport.settled;
    return this.describeNow(error, transport);
  }

  private describeNow(error: unknown, transport: Transport | undefined): string {
    let text = error instanceof Error ? error.message : String(error);
    if (transport instanceof SandboxedStdioTransport) {
      if (transport.exitCode !== null) text += `; the process exited with code ${transport.exitCode}`;
      if (transport.stderr) text += `: ${transport.stderr.split("\n").slice(-3).join(" | ")}`;
    }
    return text.length > 1000 ? text.slice(0, 1000) + "…" : text;
  }

  private async closeClient(client: Client): Promise<void> {
    const transport = client.transport ?? (client === this.client ? this.clientTransport : undefined);
    // an HTTP server is told the session is over; a stdio server's process is ended by closing the transport
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId) {
      await Promise.race([transport.terminateSession().catch(() => {}), Bun.sleep(1000)]);
    }
    await client.close().catch(() => {});
  }

  private setStatus(status: McpServerStatus): void {
    this.status = status;
    this.deps.onChange();
  }
}
