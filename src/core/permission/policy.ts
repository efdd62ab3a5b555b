// The permission policy: every tool call is judged allow / ask / deny before it runs.
// Order: read-only mode (a hard stop for writes) → the configured rules, first match wins → built-in defaults
// (root boundary after `..` and symlinks, write policy, shell command risk). Session approvals (approvals.ts)
// can turn an `ask` into an allow; nothing turns a `deny` into anything else.
// The boundary is the OS sandbox (src/core/sandbox), not this policy: with the sandbox active, commands run without
// asking unless they are evidently destructive, need the network or write a repository's .git; without it, every
// command that is not provably read-only asks. Approval never widens the sandbox.
// Command patterns (rules and approvals for process.execute) are matched per simple command, never as a glob over
// the raw line: an allow or a grant `git *` covers `git status && git diff`, not `git status; rm -rf ~`.
import { dirname, join, relative } from "node:path";
import type { Config, PermissionRule } from "../../config";
import type { Roots } from "../fs/roots";
import type { SandboxMode } from "../sandbox";
import { classifyCommand, commandGrantCovers, commandNeeds, commandRuleApplies, type CommandRisk } from "../shell";
import { globMatches } from "../fs/glob";
import { isInside, isWithinRoot, realPathOf } from "../fs/paths";
import { hostAllowed, hostOf } from "./domains";
import type { PermissionResult } from "./schema";

export interface PermissionRequest {
  /** "<category>.<action>", e.g. "filesystem.write", "process.execute" */
  operation: string;
  /** An absolute path for filesystem operations, a command line for process.execute, … */
  resource: string;
  /** The root the call may touch (the session's directory, else the active root). */
  root: string;
  /** The tool's own judgement of the call's risk (e.g. writing to the stdin of a shell); process.execute is
   *  classified from its command line when this is absent. */
  risk?: CommandRisk;
  /** A turn from untrusted input (webhooks): judged as in read-only mode, for that turn only. */
  restricted?: boolean;
}

export interface PermissionVerdict {
  result: PermissionResult;
  /** One sentence a human (and the model) can read. */
  reason: string;
  /** Which part of the policy decided: read-only-mode, rule:<n>, workspace-boundary, command-risk, … */
  policy: string;
  risk?: CommandRisk;
}

export const categoryOf = (operation: string): string => operation.split(".")[0] ?? operation;

/** What a pattern is matched for: a `grant` (approval, pre-approval) or an `allow` rule must cover the whole
 *  resource; a `restrict` (deny / ask) rule applies when it matches any part of it. */
export type MatchPurpose = "grant" | "allow" | "restrict";

/** Whether a glob pattern matches a resource of an operation: paths by file-glob rules (absolute, or relative to
 *  the root, "./build/*"), command lines per simple command (see src/core/shell), anything else by plain wildcard. */
