// createCore(config): builds every shared service once. No HTTP here: tests and the CLI use it directly.
import { join } from "node:path";
import type { Config } from "../config";
import { createInProcessBus, type Bus } from "./kernel/bus";
import { EVENTS } from "./events";
import { EventLog } from "./eventlog/event-log";
import { openDatabase, type Db } from "./store/db";
import { HealthChecks } from "./system/health";
import { createLogger, type Logger } from "./kernel/log";
import { Metrics } from "./system/metrics";
import { ModelCatalog } from "./providers/models";
import { insideServerFolder, Roots } from "./fs/roots";
import { VERSION } from "./kernel/version";
import { Conversations } from "./conversation/conversations";
import { ContextFiles } from "./conversation/context-files";
import { AgentEngine } from "./engine/engine";
import { Usage } from "./system/usage";
import { ProviderProbe } from "./providers/probe";
import { createToolServices, type ToolRegistry } from "./tools";
import { PermissionPolicy } from "./permission/policy";
import { Approvals } from "./permission/approvals";
import { AuditLog } from "./permission/audit";
import { Uploads } from "./uploads/uploads";
import { Checkpoints } from "./checkpoints/checkpoints";
import { Projects } from "./tasks/projects";
import { Tasks } from "./tasks/tasks";
import { Telemetry } from "./system/telemetry";
import { Agents } from "./agents/agents";
import { createSandbox, type Sandbox } from "./sandbox";
import { MessageBus } from "./messages/messages";
import { sendMessageTool } from "./messages/send-message-tool";
import { Coordinator } from "./coordinator/coordinator";
import { A2A } from "./a2a/a2a";
import { Memories } from "./memory/memories";
import { memoryTools } from "./memory/tools";
import { McpServers } from "./mcp";
import { AgenticTasks } from "./agentic/agentic";
import { CommandCatalog } from "./catalog/catalog";
import { NamedCommands } from "./commands/named";
import { agentTurnRunner } from "./agentic/runner";
import { Webhooks } from "./webhooks/webhooks";

export interface Core {
  readonly version: string;
  readonly config: Config;
  readonly log: Logger;
  readonly bus: Bus;
  /** Every bus event, kept for replay: live streams resume from it (`since=<id>`). */
  readonly eventLog: EventLog;
  readonly db: Db;
  readonly dbFile: string;
  readonly metrics: Metrics;
  readonly roots: Roots;
  readonly health: HealthChecks;
  readonly conversations: Conversations;
  readonly contextFiles: ContextFiles;
  readonly usage: Usage;
  /** The agent loop (core.engine.runTurn). */
  readonly engine: AgentEngine;
  /** The model catalog: current model, switching, providers, prices, discovery. */
  readonly models: ModelCatalog;
  /** Tools under the permission policy: core.tools.specs() / core.tools.execute(call, ctx). */
  readonly tools: ToolRegistry;
  readonly permissions: PermissionPolicy;
  readonly approvals: Approvals;
  readonly audit: AuditLog;
  /** Files uploaded into <workspace>/uploads/ (POST /api/v1/upload). */
  readonly uploads: Uploads;
  /** Conversation checkpoints (automatic + manual), rollback, branches, file restore. */
  readonly checkpoints: Checkpoints;
  readonly projects: Projects;
  /** Background and synchronous agent tasks. */
  readonly tasks: Tasks;
  readonly telemetry: Telemetry;
  /** The agents registry: list/get/require, assertAcceptsWork, runTurn (under max_concurrent_agents), isActive. */
  readonly agents: Agents;
  /** The OS sandbox every command the agent starts runs in; `sandbox.status` says which mode is active. */
  readonly sandbox: Sandbox;
  /** Every agent over A2A: cards, tasks (one turn each) and the SDK's request handlers (plugins/a2a.ts serves them). */
  readonly a2a: A2A;
  /** Long-term memory (/v1/memories): stored, searched, recalled into each turn, decayed when unused. */
  readonly memory: Memories;
  /** MCP tool servers ([mcp.<name>]): their tools in the registry while connected; status for GET /api/v1/mcp. */
  readonly mcp: McpServers;
  /** Agentic tasks (/v1/agentic/tasks): a planner turn, sub-agents in parallel, a combining turn. */
  readonly agentic: AgenticTasks;
  /** The message bus: messages between the human and agents (a message to an agent makes it act). */
  readonly messages: MessageBus;
  /** Roles, and messages and workflows over a role's agents. */
  readonly coordinator: Coordinator;
  /** The host command catalog (/v1/commands/catalog): argv entries run in the sandbox under the policy and approvals. */
  readonly catalog: CommandCatalog;
  /** Named commands (POST /v1/commands): help, briefing, saved prompts of [[commands]], catalog entries by name. */
  readonly commands: NamedCommands;
  /** GitHub and WhatsApp webhooks: verified deliveries, deduped and worked from a persistent queue as restricted turns. */
  readonly webhooks: Webhooks;
  /** One line for the banner: the model in use, or what to set. */
  describeModel(): string;
  /** Registers work to run at shutdown (in reverse order of registration). */
  onShutdown(fn: () => void | Promise<void>): void;
  /** Runs the shutdown hooks, then `beforeDatabaseClose` (e.g. closing leftover sockets), then closes the database. */
  shutdown(beforeDatabaseClose?: () => void | Promise<void>): Promise<void>;
}

