// The permission policy: every tool call is judged allow / ask / deny before it runs.
// Order: read-only mode (a hard stop for writes) → the configured rules, first match wins → built-in defaults
// (root boundary after `..` and symlinks, write policy, shell command risk). Session approvals (approvals.ts)
// can turn an `ask` into an allow; nothing turns a `deny` into anything else.
// Command patterns (rules and approvals for process.execute) are matched per simple command, never as a glob over
// the raw line: an allow or a grant `git *` covers `git status && git diff`, not `git status; rm -rf ~`.
import { dirname, join, relative } from "node:path";
import type { Config, PermissionRule } from "../../config";
import type { Roots } from "../fs/roots";
import { classifyCommand, commandGrantCovers, commandRuleApplies, type CommandRisk } from "../shell";
import { globMatches } from "../fs/glob";
import { isInside, isWithinRoot, realPathOf } from "../fs/paths";
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
  ) {}

  get readOnly(): boolean {
    return this.settings.mode === "read-only";
  }

  check(request: PermissionRequest): PermissionVerdict {
    const { operation, resource, root } = request;
    const category = categoryOf(operation);
    const action = operation.slice(category.length + 1);
    const risk = request.risk ?? (operation === "process.execute" ? classifyCommand(resource, root) : undefined);

    if (this.readOnly && this.isWrite(category, action, risk)) {
      return { result: "deny", reason: `Read-only mode: ${operation} is not allowed${risk?.reasons.length ? ` (${risk.reasons[0]})` : ""}`, policy: "read-only-mode", risk };
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

  private isWrite(category: string, action: string, risk?: CommandRisk): boolean {
    if (category === "filesystem") return action !== "read";
    if (category === "process") return action === "execute" ? risk?.level !== "read-only" : risk !== undefined && risk.level !== "read-only";
    if (category === "git" || category === "network") return !READ_ACTIONS.has(action);
    return false;
  }

  private defaults(category: string, action: string, resource: string, root: string, risk?: CommandRisk): Omit<PermissionVerdict, "risk"> {
    switch (category) {
      case "filesystem": {
        if (!isWithinRoot(resource, root)) {
          if (action === "read" && isWithinRoot(resource, join(this.roots.workspaceRoot, "uploads"))) {
            return { result: "allow", reason: "Uploaded files are readable", policy: "uploads" };
          }
          return { result: "deny", reason: `${resource} is outside the allowed root ${root} (after resolving .. and symlinks)`, policy: "workspace-boundary" };
        }
        if (action === "read") return { result: "allow", reason: "Within workspace boundary", policy: "workspace-boundary" };
        if (action === "delete") return { result: "ask", reason: "Deleting files requires approval", policy: "delete-policy" };
        return this.settings.writes === "ask"
          ? { result: "ask", reason: "Writes require approval (permissions.writes = ask)", policy: "write-policy" }
          : { result: "allow", reason: "Within workspace boundary", policy: "workspace-boundary" };
      }
      case "process": {
        if (action !== "execute" && !risk) return { result: "allow", reason: "Managing a process this agent started", policy: "process-ownership" };
        switch (risk!.level) {
          case "read-only":
            return { result: "allow", reason: "Read-only command", policy: "command-risk" };
          case "write":
            return this.settings.writes === "ask"
              ? { result: "ask", reason: "Command changes files; writes require approval (permissions.writes = ask)", policy: "write-policy" }
              : { result: "allow", reason: "Ordinary command inside the root", policy: "command-risk" };
          case "destructive":
            return { result: "ask", reason: `Destructive command requires approval: ${risk!.reasons.join("; ")}`, policy: "command-risk" };
          default:
            return { result: "ask", reason: `Command of unknown risk requires approval: ${risk!.reasons.join("; ")}`, policy: "command-risk" };
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
      case "network":
        return { result: "allow", reason: "Network access is allowed by default", policy: "network-policy" };
      default:
        return { result: "ask", reason: `Unknown operation ${category}.${action} requires approval`, policy: "default" };
    }
  }
}

function describeRule(rule: PermissionRule): string {
  return `Configured rule: ${rule.action} ${rule.operation}${rule.pattern ? ` on ${rule.pattern}` : ""}`;
}
