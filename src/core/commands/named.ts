// POST /v1/commands: a command by name. Built in: `help` (every command this server answers) and `briefing` (a real
// summary of the workspace). Then saved prompts from [[commands]] (a turn of their agent; a saved command may take
// over an integration's name), then catalog commands by id or name (through the catalog: sandbox, policy, approval).
// `weather`, `calendar` and `emails` need an integration this server does not have: 501 naming what to configure.
import { AppError } from "../kernel/errors";
import type { Viewer } from "../kernel/viewer";
import type { CommandCatalog } from "../catalog/catalog";
import type { TurnRequest, TurnResult } from "../engine/turn";
import { briefing, type BriefingDeps } from "./briefing";
import type { CommandDescription, CommandResponse } from "./schema";
import type { SavedCommand } from "../../config/commands";

export interface NamedCommandDeps extends BriefingDeps {
  catalog: CommandCatalog;
  saved: () => SavedCommand[];
  runTurn: (agentId: string, request: TurnRequest) => Promise<TurnResult>;
}

export type CommandArgs = Record<string, string | number | boolean>;

const BUILTINS: CommandDescription[] = [
  { name: "help", description: "List the commands this server answers", kind: "builtin", arguments: [], available: true },
  {
    name: "briefing",
    description: "Summary of the workspace: running and recent tasks, pending approvals, recent conversations, the active root's git status",
    kind: "builtin",
    arguments: [],
    available: true,
  },
];

const INTEGRATIONS: (CommandDescription & { needs: string })[] = [
  {
    name: "weather",
    description: "Current weather",
    kind: "integration",
    arguments: ["location"],
    available: false,
    needs: 'a weather provider: this server has none built in; define [[commands]] name = "weather" with a prompt for an agent that has a weather tool (e.g. an MCP server)',
  },
  {
    name: "calendar",
    description: "Today's events",
    kind: "integration",
    arguments: ["days"],
    available: false,
    needs: 'a calendar provider (CalDAV): this server has none built in; define [[commands]] name = "calendar" with a prompt for an agent that has a calendar tool (e.g. an MCP server)',
  },
  {
    name: "emails",
    description: "Email summary",
    kind: "integration",
    arguments: ["count"],
    available: false,
    needs: 'an email provider (IMAP): this server has none built in; define [[commands]] name = "emails" with a prompt for an agent that has a mail tool (e.g. an MCP server)',
  },
];

/** The answer and its HTTP status (202 while a catalog command waits for approval). */
export interface CommandOutcome {
  status: 200 | 202;
  body: CommandResponse;
}

export class NamedCommands {
  constructor(private readonly deps: NamedCommandDeps) {}

  /** Every command by name: built-ins, saved prompts, the integrations (with what they need). Catalog entries are
   *  listed by GET /v1/commands/catalog. */
  describe(): CommandDescription[] {
    const saved = this.deps.saved();
    const savedNames = new Set(saved.map((s) => s.name.toLowerCase()));
    return [
      ...BUILTINS,
      ...saved.map((s): CommandDescription => ({ name: s.name, description: s.description || `Asks agent ${s.agent}`, kind: "saved_prompt", arguments: placeholders(s.prompt), available: true })),
      ...INTEGRATIONS.filter((i) => !savedNames.has(i.name)),
    ];
  }

  async run(name: string, args: CommandArgs = {}, viewer?: Viewer): Promise<CommandOutcome> {
    const key = name.trim().toLowerCase();
    const done = (command: string, result: Record<string, unknown>, status: CommandResponse["status"] = "completed", code: 200 | 202 = 200): CommandOutcome => ({
      status: code,
      body: { command, status, result, executed_at: new Date().toISOString() },
    });
    if (key === "help") {
      return done("help", {
        commands: this.describe(),
        catalog: { count: this.deps.catalog.count(), list: "GET /v1/commands/catalog", run: 'POST /v1/commands {"command": "<catalog id or name>"}' },
      });
    }
    if (key === "briefing") return done("briefing", await briefing(this.deps, viewer));

    const saved = this.deps.saved().find((s) => s.name.toLowerCase() === key);
    if (saved) {
      const turn = await this.deps.runTurn(saved.agent, { text: fillPrompt(saved.prompt, args), viewer });
      return done(saved.name, {
        agent_id: saved.agent,
        response: turn.response,
        conversation_id: turn.conversationId,
        turn_id: turn.turnId,
        interrupted: turn.interrupted,
      });
    }

    const integration = INTEGRATIONS.find((i) => i.name === key);
    if (integration) {
      throw new AppError("NOT_IMPLEMENTED", `'${integration.name}' needs ${integration.needs}`, { command: integration.name, needs: integration.needs });
    }

    const entry = this.deps.catalog.find(name.trim());
    if (entry) {
      const values: Record<string, string | number> = {};
      for (const [k, v] of Object.entries(args)) values[k] = typeof v === "boolean" ? String(v) : v;
      const { execution, ran } = await this.deps.catalog.execute(entry.id, values, viewer);
      const status = !ran ? "awaiting_approval" : execution.status === "completed" ? "completed" : "failed";
      return done(entry.name, { execution }, status, ran ? 200 : 202);
    }
    throw new AppError("NOT_FOUND", `no command '${name}': POST /v1/commands {"command": "help"} lists them; catalog commands are run by id or name`, {
      command: name,
      available: this.describe().map((c) => c.name),
    });
  }

  /** Whether running the command would ask a human first; undefined when there is no such command. */
  requiresApproval(name: string): { kind: CommandDescription["kind"]; requiresApproval: boolean; name: string } | undefined {
    const key = name.trim().toLowerCase();
    const named = this.describe().find((c) => c.name.toLowerCase() === key);
    if (named) return { kind: named.kind, requiresApproval: false, name: named.name };
    const entry = this.deps.catalog.find(name.trim());
    if (!entry) return undefined;
    return { kind: "catalog", requiresApproval: entry.requires_approval || entry.risk_level !== "safe" || entry.category === "network", name: entry.id };
  }
}

const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g;

const placeholders = (prompt: string): string[] => [...new Set([...prompt.matchAll(PLACEHOLDER)].map((m) => m[1]!))];

function fillPrompt(prompt: string, args: CommandArgs): string {
  const missing = placeholders(prompt).filter((name) => args[name] === undefined);
  if (missing.length) {
    throw new AppError("VALIDATION_ERROR", `missing argument${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}`, {
      fields: missing.map((name) => ({ field: `args.${name}`, message: "required by this command's prompt" })),
    });
  }
  return prompt.replace(PLACEHOLDER, (_, name: string) => String(args[name]));
}

