// Building the model request. prepareTurn checks and resolves everything a turn needs (model, conversation, session
// root, context files, image, tool specs) before anything is written, so every refusal happens up front. ModelInput
// then gives each iteration what the model sees: the system prompt, the stored history that fits the context window
// (older history summarised or left out), and this turn's messages so far.
import { extname, join } from "node:path";
import { readFileSync, statSync } from "node:fs";
import type { ModelEntry } from "../../config";
import { resolveInsideRoots } from "../conversation/context-files";
import type { MessageRow } from "../conversation/conversations";
import { badRequest, conflict, notFound } from "../kernel/errors";
import { canSee } from "../kernel/viewer";
import { newId } from "../kernel/ids";
import type { ChatMessage, ContentPart, ToolSpec, Usage } from "../providers/types";
import type { ToolDefinition, ToolRuntime } from "../tools/types";
import { buildSystemPrompt, DEFAULT_SYSTEM_PROMPT, estimateTokens, fitToWindow, historyUnits, type HistoryUnit, transcriptOf } from "./context";
import { Interrupted, type EngineHost, type PreparedTurn, type TurnState } from "./host";
import type { TurnEvent } from "./schema";
import type { TurnRequest } from "./turn";
import { uploadedName } from "../uploads/uploads";

const IMAGE_TYPES: Record<string, string> = { ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp" };
const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
const SUMMARY_MAX_TOKENS = 1024;

/** Tool specs per agent tool list, with their token estimate; rebuilt when the registry changes (MCP servers come and go). */
export class ToolSpecCache {
  private readonly cache = new Map<string, { specs: ToolSpec[]; tokens: number }>();

  specs(tools: ToolRuntime, names: string[] | undefined, extraTools: ToolDefinition[]): { specs: ToolSpec[]; tokens: number } {
    // A turn's own tools (tasks) are rare: those lists are built fresh.
    if (extraTools.length) {
      const specs = tools.specs(names, extraTools);
      return { specs, tokens: estimateTokens(JSON.stringify(specs)) };
    }
    const key = `${tools.revision}|${names?.join(",") ?? "*"}`;
    let entry = this.cache.get(key);
    if (!entry) {
      // entries of earlier revisions will not be asked for again
      if (this.cache.size > 50) this.cache.clear();
      const specs = tools.specs(names);
      entry = { specs, tokens: estimateTokens(JSON.stringify(specs)) };
      this.cache.set(key, entry);
    }
    return entry;
  }
}

export function prepareTurn(host: EngineHost, request: TurnRequest, toolSpecs: ToolSpecCache): PreparedTurn {
  const { config, conversations, roots } = host;
  if (typeof request.text !== "string" || request.text.trim() === "") throw badRequest("text must not be empty");

  const existing = request.conversationId ? conversations.find(request.conversationId) : request.sessionId ? conversations.latestOfSession(request.sessionId) : undefined;
  // Another user's conversation or session is a 404, exactly as if it did not exist.
  if (existing && !canSee(request.viewer, existing.owner)) {
    throw request.conversationId ? notFound("conversation", request.conversationId) : notFound("session", request.sessionId!);
  }
  const agentId = request.agentId ?? existing?.agentId ?? "default";
  const agent = host.agents.profileFor(agentId, request.viewer);
  const model = resolveModel(host, request.model ?? agent?.model);
  const provider = host.models.providerFor(model);

  const conversationId = existing?.id ?? request.conversationId ?? newId();
  // A conversation belongs to one session (its directory binding and approvals): another session id is refused
  // rather than letting it run the conversation's tools elsewhere.
  if (existing && request.sessionId && request.sessionId !== existing.sessionId) {
    throw conflict(`conversation '${existing.id}' belongs to session '${existing.sessionId}', not '${request.sessionId}'`, {
      conversation_id: existing.id,
      session_id: existing.sessionId,
    });
  }
  const sessionId = existing?.sessionId ?? request.sessionId ?? conversationId;
  conversations.requireSessionFree(sessionId, request.viewer);
  const owner = request.viewer?.user ?? null;
  const boundDirectory = request.directory !== undefined ? conversations.bindSession(sessionId, host.roots.assertAgentRoot(request.directory, "directory"), owner) : conversations.boundDirectory(sessionId);
  const root = boundDirectory ?? roots.activeRoot;
  const extraRoots = boundDirectory ? [boundDirectory] : [];

  const uploadsDir = join(roots.dataDir, "uploads");
  const files = (request.contextFiles ?? []).map((path) => {
    const file = host.contextFiles.read(path, { bases: [root, host.contextFiles.folder], extraRoots });
    return { path: file.requested, content: file.content, name: uploadedName(uploadsDir, file.path) };
  });
  const image = request.imagePath ? loadImage(host, model, request.imagePath, root, extraRoots, uploadsDir) : undefined;

  const maxIterations = Math.max(1, Math.min(100, Math.floor(request.maxIterations ?? config.engine.maxIterations)));
  const extraTools = new Map((request.extraTools ?? []).map((d) => [d.name, d]));
  const { specs: tools, tokens: toolTokens } = toolSpecs.specs(host.tools, agent?.default_tools, [...extraTools.values()]);

  const id = request.turnId ?? newId();
  // The owner travels with every event of the turn, so streams show them only to that user (and admins).
  const scope = { turn_id: id, conversation_id: conversationId, session_id: sessionId, agent_id: agentId, ...(request.viewer ? { owner: request.viewer.user } : {}) };
  const emit = (event: TurnEvent) => void host.bus.publish("turn.event", { ...scope, event });

  return { id, request, text: request.text, model, provider, agentId, agent, conversation: existing, conversationId, sessionId, root, boundDirectory, files, image, maxIterations, tools, toolTokens, extraTools, emit };
}

/** The named model (id or upstream model name), else the current one; refusals say exactly what to set. */
function resolveModel(host: EngineHost, wanted: string | undefined): ModelEntry {
  if (!wanted) return host.models.resolve();
  const byName = host.models.get(wanted) ? wanted : (host.models.list().find((m) => m.model === wanted)?.id ?? wanted);
  return host.models.resolve(byName);
}

function loadImage(host: EngineHost, model: ModelEntry, path: string, root: string, extraRoots: string[], uploadsDir: string): PreparedTurn["image"] {
  const { roots } = host;
  if (!host.models.visionEnabled(model)) throw badRequest(`model '${model.id}' does not accept images (vision is off for it); choose a vision model or drop image_path`);
  const real = resolveInsideRoots(path, [root, roots.workspaceRoot, roots.dataDir], [...roots.readableRoots(), ...extraRoots]);
  const mediaType = IMAGE_TYPES[extname(real).toLowerCase()];
  if (!mediaType) throw badRequest(`image_path must be a PNG, JPEG, GIF or WebP image`, { path });
  const size = statSync(real).size;
  if (size > MAX_IMAGE_BYTES) throw badRequest(`image is ${size} bytes; the limit is ${MAX_IMAGE_BYTES}`, { path });
  return { path, mediaType, base64: readFileSync(real).toString("base64"), name: uploadedName(uploadsDir, real) };
}

/** What the model sees on each iteration of one turn. */
export class ModelInput {
  /** This turn's messages: the user message, then the model's answers and the tool results, as they come. */
  readonly current: ChatMessage[];
  private units: HistoryUnit[];
  private summary: string | undefined;
  private summarised = false;
  /** Long-term memories for this message: recalled on the first model call (null: none). */
  private recalled: { prompt: string } | null | undefined;
  private readonly loaded: MessageRow[];
  private readonly window: number;
  private readonly budget: number;

  constructor(
    private readonly host: EngineHost,
    private readonly turn: PreparedTurn,
    /** The stored user message of this turn (excluded from the history, which it follows). */
    private readonly userRow: MessageRow,
    private readonly state: TurnState,
  ) {
    const rows = host.conversations.messages(turn.conversationId).filter((r) => r.id !== userRow.id);
    const summaryRow = rows.findLast((r) => r.role === "system" && r.messageType === "summary");
    const coveredUntil = Number(summaryRow?.metadata?.covers_until_seq ?? 0);
    this.summary = summaryRow?.content;
    this.loaded = rows.filter((r) => r.role === "system" && r.messageType === "context_file");
    this.units = historyUnits(rows.filter((r) => r.seq > coveredUntil));

    const user: ChatMessage = turn.image
      ? { role: "user", content: [{ type: "text", text: turn.image.name ? `${turn.text}\n[image attached: ${turn.image.name}]` : turn.text }, { type: "image", mediaType: turn.image.mediaType, base64: turn.image.base64 }] as ContentPart[] }
      : { role: "user", content: turn.text };
    this.current = [user];

    this.window = host.models.contextWindow(turn.model);
    const reserve = Math.min(turn.request.maxTokens ?? host.models.maxOutputTokens(turn.model), Math.floor(this.window / 4));
    this.budget = this.window - reserve - turn.toolTokens;
  }

  /** The messages for the next model call. Older history that does not fit is summarised once per turn (when
   *  configured), else left out; either way the turn's context note says so. */
  async messages(signal: AbortSignal): Promise<ChatMessage[]> {
    const { host, state } = this;
    if (this.recalled === undefined) {
      const recalled = await host.memory?.recall({ text: this.turn.text, viewer: this.turn.request.viewer, signal }).catch((error) => void host.log.warn("memory recall failed", { turn_id: this.turn.id, error: String(error) }));
      this.recalled = recalled ?? null;
      if (recalled) state.memoriesUsed = recalled.used;
    }
    let fitted = fitToWindow(this.systemPrompt(), this.units, this.current, this.budget);
    if (fitted.droppedUnits > 0 && host.config.engine.contextStrategy === "summarize" && !this.summarised) {
      this.summarised = true;
      const dropped = this.units.slice(0, fitted.droppedUnits);
      // The summary covers everything stored before the first unit that still fits (or before this turn).
      const coversUntil = (this.units[fitted.droppedUnits]?.firstSeq ?? this.userRow.seq) - 1;
      const text = await summarise(host, this.turn, this.summary, dropped, coversUntil, signal);
      if (text !== undefined) {
        this.summary = text;
        this.units = this.units.slice(fitted.droppedUnits);
        state.contextNote = `${fitted.droppedMessages} older messages were summarised to fit the model's context window (${this.window} tokens).`;
        fitted = fitToWindow(this.systemPrompt(), this.units, this.current, this.budget);
      }
    }
    if (fitted.droppedUnits > 0) {
      this.units = this.units.slice(fitted.droppedUnits);
      const note = `${fitted.droppedMessages} older messages were left out to fit the model's context window (${this.window} tokens).`;
      state.contextNote = state.contextNote ? `${state.contextNote} ${note}` : note;
    }
    return fitted.messages;
  }

  private systemPrompt(): string {
    const { host, turn } = this;
    const prompt = buildSystemPrompt({
      base: turn.request.systemPrompt ?? turn.agent?.system_prompt ?? host.config.systemPrompt ?? DEFAULT_SYSTEM_PROMPT,
      persona: turn.agent?.persona,
      root: turn.root,
      context: turn.request.context,
      files: turn.files,
      loaded: this.loaded,
      summary: this.summary,
    });
    return this.recalled ? `${prompt}\n\n${this.recalled.prompt}` : prompt;
  }
}

/** Condenses dropped history into a short summary (stored as a system message); undefined when it fails. */
async function summarise(
  host: EngineHost,
  turn: PreparedTurn,
  previous: string | undefined,
  dropped: HistoryUnit[],
  coversUntil: number,
  signal: AbortSignal,
): Promise<string | undefined> {
  const transcript = transcriptOf(dropped, Math.max(2000, Math.floor(host.models.contextWindow(turn.model) * 2)));
  const prompt =
    (previous ? `Earlier summary:\n${previous}\n\n` : "") +
    `Conversation excerpt:\n${transcript}\n\nWrite a concise summary of the conversation so far (facts, decisions, open questions, files touched) for the assistant to continue from.`;
  let text = "";
  let usage: Usage = { promptTokens: 0, completionTokens: 0 };
  try {
    for await (const event of turn.provider.stream({
      model: turn.model,
      messages: [
        { role: "system", content: "You summarise conversations between a user and a software assistant. Be factual and brief." },
        { role: "user", content: prompt },
      ],
      maxTokens: SUMMARY_MAX_TOKENS,
      temperature: 0,
      signal,
    })) {
      if (event.type === "text") text += event.delta;
      else if (event.type === "done") usage = event.usage;
    }
  } catch (error) {
    if (signal.aborted) throw new Interrupted();
    host.log.warn("history summary failed; trimming instead", { turn_id: turn.id, error: String(error) });
    return undefined;
  }
  if (!text.trim()) return undefined;
  host.conversations.append(turn.conversationId, {
    role: "system",
    content: text.trim(),
    messageType: "summary",
    agentId: turn.agentId,
    model: turn.model.id,
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    costUsd: host.models.costOf(turn.model, usage),
    metadata: { turn_id: turn.id, covers_until_seq: coversUntil },
  });
  return text.trim();
}