export function resourceMatches(pattern: string, operation: string, resource: string, root: string, purpose: MatchPurpose = "grant"): boolean {
  if (pattern === "*" || pattern === "**") return true;
  if (operation === "process.execute") return purpose === "restrict" ? commandRuleApplies(pattern, resource) : commandGrantCovers(pattern, resource, root);
  if (categoryOf(operation) !== "filesystem") return globMatches(pattern, resource, { pathMode: false });
  const relativePattern = pattern.replace(/^\.\//, "");
  const absolutePattern = pattern.startsWith("/") ? pattern : join(root, relativePattern);
  const lexical = globMatches(absolutePattern, resource, { pathMode: true });
  // the same judged on real paths, so a pattern written against /tmp/x matches /private/tmp/x and friends, and a
  // symlink (s2 → secrets) does not slip past a rule on secrets/**
  const realRoot = realPathOf(root);
  const real = realPathOf(resource);
  let onReal = !pattern.startsWith("/") && isInside(real, realRoot) && globMatches(relativePattern, relative(realRoot, real) || ".", { pathMode: true });
  if (purpose === "grant") return lexical || onReal;
  if (pattern.startsWith("/")) onReal ||= globMatches(pattern, real, { pathMode: true }) || globMatches(realPattern(pattern), real, { pathMode: true });
  // an allow opens only what the pattern names after symlinks are followed; a deny or ask holds either way
  return purpose === "allow" ? onReal : lexical || onReal;
}

/** An absolute pattern with its literal directory prefix resolved to a real path. */
function realPattern(pattern: string): string {
  const firstGlob = pattern.search(/[*?[{]/);
  const literal = firstGlob < 0 ? pattern : pattern.slice(0, firstGlob);
  const dir = literal.endsWith("/") ? literal.slice(0, -1) : dirname(literal);
  if (!dir || dir === "/") return pattern;
  return realPathOf(dir) + pattern.slice(dir.length);
}

export const operationMatches = (pattern: string, operation: string): boolean => globMatches(pattern, operation, { pathMode: false });

const READ_ACTIONS = new Set(["read", "list", "search", "status", "diff", "log", "show", "blame", "fetch", "get"]);

export class PermissionPolicy {
  constructor(
    private readonly settings: Config["permissions"],
    private readonly roots: Roots,
    /** Whether agent commands run in the OS sandbox ("bubblewrap") or directly ("none"). */
    private readonly containment: SandboxMode = "none",
    /** Hosts web_fetch may reach without asking ([tools] fetch_allow). */
    private readonly fetchAllow: readonly string[] = [],
  ) {}

  get readOnly(): boolean {
    return this.settings.mode === "read-only";
  }

  check(request: PermissionRequest): PermissionVerdict {
    const { operation, resource, root } = request;
    const category = categoryOf(operation);
    const action = operation.slice(category.length + 1);
    const risk = request.risk ?? (operation === "process.execute" ? classifyCommand(resource, root) : undefined);

    if ((this.readOnly || request.restricted) && this.isWrite(category, action, risk)) {
      return { result: "deny", reason: `Read-only mode: ${operation} is not allowed${risk?.reasons.length ? ` (${risk.reasons[0]})` : ""}`, policy: "read-only-mode", risk };
    }
    // untrusted input must not reach past its own turn: no other agents' turns, no long-term memory written
    if (request.restricted && (category === "agents" || operation === "memory.store")) {
      return { result: "deny", reason: `A turn from untrusted input (webhook) may not use ${operation}`, policy: "restricted-turn", risk };
    }
    // even a read-only command may read anything the server's user can, unless the sandbox contains it
    if (request.restricted && operation === "process.execute" && this.containment !== "bubblewrap") {
      return { result: "deny", reason: "A turn from untrusted input (webhook) runs commands only inside the sandbox, and no sandbox is active", policy: "restricted-turn", risk };
    }

    const rules = this.settings.rules;
    for (let n = 0; n < rules.length; n++) {
      const rule = rules[n]!;
      if (operationMatches(rule.operation, operation) && resourceMatches(rule.pattern ?? "*", operation, resource, root, rule.action === "allow" ? "allow" : "restrict")) {
        return { result: rule.action, reason: rule.reason ?? describeRule(rule), policy: `rule:${n + 1}`, risk };
      }
    }
    return { ...this.defaults(category, action, resource, root, risk), risk };
  }

  /** Inside the sandbox a command cannot reach past its roots or the server's secrets; what is left to ask about is
   *  what a human would want to see first: evident destruction, the network, and changes to a repository's history. */
  private sandboxedCommand(risk: CommandRisk, resource: string): Omit<PermissionVerdict, "risk"> {
    const needs = risk.needs ?? commandNeeds(resource);
    if (risk.level === "destructive") return { result: "ask", reason: `Destructive command requires approval: ${risk.reasons.join("; ")}`, policy: "command-risk" };
    if (needs.network.length) return { result: "ask", reason: `Command needs network access: ${needs.network.join("; ")}`, policy: "network" };
    if (needs.gitWrite.length) return { result: "ask", reason: `Command writes the repository (.git is read-only without approval): ${needs.gitWrite.join("; ")}`, policy: "git-write" };
    if (risk.level !== "read-only" && this.settings.writes === "ask") {
      return { result: "ask", reason: "Command may change files; writes require approval (permissions.writes = ask)", policy: "write-policy" };
    }
    return { result: "allow", reason: "Runs in the sandbox: the root only, no network, no secrets", policy: "sandbox" };
  }

  private isWrite(category: string, action: string, risk?: CommandRisk): boolean {
    if (category === "filesystem") return action !== "read";
    if (category === "process") return action === "execute" ? risk?.level !== "read-only" : risk !== undefined && risk.level !== "read-only";
    if (category === "git" || category === "network") return !READ_ACTIONS.has(action);
    // an MCP tool may change anything its server reaches, unless the server annotates it read-only (readOnlyHint)
    if (category === "mcp") return risk?.level !== "read-only";
    return false;
  }

  private defaults(category: string, action: string, resource: string, root: string, risk?: CommandRisk): Omit<PermissionVerdict, "risk"> {
    switch (category) {
      case "filesystem": {
        if (!isWithinRoot(resource, root)) {
          if (action === "read" && isWithinRoot(resource, join(this.roots.dataDir, "uploads"))) {
            return { result: "allow", reason: "Uploaded files are readable", policy: "uploads" };
          }
          return { result: "deny", reason: `${resource} is outside the allowed root ${root} (after resolving .. and symlinks)`, policy: "workspace-boundary" };
        }
        if (action === "read") return { result: "allow", reason: "Within workspace boundary", policy: "workspace-boundary" };
        // repository configuration can name programs git runs (hooks, fsmonitor, filter drivers)
        if (insideGitDir(resource, root)) return { result: "ask", reason: "Changing a file under .git/ can make git run programs (hooks, fsmonitor, filters)", policy: "git-dir" };
        if (action === "delete") return { result: "ask", reason: "Deleting files requires approval", policy: "delete-policy" };
        return this.settings.writes === "ask"
          ? { result: "ask", reason: "Writes require approval (permissions.writes = ask)", policy: "write-policy" }
          : { result: "allow", reason: "Within workspace boundary", policy: "workspace-boundary" };
      }
      case "process": {
        if (action !== "execute" && !risk) return { result: "allow", reason: "Managing a process this agent started", policy: "process-ownership" };
        if (this.containment === "bubblewrap") return this.sandboxedCommand(risk!, resource);
        switch (risk!.level) {
          case "read-only":
            return { result: "allow", reason: "Read-only command", policy: "command-risk" };
          case "write":
            return { result: "ask", reason: "Command changes files and no sandbox contains it (install bubblewrap to run it without asking)", policy: "no-sandbox" };
          case "destructive":
            return { result: "ask", reason: `Destructive command requires approval: ${risk!.reasons.join("; ")}`, policy: "command-risk" };
          default:
            return { result: "ask", reason: `Command of unknown risk requires approval (no sandbox contains it): ${risk!.reasons.join("; ")}`, policy: "no-sandbox" };
        }
      }
      case "git": {
        if (READ_ACTIONS.has(action)) return { result: "allow", reason: "Read-only git operation", policy: "git-policy" };
        if (/push|reset|force|clean|delete/.test(action)) return { result: "ask", reason: `git ${action} can discard work or change a remote`, policy: "git-policy" };
        return this.settings.writes === "ask"
          ? { result: "ask", reason: "Writes require approval (permissions.writes = ask)", policy: "write-policy" }
          : { result: "allow", reason: "Ordinary git operation", policy: "git-policy" };
      }
      case "memory":
        return { result: "allow", reason: "Agent memory", policy: "memory-policy" };
      case "agents":
        return { result: "allow", reason: "Coordinating sub-agents (each of their tool calls is judged on its own)", policy: "agents" };
      case "network": {
        if (action !== "fetch") return { result: "allow", reason: "Network access is allowed by default", policy: "network-policy" };
        const host = hostOf(resource);
        if (host && hostAllowed(host, this.fetchAllow)) return { result: "allow", reason: `${host} is in [tools] fetch_allow`, policy: "fetch-allow" };
        return { result: "ask", reason: `Fetching from ${host ?? resource} needs approval (add the domain to [tools] fetch_allow to allow it)`, policy: "fetch-allow" };
      }
      case "client":
        return { result: "allow", reason: "A function tool of the API client: the client runs it, not this server", policy: "client-tool" };
      case "mcp":
        return { result: "ask", reason: `Tools of MCP servers ask first (a rule can allow a server: operation "mcp.<server>.*")`, policy: "mcp" };
      default:
        return { result: "ask", reason: `Unknown operation ${category}.${action} requires approval`, policy: "default" };
    }
  }
}

/** Whether a path lies in a `.git` directory of the root (or of a repository nested in it). */
function insideGitDir(path: string, root: string): boolean {
  const real = realPathOf(path);
  const realRoot = realPathOf(root);
  return isInside(real, realRoot) && relative(realRoot, real).split("/").includes(".git");
}

function describeRule(rule: PermissionRule): string {
  return `Configured rule: ${rule.action} ${rule.operation}${rule.pattern ? ` on ${rule.pattern}` : ""}`;
}