export interface CoreOptions {
  log?: Logger;
}

export class SandboxRequiredError extends Error {
  override name = "SandboxRequiredError";
}

export async function createCore(config: Config, options: CoreOptions = {}): Promise<Core> {
  const log = options.log ?? createLogger({ debug: config.debug });
  // The agent's workspace root is a folder of its own: never the one that holds the database, config and uploads.
  const agentFiles = join(config.workspace, "files");
  const projectRoot = insideServerFolder(config.projectRoot, config.workspace) ? agentFiles : config.projectRoot;
  if (projectRoot !== config.projectRoot) log.warn("the project root holds the server's own files; the agent works in the workspace's files/ instead", { configured: config.projectRoot, root: projectRoot });
  const roots = new Roots(projectRoot, agentFiles, config.writeRoot, config.workspace);
  // Nothing the agent starts may see the server's own files, even where a root contains them.
  const sandbox = await createSandbox(config.sandbox, {
    hiddenPaths: [config.workspace, ...(config.configFile ? [config.configFile] : [])],
    readOnlyRoots: config.tools.readOnlyRoots,
    limits: { processes: config.tools.sandboxMaxProcesses, ...(config.tools.sandboxMemoryMb ? { memoryBytes: config.tools.sandboxMemoryMb * 1024 * 1024 } : {}) },
  });
  if (!sandbox.status.satisfied) {
    throw new SandboxRequiredError(`sandbox = "required" but no sandbox can be started: ${sandbox.status.reason}${sandbox.status.installHint ? `. ${sandbox.status.installHint}` : ""}`);
  }
  const dbFile = join(config.workspace, "penguin.db");
  const db = openDatabase(dbFile);
  // The bus's journal: every event is kept before anyone sees it, and ids continue after the newest kept.
  const eventLog = new EventLog(db, { log, retentionHours: () => config.events.retentionHours });
  const bus = createInProcessBus({
    registry: EVENTS,
    lastId: eventLog.newestAtOpen,
    journal: (event) => eventLog.record(event),
    onListenerError: (error, event) => log.error("bus listener failed", { event: event.type, error: String(error) }),
    // payloads are checked against their declarations under test (the bus's default) and in debug runs
    validate: config.debug || undefined,
  });
  const shutdownHooks: (() => void | Promise<void>)[] = [];
  const conversations = new Conversations(db, bus);
  const interrupted = conversations.recoverInterrupted();
  if (interrupted) log.warn("marked messages left streaming by an earlier crash as interrupted", { count: interrupted });
  let closed: Promise<void> | undefined;

  const health = new HealthChecks();
  // Whether agent commands are contained, and how; "required" without a sandbox never gets this far.
  health.register("sandbox", () => ({ healthy: sandbox.status.satisfied, mode: sandbox.status.mode, detail: sandbox.status.reason, limits: sandbox.status.limits }));
  health.register("database", () => {
    db.$client.query("SELECT 1").get();
    return { healthy: true };
  });

  const metrics = new Metrics();
  const models = new ModelCatalog(config, { metrics, bus });
  // The configuration first (what to set), then whether the provider answers (a cached GET of its model list).
  const providerProbe = new ProviderProbe(config);
  health.register("inference", async () => {
    const problem = models.problem();
    if (problem) return { healthy: false, detail: problem };
    const model = models.current()!;
    return { ...(await providerProbe.check(model)), model: model.id };
  });

  // The permission services judge every tool call; the tool runtime receives them.
  const permissions = new PermissionPolicy(config.permissions, roots, sandbox.mode, config.tools.fetchAllow);
  const audit = new AuditLog(db, () => config.permissions.auditRetentionDays);
  audit.start();
  const approvals = new Approvals(db, bus, config.permissions, log);
  const toolServices = createToolServices({ config, log, metrics, permissions, approvals, audit, sandbox });
  // MCP servers connect in the background: a slow or broken one never holds up start-up
  const mcp = new McpServers({ config, sandbox, tools: toolServices.tools, bus, log, version: VERSION });

  // Long-term memory: the engine recalls it into turns; the model uses it through memory_search / memory_store.
  const memory = new Memories({ db, bus, log, settings: config.memory });
  for (const tool of memoryTools(memory)) toolServices.tools.register(tool);
  const checkpoints = new Checkpoints(db, bus, conversations, config.checkpoints, log, roots, sandbox);
  const usage = new Usage(conversations.repository);
  const projects = new Projects(db);
  const tasks = new Tasks(db, bus, projects, () => core.engine, log, () => core.agents);
  // Sub-agents run as turns of their agents through the registry; agents a plan may name are the registered ones.
  const agentic = new AgenticTasks({
    db,
    bus,
    log,
    approvals,
    runner: agentTurnRunner((agentId, request) => core.agents.runTurn(agentId, request)),
    settings: () => config.agentic,
    agents: (viewer) => core.agents.list(viewer).filter((a) => !a.paused).map((a) => ({ id: a.id, persona: a.persona })),
    inferenceProblem: () => models.problem(),
  });
  const lostAgentic = agentic.recoverInterrupted();
  if (lostAgentic) log.warn("marked agentic tasks left running by an earlier process as interrupted", { count: lostAgentic });
  // The agents registry (config agents seeded at start): the engine asks it for each turn's agent; work handed to
  // agents (delegations, messages, coordinator, agentic tasks) runs through it under max_concurrent_agents.
  const agents = new Agents({ db, bus, config, log, models, conversations, engine: () => core.engine, toolNames: () => toolServices.tools.names() });
  for (const tool of agents.tools()) toolServices.tools.register(tool);
  // Messages reach agents through the registry (their turns, pause state); the model sends them with send_message.
  const messages = new MessageBus({ db, bus, log, agents: () => core.agents });
  toolServices.tools.register(sendMessageTool(messages));
  const coordinator = new Coordinator(db, bus, messages, () => core.agents);
  const catalog = new CommandCatalog({ db, bus, log, sandbox, roots, permissions, approvals, audit, settings: () => config.catalog });
  const commands = new NamedCommands({
    catalog,
    saved: () => config.commands,
    runTurn: (agentId, request) => core.agents.runTurn(agentId, request),
    tasks,
    approvals,
    conversations,
    sandbox,
    activeRoot: () => roots.activeRoot,
    describeModel: () => core.describeModel(),
  });
  // Events that do not name their owner belong to their conversation's, task's or session's.
  eventLog.resolveOwnersWith({
    conversation: (id) => conversations.find(id)?.owner,
    task: (id) => tasks.find(id)?.owner,
    session: (id) => {
      const session = conversations.sessionOwner(id);
      return session.claimed ? session.owner : undefined;
    },
  });
  eventLog.start();
  const lostTasks = tasks.recoverInterrupted();
  if (lostTasks) log.warn("marked tasks left running by an earlier process as interrupted", { count: lostTasks });

  const core: Core = {
    version: VERSION,
    config,
    log,
    bus,
    eventLog,
    db,
    dbFile,
    metrics,
    models,
    roots,
    health,
    conversations,
    tools: toolServices.tools,
    permissions,
    approvals,
    audit,
    uploads: new Uploads(roots, () => ({ maxBytes: config.uploadMaxBytes, quotaBytes: config.uploadQuotaBytes, maxFiles: config.uploadMaxFiles })),
    contextFiles: new ContextFiles(roots, conversations),
    usage,
    // The engine reads other areas (models, tools) lazily through the finished core.
    engine: new AgentEngine(() => core),
    checkpoints,
    projects,
    tasks,
    telemetry: new Telemetry({ history: conversations.repository, usage, tasks, messages, metrics, config, bus }),
    agents,
    sandbox,
    a2a: new A2A(() => ({
      agent: (id, viewer) => core.agents.require(id, viewer),
      runTurn: (agentId, request) => core.agents.runTurn(agentId, request),
      conversations,
      bus,
      version: VERSION,
      keysRequired: config.auth.enabled,
    })),
    memory,
    mcp,
    agentic,
    messages,
    coordinator,
    catalog,
    commands,
    webhooks: new Webhooks({ db, bus, log, conversations, settings: () => config, runTurn: (agentId, request) => core.agents.runTurn(agentId, request) }),
    describeModel() {
      const model = models.current();
      return models.problem() ?? `${model!.model} (${model!.provider})`;
    },
    onShutdown: (fn) => void shutdownHooks.push(fn),
    shutdown(beforeDatabaseClose) {
      closed ??= (async () => {
        for (const fn of [...shutdownHooks.reverse(), beforeDatabaseClose]) {
          try {
            await fn?.();
          } catch (error) {
            log.error("shutdown step failed", { error: String(error) });
          }
        }
        db.$client.close();
      })();
      return closed;
    },
  };
  // Hooks run in reverse order of registration: tasks stop (marked interrupted) first, then the checkpoint timer,
  // then running turns are cancelled (partial answers kept, marked interrupted), then approval waits end, audit pruning
  // stops and tool processes are killed.
  core.onShutdown(() => eventLog.stop());
  core.onShutdown(() => sandbox.shutdown());
  core.onShutdown(core.a2a.start());
  core.onShutdown(() => mcp.shutdown());
  mcp.start();
  core.onShutdown(async () => {
    approvals.close();
    audit.stop();
    await toolServices.shutdown();
  });
  core.onShutdown(() => core.engine.shutdown());
  // Pending checkpoints get their git snapshot from the tool runtime's before-run hook (core → tools, never back).
  checkpoints.start(toolServices.tools);
  core.onShutdown(() => checkpoints.stop());
  core.onShutdown(() => tasks.shutdown());
  core.onShutdown(() => messages.shutdown());
  memory.start();
  core.onShutdown(() => memory.stop());
  agents.start();
  core.onShutdown(() => agents.stop());
  core.onShutdown(() => agentic.shutdown());
  catalog.start();
  core.onShutdown(() => catalog.stop());
  const requeued = core.webhooks.start();
  if (requeued) log.warn("queued again webhook deliveries an earlier process left unfinished", { count: requeued });
  core.onShutdown(() => core.webhooks.stop());
  return core;
}
