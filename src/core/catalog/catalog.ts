// The host command catalog: entries in SQLite (seeded once with DEFAULT_COMMANDS), and their execution.
// Executing never involves a shell: the stored argument vector (placeholders filled with checked values) is spawned
// through the sandbox in the active root, without the network unless the entry's category is "network" (and then only
// after a human approved it). The permission policy judges the line as process.execute: deny refuses, ask — like
// requires_approval, a risk level above safe or a network command — creates an approval request; approving it runs
// the command exactly once, denying or letting it expire never runs it. Every execution is recorded.
import { and, asc, count, desc, eq, inArray, or, sql } from "drizzle-orm";
import { AppError, notFound } from "../kernel/errors";
import { newId } from "../kernel/ids";
import type { Bus } from "../kernel/bus";
import type { Logger } from "../kernel/log";
import { ownerLimit, ownerOf, requireAdmin, requireVisible, type Viewer } from "../kernel/viewer";
import type { Approvals } from "../permission/approvals";
import type { AuditLog } from "../permission/audit";
import type { PermissionPolicy } from "../permission/policy";
import type { Roots } from "../fs/roots";
import type { Sandbox } from "../sandbox";
import type { Db } from "../store/db";
import { commandCatalog, commandCatalogSeeds, commandExecutions, type ExecutionStatusValue } from "../store/schema";
import { iso, isoOrNull } from "../store/values";
import { checkDeclarations, fillArgv, joinArgv, splitCommandLine } from "./argv";
import { DEFAULT_COMMANDS, DEFAULTS_VERSION } from "./defaults";
import type { CatalogCommand, CommandExecution, NewCatalogCommand } from "./schema";
import type { CatalogSettings } from "../../config/catalog";

export interface CatalogDeps {
  db: Db;
  bus: Bus;
  log: Logger;
  sandbox: Sandbox;
  roots: Roots;
  permissions: PermissionPolicy;
  approvals: Approvals;
  /** Every decision about an execution is recorded like a tool call's (tool_name command_catalog). */
  audit: AuditLog;
  /** How long one command may run, and how much of its output is kept ([catalog]). */
  settings: () => CatalogSettings;
}

export interface ExecuteOutcome {
  execution: CommandExecution;
  /** false: it waits for approval (202). */
  ran: boolean;
}

type CommandRow = typeof commandCatalog.$inferSelect;
type ExecutionRow = typeof commandExecutions.$inferSelect;

const changes = (result: unknown): number => (result as { changes?: number } | undefined)?.changes ?? 0;

export class CommandCatalog {
  private readonly running = new Set<AbortController>();

  constructor(private readonly deps: CatalogDeps) {}

  /** First start: the default commands. Executions an earlier process left waiting or running are closed. */
  start(): void {
    const { db } = this.deps;
    const seeded = db.select().from(commandCatalogSeeds).where(eq(commandCatalogSeeds.version, DEFAULTS_VERSION)).get();
    if (!seeded) {
      const now = Date.now();
      db.transaction((tx) => {
        for (const d of DEFAULT_COMMANDS) {
          tx.insert(commandCatalog)
            .values({
              id: d.id,
              name: d.name,
              description: d.description,
              argv: d.argv,
              category: d.category,
              riskLevel: d.risk_level ?? "safe",
              os: "linux",
              requiresApproval: d.requires_approval ?? false,
              parameters: d.parameters ?? {},
              builtin: true,
              createdAt: now,
              updatedAt: now,
            })
            .onConflictDoNothing()
            .run();
        }
        tx.insert(commandCatalogSeeds).values({ version: DEFAULTS_VERSION, seededAt: now }).run();
      });
      this.deps.log.info("command catalog seeded", { commands: DEFAULT_COMMANDS.length });
    }
    const now = Date.now();
    const lost = changes(
      db
        .update(commandExecutions)
        .set({ status: "expired", reason: "the server stopped before it was decided or finished", finishedAt: now })
        .where(inArray(commandExecutions.status, ["awaiting_approval", "running"]))
        .run(),
    );
    if (lost) this.deps.log.warn("catalog executions left open by an earlier process marked expired", { count: lost });
  }

  /** Running commands are killed (their executions end as cancelled). */
  stop(): void {
    for (const controller of this.running) controller.abort();
  }

