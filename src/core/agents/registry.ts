// The agents table: every read and write of the registry's rows. Config-file agents are seeded at every start (the
// file is their truth: persona, prompt, model, tools); `default` always exists.
import { asc, eq, inArray, sql } from "drizzle-orm";
import type { AgentEntry } from "../../config";
import type { Db } from "../store/db";
import { agents, type AgentSource } from "../store/schema";

export type AgentRow = typeof agents.$inferSelect;
export type NewAgentRow = Omit<AgentRow, "createdAt" | "updatedAt" | "paused"> & { paused?: boolean };

export const DEFAULT_AGENT = "default";
/** Sub-agents of sub-agents … at most this deep (a runaway spawner stops here). */
export const MAX_AGENT_DEPTH = 4;
/** Sub-agents one agent may have at once. */
export const MAX_CHILDREN = 16;

export class AgentRegistry {
  // Read on every turn (its agent's settings, its activity): prepared once, not rebuilt per call.
  private readonly byId;

  constructor(private readonly db: Db) {
    this.byId = db.select().from(agents).where(eq(agents.id, sql.placeholder("id"))).prepare();
  }

  /**
   * Brings the config file's agents into the table: new ones are added, changed ones updated (pause state kept),
   * ones no longer in the file removed (their sub-agents with them). `default` is added when missing.
   */
  seed(declared: AgentEntry[]): void {
    const now = Date.now();
    this.db.transaction((tx) => {
      const fromFile = new Set(declared.map((a) => a.id));
      const gone = tx.select({ id: agents.id }).from(agents).where(eq(agents.source, "config")).all().filter((r) => !fromFile.has(r.id));
      if (gone.length) tx.delete(agents).where(inArray(agents.id, gone.map((r) => r.id))).run();
      for (const entry of declared) {
        const fields = {
          source: (entry.id === DEFAULT_AGENT ? "builtin" : "config") as AgentSource,
          persona: entry.persona ?? null,
          systemPrompt: entry.system_prompt ?? null,
          modelConfigId: entry.model ?? null,
          defaultTools: entry.default_tools ?? [],
          parent: null,
          sessionId: null,
          owner: null,
          updatedAt: now,
        };
        tx.insert(agents)
          .values({ id: entry.id, ...fields, conversationId: null, createdAt: now })
          .onConflictDoUpdate({ target: agents.id, set: fields })
          .run();
      }
      if (!fromFile.has(DEFAULT_AGENT)) {
        tx.insert(agents)
          .values({ id: DEFAULT_AGENT, source: "builtin", persona: null, systemPrompt: null, modelConfigId: null, defaultTools: [], parent: null, sessionId: null, conversationId: null, owner: null, createdAt: now, updatedAt: now })
          .onConflictDoUpdate({ target: agents.id, set: { source: "builtin", persona: null, systemPrompt: null, modelConfigId: null, defaultTools: [], parent: null, owner: null, updatedAt: now } })
          .run();
      }
    });
  }

  find(id: string): AgentRow | undefined {
    return this.byId.get({ id });
  }

  /** In creation order, `default` first. */
  all(): AgentRow[] {
    return this.db
      .select()
      .from(agents)
      .orderBy(sql`${agents.id} <> ${DEFAULT_AGENT}`, asc(agents.createdAt), asc(agents.id))
      .all();
  }

  childrenOf(id: string): AgentRow[] {
    return this.db.select().from(agents).where(eq(agents.parent, id)).orderBy(asc(agents.createdAt), asc(agents.id)).all();
  }

  /** The agent's sub-agents, their sub-agents, … (depth first, children before their own children). */
  descendantsOf(id: string): AgentRow[] {
    const out: AgentRow[] = [];
    const walk = (parent: string) => {
      for (const child of this.childrenOf(parent)) {
        out.push(child);
        walk(child.id);
      }
    };
    walk(id);
    return out;
  }

  insert(row: NewAgentRow): AgentRow {
    const now = Date.now();
    const full: AgentRow = { ...row, paused: row.paused ?? false, createdAt: now, updatedAt: now };
    this.db.insert(agents).values(full).run();
    return full;
  }

  setPaused(id: string, paused: boolean): void {
    this.db.update(agents).set({ paused, updatedAt: Date.now() }).where(eq(agents.id, id)).run();
  }

  /** Moves a sub-agent into a session; its conversation there is made on its next turn. */
  setSession(id: string, sessionId: string): void {
    this.db.update(agents).set({ sessionId, conversationId: null, updatedAt: Date.now() }).where(eq(agents.id, id)).run();
  }

  setConversation(id: string, conversationId: string): void {
    this.db.update(agents).set({ conversationId, updatedAt: Date.now() }).where(eq(agents.id, id)).run();
  }

  /** Deletes the agent; its sub-agents go with it (foreign key cascade). */
  delete(id: string): void {
    this.db.delete(agents).where(eq(agents.id, id)).run();
  }
}
