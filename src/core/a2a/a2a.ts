// Every agent over A2A (protocol v1.0), with the official SDK's server pieces: a DefaultRequestHandler per call (the
// card names the origin the client reached), over one task record set, one executor per agent and one set of
// per-task event buses. The transports (JSON-RPC, HTTP+JSON) are wired to HTTP by plugins/a2a.ts.
import { Extensions, TaskState, type AgentCard, type Message, type SendMessageRequest, type StreamResponse, type Task } from "@a2a-js/sdk";
import { ContentTypeNotSupportedError, RequestMalformedError, UnsupportedOperationError } from "@a2a-js/sdk/errors";
import { DefaultExecutionEventBusManager, DefaultRequestHandler, ServerCallContext, type A2ARequestHandler, type TaskStore } from "@a2a-js/sdk/server";
import type { Agent } from "../agents/schema";
import type { Conversations } from "../conversation/conversations";
import type { Bus } from "../kernel/bus";
import { canSee, type Viewer } from "../kernel/viewer";
import { agentCardOf } from "./card";
import { TurnExecutor, textOf, type RunAgentTurn } from "./executor";
import { CallerUser, TaskRecords, viewerOf } from "./tasks";

export interface A2AHost {
  /** The agent as `viewer` may see it; unknown (or another user's) is a 404. */
  agent(id: string, viewer: Viewer | undefined): Agent;
  conversations: Conversations;
  bus: Bus;
  runTurn: RunAgentTurn;
  version: string;
  keysRequired: boolean;
}

const A2A_VERSION_HEADER = "a2a-version";
const A2A_EXTENSIONS_HEADER = "a2a-extensions";
const MAX_CONTEXT_ID = 200;

export class A2A {
  readonly records = new TaskRecords();
  // One scope for every caller: which tasks a caller may reach is decided by the task records (owner, agent).
  private readonly buses = new DefaultExecutionEventBusManager(() => "penguin");
  private readonly executors = new Map<string, TurnExecutor>();
  private readonly stores = new Map<string, TaskStore>();

  constructor(private readonly host: () => A2AHost) {}

  /** Subscribes what the records follow (deleted conversations); returns the unsubscribe. */
  start(): () => void {
    return this.host().bus.subscribe((e) => this.records.forgetContext(e.data.conversation_id), ["conversation.deleted"]);
  }

  /** The agent's card as seen from `origin`; an unknown agent is a 404. */
  card(agentId: string, origin: string, viewer: Viewer | undefined): AgentCard {
    const host = this.host();
    return agentCardOf(host.agent(agentId, viewer), { origin, version: host.version, keysRequired: host.keysRequired });
  }

  /** The request handler for one call of `viewer` to `agentId` (404 for an unknown agent). */
  handler(agentId: string, origin: string, viewer: Viewer | undefined): A2ARequestHandler {
    const card = this.card(agentId, origin, viewer);
    let executor = this.executors.get(agentId);
    if (!executor) this.executors.set(agentId, (executor = new TurnExecutor(agentId, this.records, this.host().bus, (id, request) => this.host().runTurn(id, request))));
    let store = this.stores.get(agentId);
    if (!store) this.stores.set(agentId, (store = this.records.storeFor(agentId)));
    return new PenguinRequestHandler(card, store, executor, this.buses, agentId, this);
  }

  /** The SDK's call context for a caller and its request headers. */
  callContext(viewer: Viewer | undefined, headers: Headers): ServerCallContext {
    return new ServerCallContext({
      user: new CallerUser(viewer),
      requestedVersion: headers.get(A2A_VERSION_HEADER) ?? undefined,
      requestedExtensions: Extensions.parseServiceParameter(headers.get(A2A_EXTENSIONS_HEADER) ?? undefined),
    });
  }

  /** Refuses, before any task exists, what a turn could not take: no text, files, a context that is another user's or
   *  another agent's conversation, a follow-up to a task that is still running. */
  admit(agentId: string, request: SendMessageRequest, context: ServerCallContext): void {
    const message: Message | undefined = request.message;
    if (!message) return; // the SDK answers that one
    if (message.parts.some((p) => p.content?.$case === "url" || p.content?.$case === "raw")) {
      throw new ContentTypeNotSupportedError("Penguin agents take text and data parts; upload files to the server and name their paths in the text");
    }
    if (!textOf(message)) throw new RequestMalformedError("the message has no text: send at least one non-empty text part");
    if (message.contextId) {
      if (message.contextId.length > MAX_CONTEXT_ID) throw new RequestMalformedError(`contextId is longer than ${MAX_CONTEXT_ID} characters`);
      const conversation = this.host().conversations.find(message.contextId);
      if (conversation && !canSee(viewerOf(context), conversation.owner)) throw new RequestMalformedError(`no context '${message.contextId}'`);
      if (conversation && conversation.agentId !== agentId) {
        throw new RequestMalformedError(`context '${message.contextId}' is a conversation of agent '${conversation.agentId}'; send it to that agent`);
      }
    }
    const running = message.taskId ? this.records.visible(message.taskId, agentId, viewerOf(context)) : undefined;
    if (running?.controller) {
      const waiting = running.task.status?.state === TaskState.TASK_STATE_INPUT_REQUIRED;
      throw new UnsupportedOperationError(
        `task '${running.task.id}' is still running${waiting ? " and waits for an approval: answer it with POST /api/v1/approvals/{id}/approve or /deny" : ""}; ` +
          "send a new message without taskId to start another task in the same context, or cancel this one",
      );
    }
  }
}

/** The SDK's handler, with Penguin's admission checks in front of the two calls that start a task. */
class PenguinRequestHandler extends DefaultRequestHandler {
  constructor(
    card: AgentCard,
    store: TaskStore,
    executor: TurnExecutor,
    buses: DefaultExecutionEventBusManager,
    private readonly agentId: string,
    private readonly a2a: A2A,
  ) {
    super(card, store, executor, buses);
  }

  override async sendMessage(params: SendMessageRequest, context: ServerCallContext): Promise<Message | Task> {
    this.a2a.admit(this.agentId, params, context);
    return super.sendMessage(params, context);
  }

  override async *sendMessageStream(params: SendMessageRequest, context: ServerCallContext): AsyncGenerator<StreamResponse, void, undefined> {
    this.a2a.admit(this.agentId, params, context);
    yield* super.sendMessageStream(params, context);
  }
}
