// What listing and searching skip: `.git`, `node_modules`, and whatever the `.gitignore` files between the root and
// a path say (last matching rule wins, `!` re-includes, a trailing `/` only matches directories, a `/` inside a
// pattern anchors it to its .gitignore's directory).
import { readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { globToRegExp } from "./glob";
import { isInside } from "./paths";

const ALWAYS_SKIPPED = new Set([".git", "node_modules"]);

interface Rule {
  regex: RegExp;
  negate: boolean;
  dirOnly: boolean;
}

function parseGitignore(text: string): Rule[] {
  const rules: Rule[] = [];
  for (let line of text.split(/\r?\n/)) {
    if (!line || line.startsWith("#")) continue;
    line = line.replace(/(?<!\\)\s+$/, "");
    let negate = false;
    if (line.startsWith("!")) {
      negate = true;
      line = line.slice(1);
    } else if (line.startsWith("\\!") || line.startsWith("\\#")) line = line.slice(1);
    const dirOnly = line.endsWith("/");
    if (dirOnly) line = line.slice(0, -1);
    if (!line) continue;
    const anchored = line.includes("/");
    if (line.startsWith("/")) line = line.slice(1);
    const pattern = anchored ? line : `**/${line}`;
    rules.push({ regex: globToRegExp(pattern, { pathMode: true }), negate, dirOnly });
  }
  return rules;
}

export class IgnoreRules {
  private readonly cache = new Map<string, Rule[]>();

  constructor(private readonly root: string) {}

  private rulesFor(dir: string): Rule[] {
    let rules = this.cache.get(dir);
    if (!rules) {
      try {
        rules = parseGitignore(readFileSync(join(dir, ".gitignore"), "utf8"));
      } catch {
        rules = [];
      }
      this.cache.set(dir, rules);
    }
    return rules;
  }

  /** Whether `path` (absolute, inside the root) is skipped. Its parent directories are assumed not ignored. */
  isIgnored(path: string, isDirectory: boolean): boolean {
    const name = path.slice(path.lastIndexOf(sep) + 1);
    if (ALWAYS_SKIPPED.has(name)) return true;
    if (!isInside(path, this.root) || path === this.root) return false;
    // the .gitignore files from the root down to the path's directory; deeper ones are consulted last
    const dirs: string[] = [];
    for (let d = dirname(path); isInside(d, this.root); d = dirname(d)) {
      dirs.unshift(d);
      if (d === this.root) break;
    }
    let ignored = false;
    for (const dir of dirs) {
      const rel = relative(dir, path).split(sep).join("/");
      for (const rule of this.rulesFor(dir)) {
        if (rule.dirOnly && !isDirectory) continue;
        if (rule.regex.test(rel)) ignored = !rule.negate;
      }
    }
    return ignored;
  }
}
