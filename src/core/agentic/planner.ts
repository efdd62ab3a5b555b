// What the planner, the sub-agents and the final combination are asked, and how the planner's answer becomes a plan.
// The planner answers with JSON (PlanAnswer in ./schema.ts); the answer is parsed and validated here before anything
// runs, and what is wrong with it is worded so the model can fix it on its one retry.
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { PlanAnswer } from "./schema";

export interface AgentChoice {
  id: string;
  persona?: string | null;
}

export interface PlanningContext {
  description: string;
  maxSubTasks: number;
  /** The agents a sub-task may name; "default" is always one of them. */
  agents: AgentChoice[];
}

export interface PlannedSubTask {
  description: string;
  agentId: string;
}

export interface Plan {
  summary: string;
  subTasks: PlannedSubTask[];
}

export type ParsedPlan = { ok: true; plan: Plan } | { ok: false; problem: string };

const planCheck = TypeCompiler.Compile(PlanAnswer);

const SHAPE = '{"summary": "<one line: what the plan does>", "sub_tasks": [{"description": "<what this sub-agent must do>", "agent_id": "<optional>"}]}';

export function planPrompt(ctx: PlanningContext): string {
  const agents = ctx.agents.map((a) => `- ${a.id}${a.persona ? `: ${a.persona}` : ""}`).join("\n");
  return [
    "Plan the following request as independent sub-tasks that separate agents will work on in parallel.",
    "",
    "Request:",
    ctx.description.trim(),
    "",
    "Answer with only a JSON object, no other text, in this shape:",
    SHAPE,
    "",
    `Rules: 1 to ${ctx.maxSubTasks} sub-tasks. Each description must stand on its own: a sub-agent sees only its own sub-task and the request, ` +
      "not the other sub-agents' work. A final step will combine their results, so do not add a sub-task for that. " +
      'agent_id picks one of these agents (leave it out for "default"):',
    agents,
  ].join("\n");
}

export function planRetryPrompt(problem: string, ctx: PlanningContext): string {
  return [
    `Your previous answer was not a valid plan: ${problem}`,
    "",
    `Answer again with only the JSON object (1 to ${ctx.maxSubTasks} sub-tasks), no other text:`,
    SHAPE,
  ].join("\n");
}

export function subAgentPrompt(input: { description: string; summary: string; subTask: string; id: string; total: number }): string {
  return [
    "You are a sub-agent working on one part of a larger task, in parallel with other sub-agents.",
    "",
    `Overall request: ${input.description.trim()}`,
    `Plan: ${input.summary}`,
    "",
    `Your sub-task (${input.id} of ${input.total}):`,
    input.subTask,
    "",
    "Do only this sub-task, using your tools as needed, and answer with its result.",
  ].join("\n");
}

export function combinePrompt(description: string, results: { id: string; description: string; status: string; result: string; error?: string | null }[]): string {
  const parts = results.map((r) => {
    const head = `[${r.id}] ${r.description} (${r.status}${r.error ? `: ${r.error}` : ""})`;
    return r.result.trim() ? `${head}\n${r.result.trim()}` : head;
  });
  return [
    "Combine the sub-agents' results into the final answer to the original request. Say plainly what a failed sub-task means for the answer.",
    "",
    `Original request: ${description.trim()}`,
    "",
    "Results:",
    "",
    parts.join("\n\n"),
  ].join("\n");
}

/** The JSON inside an answer: a fenced block, else from the first "{" to the last "}" (models like to add a sentence). */
function jsonTextOf(answer: string): string {
  const text = answer.trim();
  const fenced = /```(?:json)?[ \t]*\n?([\s\S]*?)```/i.exec(text);
  if (fenced) return fenced[1]!.trim();
  const first = text.indexOf("{");
  const last = text.lastIndexOf("}");
  return first >= 0 && last > first ? text.slice(first, last + 1) : text;
}

export function parsePlan(answer: string, ctx: PlanningContext): ParsedPlan {
  if (!answer.trim()) return { ok: false, problem: "the answer was empty" };
  let value: unknown;
  try {
    value = JSON.parse(jsonTextOf(answer));
  } catch (error) {
    return { ok: false, problem: `it is not valid JSON (${(error as Error).message})` };
  }
  if (!planCheck.Check(value)) {
    const first = planCheck.Errors(value).First();
    const field = first?.path.replace(/^\//, "").replaceAll("/", ".") || "(the object)";
    return { ok: false, problem: `${field}: ${first?.message ?? "is invalid"}` };
  }
  if (!value.summary.trim()) return { ok: false, problem: "summary is empty" };
  if (value.sub_tasks.length > ctx.maxSubTasks) return { ok: false, problem: `it has ${value.sub_tasks.length} sub-tasks; at most ${ctx.maxSubTasks} are allowed` };
  const known = new Set(ctx.agents.map((a) => a.id));
  const subTasks: PlannedSubTask[] = [];
  for (const [i, s] of value.sub_tasks.entries()) {
    const agentId = s.agent_id?.trim() || "default";
    if (!known.has(agentId)) return { ok: false, problem: `sub_tasks.${i}.agent_id: "${agentId}" is not an agent here (use one of: ${[...known].join(", ")})` };
    if (!s.description.trim()) return { ok: false, problem: `sub_tasks.${i}.description is empty` };
    subTasks.push({ description: s.description.trim(), agentId });
  }
  return { ok: true, plan: { summary: value.summary.trim(), subTasks } };
}
