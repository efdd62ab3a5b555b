// The `briefing` command: what is going on in this workspace right now, from the real stores — running and recent
// tasks, pending approvals, recent conversations — and the active root's git status (git run in the sandbox, as the
// checkpoints run it: no hooks, no fsmonitor, no optional locks). Everything is limited to what the caller may see.
import type { Viewer } from "../kernel/viewer";
import type { Approvals } from "../permission/approvals";
import type { Conversations } from "../conversation/conversations";
import type { Sandbox } from "../sandbox";
import type { Tasks } from "../tasks/tasks";

export interface BriefingDeps {
  tasks: Tasks;
  approvals: Approvals;
  conversations: Conversations;
  sandbox: Sandbox;
  activeRoot: () => string;
  describeModel: () => string;
}

const SAFE_GIT = ["git", "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false"];
const RECENT = 5;

export async function briefing(deps: BriefingDeps, viewer?: Viewer): Promise<Record<string, unknown>> {
  const running = deps.tasks.list({ status: "running", limit: 20, viewer });
  const recent = deps.tasks.list({ limit: RECENT, viewer });
  const pending = deps.approvals.pending(undefined, viewer);
  const conversations = deps.conversations.list({ limit: RECENT, viewer });
  const root = deps.activeRoot();
  const repository = await gitStatus(deps.sandbox, root);
  const summary = [
    `${running.total} running task${running.total === 1 ? "" : "s"}`,
    `${pending.length} pending approval${pending.length === 1 ? "" : "s"}`,
    `${conversations.total} conversation${conversations.total === 1 ? "" : "s"}`,
    repository.git ? `${repository.branch ?? "detached HEAD"}: ${repository.changed ? `${repository.changed} changed file${repository.changed === 1 ? "" : "s"}` : "clean"}` : "no git repository",
  ].join(", ");
  return {
    summary,
    tasks: {
      running: running.total,
      total: recent.total,
      running_tasks: running.tasks.map((t) => ({ id: t.id, name: t.name, agent_id: t.agent_id, started_at: t.started_at })),
      recent: recent.tasks.map((t) => ({ id: t.id, name: t.name, status: t.status, agent_id: t.agent_id, created_at: t.created_at, finished_at: t.finished_at })),
    },
    approvals: {
      pending: pending.length,
      requests: pending.map((a) => ({ id: a.id, tool_name: a.tool_name, operation: a.operation, resource: a.resource, reason: a.reason, expires_at: a.expires_at })),
    },
    conversations: {
      total: conversations.total,
      recent: conversations.conversations.map((c) => ({ conversation_id: c.conversation_id, title: c.title, agent_id: c.agent_id, message_count: c.message_count, last_active: c.last_active })),
    },
    repository: { root, ...repository },
    model: deps.describeModel(),
    sandbox: deps.sandbox.status.mode,
  };
}

interface GitStatus {
  git: boolean;
  branch?: string | null;
  upstream?: string | null;
  ahead?: number;
  behind?: number;
  changed?: number;
  files?: string[];
  error?: string;
}

/** `git status --porcelain --branch` of the root, in the sandbox (read-only .git, no network). */
export async function gitStatus(sandbox: Sandbox, root: string): Promise<GitStatus> {
  try {
    const proc = await sandbox.spawn(
      [...SAFE_GIT, "status", "--porcelain=v1", "--branch", "--untracked-files=normal"],
      { root, network: false, env: { GIT_OPTIONAL_LOCKS: "0", GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" } },
      { stdin: "ignore", stderr: "pipe", signal: AbortSignal.timeout(15_000) },
    );
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr!).text(), proc.exited]);
    if (code !== 0) {
      if (/not a git repository/i.test(stderr)) return { git: false };
      return { git: false, error: stderr.trim().split("\n")[0] || `git exited with ${code}` };
    }
    const lines = stdout.split("\n").filter(Boolean);
    const head = lines[0]?.startsWith("## ") ? lines.shift()!.slice(3) : "";
    const files = lines.map((l) => l.trimEnd());
    // "main...origin/main [ahead 1, behind 2]", "No commits yet on main", "HEAD (no branch)"
    const noCommits = head.match(/^No commits yet on (.+)$/);
    const [names = "", tracking = ""] = head.split(" [");
    const [branch, upstream] = noCommits ? [noCommits[1]!, undefined] : names.split("...");
    return {
      git: true,
      branch: branch && !branch.startsWith("HEAD") ? branch : null,
      upstream: upstream ?? null,
      ahead: Number(tracking.match(/ahead (\d+)/)?.[1] ?? 0),
      behind: Number(tracking.match(/behind (\d+)/)?.[1] ?? 0),
      changed: files.length,
      files: files.slice(0, 50),
    };
  } catch (error) {
    return { git: false, error: String((error as Error).message ?? error) };
  }
}
