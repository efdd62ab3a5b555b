// An agent's conversations as the API shows them: its history (the conversation its work continues, else its most
// recent one), the sessions it worked in, and one session's history. Only what the viewer may see.
import type { Conversations } from "../conversation/conversations";
import { toMessageView } from "../conversation/conversations";
import type { ConversationSummary, Message } from "../conversation/schema";
import { notFound } from "../kernel/errors";
import type { Viewer } from "../kernel/viewer";
import type { Agents } from "./agents";
import type { AgentSession } from "./schema";

/** Conversations of one agent looked at for its sessions (newest first). */
const MAX_CONVERSATIONS = 1000;

export interface HistoryOptions {
  includeSystem?: boolean;
  limit?: number;
}

export class AgentHistory {
  constructor(
    private readonly agents: Agents,
    private readonly conversations: Conversations,
  ) {}

  /** The agent's messages in its own conversation (the one its work continues), else in its latest one. */
  history(agentId: string, options: HistoryOptions, viewer?: Viewer): { agent_id: string; conversation_id: string | null; messages: Message[] } {
    const agent = this.agents.requireRow(agentId, viewer);
    const own = agent.conversationId ? this.conversations.find(agent.conversationId) : undefined;
    const conversationId = own && this.visible(own.id, viewer) ? own.id : this.conversations.list({ agentId, viewer, limit: 1 }).conversations[0]?.conversation_id;
    if (!conversationId) return { agent_id: agentId, conversation_id: null, messages: [] };
    const rows = this.conversations.history(conversationId, { includeSystem: options.includeSystem, limit: options.limit, agentId }, viewer);
    return { agent_id: agentId, conversation_id: conversationId, messages: rows.map(toMessageView) };
  }

  /** The sessions the agent has conversations in, most recently active first. */
  sessions(agentId: string, viewer?: Viewer): { agent_id: string; sessions: AgentSession[] } {
    this.agents.requireRow(agentId, viewer);
    const bySession = new Map<string, ConversationSummary[]>();
    for (const c of this.conversationsOf(agentId, viewer)) {
      const list = bySession.get(c.session_id) ?? [];
      list.push(c);
      bySession.set(c.session_id, list);
    }
    const sessions = [...bySession].map(([sessionId, list]) => ({
      session_id: sessionId,
      conversations: list.map((c) => c.conversation_id),
      message_count: list.reduce((n, c) => n + c.message_count, 0),
      last_active: list.map((c) => c.last_active).sort().at(-1)!,
    }));
    sessions.sort((a, b) => b.last_active.localeCompare(a.last_active));
    return { agent_id: agentId, sessions };
  }

  /** The agent's messages in one session (all its conversations there, in time order). A session it has none in: 404. */
  sessionHistory(agentId: string, sessionId: string, options: HistoryOptions, viewer?: Viewer): { agent_id: string; session_id: string; messages: Message[] } {
    this.agents.requireRow(agentId, viewer);
    const inSession = this.conversations.list({ agentId, sessionId, viewer, limit: 500 }).conversations;
    if (!inSession.length) throw notFound("session", sessionId);
    const messages = inSession
      .flatMap((c) => this.conversations.history(c.conversation_id, { includeSystem: options.includeSystem, agentId }, viewer).map(toMessageView))
      .sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    return { agent_id: agentId, session_id: sessionId, messages: options.limit ? messages.slice(-options.limit) : messages };
  }

  private conversationsOf(agentId: string, viewer?: Viewer): ConversationSummary[] {
    return this.conversations.list({ agentId, viewer, limit: MAX_CONVERSATIONS }).conversations;
  }

  private visible(conversationId: string, viewer?: Viewer): boolean {
    try {
      this.conversations.get(conversationId, viewer);
      return true;
    } catch {
      return false;
    }
  }
}
