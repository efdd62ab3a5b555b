// POST /v1/commands/parse: free text → a structured command, by the current model, without executing anything.
// The model is shown the commands this server answers and asked for one JSON object (ModelParseAnswer); the answer is
// validated with TypeBox before anything is returned. An answer that is not that object is an UPSTREAM_ERROR (502)
// that says what was wrong; a command name the server does not know comes back as `parsed: false`.
// The call stores no message, so its usage is kept as a model call of the caller (usage reports count it).
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { ConversationRepository } from "../conversation/repository";
import { AppError } from "../kernel/errors";
import type { ModelCatalog } from "../providers/models";
import { ProviderError, type Usage } from "../providers/types";
import type { CommandCatalog } from "../catalog/catalog";
import type { NamedCommands } from "./named";
import { ModelParseAnswer, type ParseResponse } from "./schema";

const answerCheck = TypeCompiler.Compile(ModelParseAnswer);
const CATALOG_IN_PROMPT = 200;

export interface ParseDeps {
  models: ModelCatalog;
  named: NamedCommands;
  catalog: CommandCatalog;
  /** Where the call's usage is kept. */
  usage: Pick<ConversationRepository, "recordModelCall">;
  /** The user who asked (ownerOf the caller); null: admins only. */
  owner: string | null;
}

export function parsePrompt(input: string, deps: Pick<ParseDeps, "named" | "catalog">): string {
  const named = deps.named.describe().map((c) => `- ${c.name}${c.arguments.length ? ` (args: ${c.arguments.join(", ")})` : ""}: ${c.description}`);
  const catalog = deps.catalog.list({ limit: CATALOG_IN_PROMPT }).map((c) => {
    const params = Object.keys(c.parameters);
    return `- ${c.id}${params.length ? ` (args: ${params.join(", ")})` : ""}: ${c.name} — ${c.description}`;
  });
  return [
    "Map the user's request to one of the commands below. Do not run anything.",
    "",
    "Named commands:",
    ...named,
    "",
    "Host command catalog (use the id as type):",
    ...catalog,
    "",
    'Answer with only a JSON object, no other text: {"command": {"type": "<command name or catalog id>", "args": {<argument: value>}}, "confidence": <0 to 1>}.',
    'If no command fits, answer {"command": null, "confidence": <0 to 1>}.',
    "",
    "Request:",
    input.trim(),
  ].join("\n");
}

export async function parseCommand(input: string, deps: ParseDeps): Promise<ParseResponse> {
  const model = deps.models.resolve();
  let text = "";
  let usage: Usage | undefined;
  try {
    for await (const event of deps.models.providerFor(model).stream({
      model,
      messages: [
        { role: "system", content: "You turn requests into structured commands. You answer with one JSON object only." },
        { role: "user", content: parsePrompt(input, deps) },
      ],
      temperature: 0,
      maxTokens: 512,
      signal: AbortSignal.timeout(60_000),
    })) {
      if (event.type === "text") text += event.delta;
      else if (event.type === "done") usage = event.usage;
    }
  } catch (error) {
    if (error instanceof ProviderError) throw new AppError("UPSTREAM_ERROR", `the model could not be asked: ${error.message}`, { status: error.status ?? null });
    throw error;
  }
  // Counted whatever the answer turns out to be: the tokens were spent.
  if (usage) {
    deps.usage.recordModelCall({
      kind: "command",
      conversationId: null,
      owner: deps.owner,
      agentId: "default",
      model: model.id,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      costUsd: deps.models.costOf(model, usage),
    });
  }
  const answer = readAnswer(text);
  if (!answer.command) return { parsed: false, command: null, confidence: answer.confidence, requires_approval: false };
  const known = deps.named.requiresApproval(answer.command.type);
  const args = answer.command.args ?? {};
  if (!known) return { parsed: false, command: { type: answer.command.type, args }, confidence: answer.confidence, requires_approval: true };
  return { parsed: true, command: { type: known.name, kind: known.kind, args }, confidence: answer.confidence, requires_approval: known.requiresApproval };
}

/** The model's JSON (a ```json fence around it is tolerated), checked against ModelParseAnswer. */
function readAnswer(text: string): ModelParseAnswer {
  const trimmed = text.trim();
  const body = trimmed.match(/^```(?:json)?\s*([\s\S]*?)\s*```$/)?.[1] ?? trimmed;
  const invalid = (problem: string) =>
    new AppError("UPSTREAM_ERROR", `the model's answer is not a valid structured command: ${problem}`, { problem, answer: trimmed.slice(0, 2000) });
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw invalid("it is not JSON");
  }
  if (!answerCheck.Check(value)) {
    const first = answerCheck.Errors(value).First();
    throw invalid(`${first?.path || "the answer"}: ${first?.message ?? "does not match"}`);
  }
  return value;
}
