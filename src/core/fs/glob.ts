// Glob patterns for permission rules, approvals, .gitignore and the search tools. Paths use file-glob rules (`*` stays
// inside one segment, `**` crosses segments); command lines use `*` as "anything", since commands are not paths.
const cache = new Map<string, RegExp>();

/** Shell metacharacters (`; & | \` < >`, newline) a `shellSafe` pattern's wildcards never match, nor `$(`. */
const SHELL_STOP = "[^;&|`<>\\n]";

export interface GlobOptions {
  pathMode: boolean;
  /** Command patterns for approvals and rules: `*`, `?` and `[…]` never match a shell metacharacter or `$(`, so a
   *  pattern can't stretch over a second command; `**` is just `*` (no `**\/` rule). */
  shellSafe?: boolean;
}

export function globToRegExp(pattern: string, options: GlobOptions): RegExp {
  const key = `${options.shellSafe ? "s" : options.pathMode ? "p" : "c"}:${pattern}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let re = "";
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*" && options.shellSafe) {
      while (pattern[i + 1] === "*") i++;
      re += `(?:(?!\\$\\()${SHELL_STOP})*`;
    } else if (c === "?" && options.shellSafe) re += `(?!\\$\\()${SHELL_STOP}`;
    else if (c === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        // `**/` also matches zero directories
        if (pattern[i + 1] === "/") {
          i++;
          re += "(?:.*/)?";
        } else re += ".*";
      } else re += options.pathMode ? "[^/]*" : ".*";
    } else if (c === "?") re += options.pathMode ? "[^/]" : ".";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        let body = pattern.slice(i + 1, end).replace(/\\/g, "\\\\");
        if (body.startsWith("!")) body = "^" + body.slice(1);
        re += options.shellSafe ? `(?![;&|\`<>\\n])[${body}]` : `[${body}]`;
        i = end;
      }
    } else if (c === "{") {
      braces++;
      re += "(?:";
    } else if (c === "}" && braces > 0) {
      braces--;
      re += ")";
    } else if (c === "," && braces > 0) re += "|";
    else if (c === "\\" && i + 1 < pattern.length) re += escape(pattern[++i]!);
    else re += escape(c);
  }
  re += ")".repeat(braces);
  const regexp = new RegExp(`^${re}$`, "s");
  if (cache.size > 500) cache.clear();
  cache.set(key, regexp);
  return regexp;
}

const escape = (c: string) => c.replace(/[.+^$()|\\/[\]{}*?]/g, "\\$&");

export function globMatches(pattern: string, value: string, options: { pathMode: boolean }): boolean {
  return globToRegExp(pattern, options).test(value);
}

/** A pattern without a slash matches a file's name at any depth (like find -name); with one, its relative path. */
export function nameMatcher(pattern: string): (rel: string) => boolean {
  const regex = globToRegExp(pattern.replace(/^\.\//, ""), { pathMode: true });
  if (pattern.includes("/")) return (rel) => regex.test(rel);
  return (rel) => regex.test(rel.slice(rel.lastIndexOf("/") + 1));
}