  list(options: { limit?: number; offset?: number } = {}): CatalogCommand[] {
    return this.deps.db
      .select()
      .from(commandCatalog)
      .orderBy(asc(commandCatalog.createdAt), asc(commandCatalog.name))
      .limit(options.limit ?? 100)
      .offset(options.offset ?? 0)
      .all()
      .map(toView);
  }

  count(): number {
    return this.deps.db.select({ n: count() }).from(commandCatalog).get()?.n ?? 0;
  }

  /** Every word of `q` must appear in the name, description, category or command (case-insensitive). */
  search(q: string, limit = 100): CatalogCommand[] {
    const words = q.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 10);
    const conditions = words.map((word) => {
      const pattern = `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const match = (column: unknown) => sql`lower(${column}) LIKE ${pattern} ESCAPE '\\'`;
      return or(match(commandCatalog.name), match(commandCatalog.description), match(commandCatalog.category), match(commandCatalog.argv));
    });
    return this.deps.db
      .select()
      .from(commandCatalog)
      .where(and(...conditions))
      .orderBy(asc(commandCatalog.name))
      .limit(limit)
      .all()
      .map(toView);
  }

  get(id: string): CatalogCommand {
    return toView(this.row(id));
  }

  /** An entry by id, else by name (case-insensitive). */
  find(idOrName: string): CatalogCommand | undefined {
    const { db } = this.deps;
    const row =
      db.select().from(commandCatalog).where(eq(commandCatalog.id, idOrName)).get() ??
      db.select().from(commandCatalog).where(sql`${commandCatalog.name} = ${idOrName} COLLATE NOCASE`).get();
    return row && toView(row);
  }

  create(input: NewCatalogCommand, viewer?: Viewer): CatalogCommand {
    requireAdmin(viewer, "Adding to the command catalog");
    if ((input.command === undefined) === (input.argv === undefined)) {
      throw new AppError("VALIDATION_ERROR", "give the command either as `command` (a line) or as `argv` (a list), not both and not neither", {
        fields: [{ field: "command", message: "exactly one of command and argv" }],
      });
    }
    const argv = input.argv ?? splitCommandLine(input.command!);
    if (!argv[0]) throw new AppError("VALIDATION_ERROR", "the program is empty", { fields: [{ field: "argv", message: "the first argument names the program" }] });
    const parameters = input.parameters ?? {};
    checkDeclarations(argv, parameters);
    const name = input.name.trim();
    if (this.find(name)) throw new AppError("CONFLICT", `a catalog command named '${name}' exists already`, { name });
    const now = Date.now();
    const row: CommandRow = {
      id: `custom-${slug(name)}-${newId().slice(0, 8)}`,
      name,
      description: input.description ?? "",
      argv,
      category: input.category ?? "custom",
      riskLevel: input.risk_level ?? "safe",
      os: input.os ?? "linux",
      requiresApproval: input.requires_approval ?? false,
      parameters,
      builtin: false,
      createdAt: now,
      updatedAt: now,
    };
    this.deps.db.insert(commandCatalog).values(row).run();
    return toView(row);
  }

  delete(id: string, viewer?: Viewer): void {
    requireAdmin(viewer, "Deleting from the command catalog");
    this.row(id);
    this.deps.db.delete(commandCatalog).where(eq(commandCatalog.id, id)).run();
  }

  /** Runs the entry now, or records an approval request it waits for (`ran: false`). */
  async execute(id: string, args: Record<string, string | number> | undefined, viewer?: Viewer): Promise<ExecuteOutcome> {
    const command = this.row(id);
    const argv = fillArgv(command.argv, command.parameters, args);
    const root = this.deps.roots.activeRoot;
    const line = joinArgv(argv);
    const network = command.category === "network";
    const verdict = this.deps.permissions.check({ operation: "process.execute", resource: line, root });
    const owner = ownerOf(viewer) ?? undefined;
    const audit = (result: "allow" | "ask" | "deny", reason: string, policy: string, decidedBy?: string | null) =>
      this.deps.audit.record({ operation: "process.execute", resource: line, result, reason, policy, toolName: "command_catalog", owner, decidedBy });
    if (verdict.result === "deny") {
      audit("deny", verdict.reason, verdict.policy);
      throw new AppError("FORBIDDEN", `The permission policy refuses this command: ${verdict.reason}`, { policy: verdict.policy, command: line });
    }
    const asks = [
      command.requiresApproval ? "the catalog entry requires approval" : "",
      command.riskLevel !== "safe" ? `its risk level is ${command.riskLevel}` : "",
      network ? "it runs with the host's network" : "",
      verdict.result === "ask" ? verdict.reason : "",
    ].filter(Boolean);
    const now = Date.now();
    const row: ExecutionRow = {
      id: newId(),
      commandId: command.id,
      commandName: command.name,
      argv,
      status: asks.length ? "awaiting_approval" : "running",
      reason: asks.length ? `Approval needed: ${asks.join("; ")}` : verdict.reason,
      approvalRequestId: null,
      network,
      sandboxMode: this.deps.sandbox.status.mode,
      root,
      exitCode: null,
      output: "",
      truncated: false,
      owner: ownerOf(viewer),
      decidedBy: null,
      createdAt: now,
      startedAt: asks.length ? null : now,
      finishedAt: null,
    };
    this.deps.db.insert(commandExecutions).values(row).run();
    if (!asks.length) {
      audit("allow", verdict.reason, verdict.policy);
      this.announce(row.id);
      await this.run(row);
      return { execution: this.execution(row.id), ran: true };
    }
    const outcome = this.deps.approvals.ask({
      toolName: "command_catalog",
      operation: "process.execute",
      resource: line,
      reason: `Catalog command "${command.name}": ${asks.join("; ")}`,
      // an execution of its own: a grant made while approving it covers nothing else
      sessionId: `catalog-execution-${row.id}`,
      owner: row.owner ?? undefined,
      onCreated: (request) => {
        audit("ask", `${asks.join("; ")} (approval request ${request.id})`, verdict.result === "ask" ? verdict.policy : "catalog");
        this.deps.db.update(commandExecutions).set({ approvalRequestId: request.id }).where(eq(commandExecutions.id, row.id)).run();
        this.announce(row.id);
      },
    });
    void outcome.then(async (decision) => {
      const by = "decidedBy" in decision ? decision.decidedBy : null;
      audit(decision.status === "approved" ? "allow" : "deny", `${decision.status === "approved" ? "Approved" : `Not run: ${decision.status}`}${by ? ` by ${by}` : ""} (request ${decision.requestId})`, "approval", by);
      if (decision.status !== "approved") {
        this.close(row.id, decision.status, `Not run: the approval request was ${decision.status}`, "decidedBy" in decision ? decision.decidedBy : null);
        return;
      }
      // exactly once: only the first transition out of awaiting_approval runs it
      const claimed = changes(
        this.deps.db
          .update(commandExecutions)
          .set({ status: "running", startedAt: Date.now(), decidedBy: decision.decidedBy, reason: `Approved${decision.decidedBy ? ` by ${decision.decidedBy}` : ""}` })
          .where(and(eq(commandExecutions.id, row.id), eq(commandExecutions.status, "awaiting_approval")))
          .run(),
      );
      if (!claimed) return;
      this.announce(row.id);
      await this.run(row);
    }).catch((error) => this.deps.log.error("catalog execution after approval failed", { execution_id: row.id, error: String(error) }));
    return { execution: this.execution(row.id), ran: false };
  }

  /** Announces the execution's current state (command.execution). */
  private announce(id: string): void {
    const row = this.deps.db.select().from(commandExecutions).where(eq(commandExecutions.id, id)).get();
    if (!row) return;
    this.deps.bus.publish("command.execution", {
      execution_id: row.id,
      command_id: row.commandId,
      command: joinArgv(row.argv),
      status: row.status,
      exit_code: row.exitCode,
      approval_request_id: row.approvalRequestId,
      owner: row.owner,
    });
  }

  /** Recorded executions, newest first; a `user` key lists only its own. */
  executions(options: { limit?: number; offset?: number; viewer?: Viewer } = {}): CommandExecution[] {
    const owner = ownerLimit(options.viewer);
    return this.deps.db
      .select()
      .from(commandExecutions)
      .where(owner !== undefined ? eq(commandExecutions.owner, owner) : undefined)
      .orderBy(desc(commandExecutions.createdAt), desc(commandExecutions.id))
      .limit(options.limit ?? 50)
      .offset(options.offset ?? 0)
      .all()
      .map(toExecutionView);
  }

  /** A recorded execution; a `user` key sees only its own (others 404). */
  execution(id: string, viewer?: Viewer): CommandExecution {
    const row = this.deps.db.select().from(commandExecutions).where(eq(commandExecutions.id, id)).get();
    return toExecutionView(requireVisible(row, viewer, "Command execution", id));
  }

  /** Spawns the vector in the sandbox, collects capped output, records the result. Never throws. */
  private async run(row: ExecutionRow): Promise<void> {
    const { timeoutMs, maxOutputBytes } = this.deps.settings();
    const controller = new AbortController();
    this.running.add(controller);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const proc = await this.deps.sandbox.spawn(
        row.argv,
        { root: row.root, network: row.network, env: { GIT_OPTIONAL_LOCKS: "0", GIT_TERMINAL_PROMPT: "0", LC_ALL: "C.UTF-8" } },
        { stdin: "ignore", signal: controller.signal },
      );
      const { text, truncated } = await readCapped(proc.stdout, maxOutputBytes);
      const exitCode = await proc.exited;
      const status: ExecutionStatusValue = controller.signal.aborted && !timedOut ? "cancelled" : exitCode === 0 && !timedOut ? "completed" : "failed";
      const reason = timedOut ? `Timed out after ${timeoutMs / 1000} s and was killed` : status === "cancelled" ? "The server stopped while it ran" : "";
      this.deps.db
        .update(commandExecutions)
        .set({ status, exitCode, output: text, truncated, finishedAt: Date.now(), ...(reason ? { reason } : {}) })
        .where(eq(commandExecutions.id, row.id))
        .run();
      this.announce(row.id);
    } catch (error) {
      this.close(row.id, "failed", `Could not start: ${(error as Error).message}`, undefined, ["running"]);
    } finally {
      clearTimeout(timer);
      this.running.delete(controller);
    }
  }

  private close(id: string, status: ExecutionStatusValue, reason: string, decidedBy?: string | null, from: ExecutionStatusValue[] = ["awaiting_approval"]): void {
    const closed = this.deps.db
      .update(commandExecutions)
      .set({ status, reason, finishedAt: Date.now(), ...(decidedBy ? { decidedBy } : {}) })
      .where(and(eq(commandExecutions.id, id), inArray(commandExecutions.status, from)))
      .run();
    if (changes(closed)) this.announce(id);
  }

  private row(id: string): CommandRow {
    const row = this.deps.db.select().from(commandCatalog).where(eq(commandCatalog.id, id)).get();
    if (!row) throw notFound("Catalog command", id);
    return row;
  }
}

/** Reads a stream to its end, keeping the first `max` bytes (the rest is drained so the process never blocks). */
async function readCapped(stream: ReadableStream<Uint8Array>, max: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let truncated = false;
  for await (const chunk of stream) {
    if (kept >= max) {
      truncated = true;
      continue;
    }
    const part = chunk.byteLength > max - kept ? chunk.subarray(0, max - kept) : chunk;
    if (part !== chunk) truncated = true;
    chunks.push(part);
    kept += part.byteLength;
  }
  return { text: new TextDecoder().decode(Buffer.concat(chunks)), truncated };
}

const slug = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 40) || "command";

function toView(row: CommandRow): CatalogCommand {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    command: joinArgv(row.argv),
    argv: row.argv,
    category: row.category,
    risk_level: row.riskLevel,
    os: row.os,
    requires_approval: row.requiresApproval,
    parameters: row.parameters,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

function toExecutionView(row: ExecutionRow): CommandExecution {
  return {
    id: row.id,
    command_id: row.commandId,
    command_name: row.commandName,
    command: joinArgv(row.argv),
    argv: row.argv,
    status: row.status,
    reason: row.reason,
    approval_request_id: row.approvalRequestId,
    network: row.network,
    sandbox: row.sandboxMode,
    root: row.root,
    exit_code: row.exitCode,
    output: row.output,
    truncated: row.truncated,
    requested_by: row.owner,
    decided_by: row.decidedBy,
    created_at: iso(row.createdAt),
    started_at: isoOrNull(row.startedAt),
    finished_at: isoOrNull(row.finishedAt),
    duration_ms: row.startedAt !== null && row.finishedAt !== null ? row.finishedAt - row.startedAt : null,
  };
}
