// The agent tools: what a model calls to work with sub-agents. spawn_sub_agent, delegate, wait_for_agents and
// stop_sub_agent; each acts only on the caller's own sub-agents. Permission category "agents" (coordination is
// allowed; every tool call the sub-agents make is judged on its own, in the caller's session).
import { AppError } from "../kernel/errors";
import { defineTool, fail, ok } from "../tools/define";
import type { ToolDefinition, ToolOutput } from "../tools/types";
import type { Delegations } from "./delegations";
import { DelegateArgs, SpawnSubAgentArgs, StopSubAgentArgs, WaitForAgentsArgs } from "./schema";

/** delegate and wait_for_agents bound themselves (timeout_seconds); the runtime's limit sits above. */
const LONG_WAIT_MS = 3_700_000;

/** A refusal the model can act on (its words), instead of a failed tool. */
async function attempt(work: () => Promise<ToolOutput> | ToolOutput): Promise<ToolOutput> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError) return fail(`${error.message}.`);
    throw error;
  }
}

const json = (value: unknown) => JSON.stringify(value, null, 1);

export function agentTools(delegations: Delegations): ToolDefinition[] {
  return [
    defineTool({
      name: "spawn_sub_agent",
      description:
        "Create a sub-agent: another agent that works for you in this same session (same files, sandbox and approvals), " +
        "with its own conversation, persona and instructions, and at most your tools. Give it work with delegate (or `task` here). " +
        "Use sub-agents for independent pieces of work that can run in parallel or need a focused context.",
      parameters: SpawnSubAgentArgs,
      category: "agents",
      operation: "spawn",
      resource: (args, ctx) => `agent:${args.id ?? `${ctx.agentId}-sub`}`,
      run: (args, ctx) =>
        attempt(() => {
          const child = delegations.spawn(ctx, args);
          const started = args.task ? delegations.start(ctx, child.id, args.task) : undefined;
          return ok(
            json({
              agent_id: child.id,
              parent: child.parent,
              default_tools: child.defaultTools.length ? child.defaultTools : "all of yours",
              ...(started ? { delegation_id: started.id, note: "working on the task; collect the answer with wait_for_agents" } : {}),
            }),
            { agent_id: child.id, ...(started ? { delegation_id: started.id } : {}) },
          );
        }),
    }),
    defineTool({
      name: "delegate",
      description:
        "Give one of your sub-agents a task. With wait=true (default) you get its answer when it is done; with wait=false you get a " +
        "delegation_id at once and collect the answer later with wait_for_agents (start several this way to run them in parallel).",
      parameters: DelegateArgs,
      category: "agents",
      operation: "delegate",
      resource: (args) => `agent:${args.agent_id}`,
      timeoutMs: LONG_WAIT_MS,
      run: (args, ctx) =>
        attempt(async () => {
          if (args.wait === false) {
            const started = delegations.start(ctx, args.agent_id, args.content);
            return ok(json({ delegation_id: started.id, agent_id: args.agent_id, status: started.status }), { delegation_id: started.id });
          }
          const done = await delegations.delegateAndWait(ctx, args.agent_id, args.content);
          const answer = done.status === "completed" ? (done.response ?? "") : `(${done.status}: ${done.error ?? "no answer"})`;
          return { ok: done.status === "completed", output: `${args.agent_id} answered:\n${answer}`, data: { ...done } };
        }),
    }),
    defineTool({
      name: "wait_for_agents",
      description:
        "Wait for work you handed to sub-agents (delegate with wait=false, or spawn_sub_agent with a task) and collect the answers. " +
        "Default: every delegation of yours not collected yet. Returns when all are done or timeout_seconds pass (unfinished ones say so).",
      parameters: WaitForAgentsArgs,
      category: "agents",
      operation: "wait",
      resource: (args) => `agent:${(args.agent_ids ?? []).join(",") || "*"}`,
      timeoutMs: LONG_WAIT_MS,
      run: (args, ctx) =>
        attempt(async () => {
          const reports = await delegations.waitFor(ctx, { delegationIds: args.delegation_ids, agentIds: args.agent_ids, timeoutMs: (args.timeout_seconds ?? 600) * 1000 });
          if (!reports.length) return ok("No delegations of yours are waiting to be collected.");
          return ok(json(reports), { delegations: reports });
        }),
    }),
    defineTool({
      name: "stop_sub_agent",
      description: "Stop one of your sub-agents: its running and waiting work is cancelled (its sub-agents' too). With remove=true it is also deleted (its conversation is kept).",
      parameters: StopSubAgentArgs,
      category: "agents",
      operation: "stop",
      resource: (args) => `agent:${args.agent_id}`,
      run: (args, ctx) =>
        attempt(async () => {
          const { cancelled, removed } = await delegations.stop(ctx, args.agent_id, args.remove ?? false);
          return ok(`Stopped ${args.agent_id}: ${cancelled} delegation(s) cancelled${removed.length ? `; removed ${removed.join(", ")}` : ""}.`, { cancelled, removed });
        }),
    }),
  ];
}
