// Judge of git: its subcommands one by one, with the options that make each run code, write outside the root or
// touch remotes.

import { classifyWithin } from "./classify";
import { judgeCommand } from "./command";
import { judge, type Judgement, literalWord, type Situation, synthetic, worst } from "./judgement";
import type { Word } from "./parse";
import { absolutePath, isRelative, pathRisk } from "./paths";

export function judgeGit(args: Word[], outer: Situation): Judgement {
  const results: (Judgement | undefined)[] = [];
  let sit = outer;
  let k = 0;
  const FLAGS = new Set([
    "--no-pager", "-p", "--paginate", "-P", "--no-replace-objects", "--bare", "--literal-pathspecs", "--glob-pathspecs", "--noglob-pathspecs", "--icase-pathspecs",
    "--no-optional-locks", "--version", "--help", "-v", "-h", "--html-path", "--man-path", "--info-path", "--exec-path", "--no-lazy-fetch", "--no-advice",
  ]);
  for (; k < args.length; k++) {
    const w = args[k]!;
    const t = w.text;
    if (w.dynamic) return judge("unknown", `git ${t}: an option computed at run time`);
    if (!t.startsWith("-")) break;
    if (FLAGS.has(t)) continue;
    if (t === "-C") {
      const dir = args[++k];
      if (!dir) return judge("unknown", "git -C without a directory");
      const outside = pathRisk([dir], sit, "reads");
      if (outside) return judge("unknown", `git -C ${dir.text} works on a repository outside the project root`);
      sit = { ...sit, cwd: sit.cwd === undefined && isRelative(dir.text) ? undefined : absolutePath(dir.text, sit) };
      continue;
    }
    const pathOption = /^--(git-dir|work-tree)(?:=(.*))?$/.exec(t);
    if (pathOption) {
      const value = pathOption[2] !== undefined ? literalWord(pathOption[2]) : args[++k];
      const outside = value ? pathRisk([value], sit, "reads") : judge("unknown", `git ${t} without a value`);
      if (outside) return outside;
      continue;
    }
    if (t === "--namespace" || t.startsWith("--namespace=")) {
      if (t === "--namespace") k++;
      continue;
    }
    if (t === "-c" || t.startsWith("--config-env") || t.startsWith("--exec-path=")) return judge("unknown", `git ${t} sets configuration that can run commands (core.fsmonitor, diff.external, aliases, …)`);
    return judge("unknown", `git ${t} is not an option known to be safe`);
  }
  const subWord = args[k];
  if (!subWord) return worst(results);
  if (subWord.dynamic) return judge("unknown", "git subcommand computed at run time");
  const sub = subWord.text;
  const rest = args.slice(k + 1);
  if (rest.some((w) => w.dynamic && (w.leadDynamic || w.split))) {
    const shown = rest.find((w) => w.dynamic)!.text;
    return judge("unknown", `git ${sub} ${shown}: an argument computed at run time may be an option`);
  }
  const opts = rest.filter((w) => w.text.startsWith("-") && w.text !== "-" && w.text !== "--").map((w) => w.text);
  const ops = rest.filter((w) => !w.text.startsWith("-") || w.text === "-").map((w) => w.text);
  const hasOpt = (...names: string[]) => opts.some((o) => names.includes(o) || names.some((n) => n.startsWith("--") && o.startsWith(`${n}=`)));
  const hasLetter = (letters: string, long: string[] = []) =>
    opts.some((o) => (o.startsWith("--") ? long.includes(o.split("=")[0]!) : [...o.slice(1)].some((ch) => letters.includes(ch))));
  const optionValue = (...names: string[]): Word[] => {
    const found: Word[] = [];
    rest.forEach((w, j) => {
      for (const n of names) {
        if (w.text === n && rest[j + 1]) found.push(rest[j + 1]!);
        else if (n.startsWith("--") && w.text.startsWith(`${n}=`)) found.push(literalWord(w.text.slice(n.length + 1)));
        else if (!n.startsWith("--") && w.text.startsWith(n) && w.text.length > n.length && !w.text.startsWith("--")) found.push(literalWord(w.text.slice(n.length)));
      }
    });
    return found;
  };
  const EXEC_OPTIONS = ["--upload-pack", "--receive-pack", "--exec", "--ext-diff", "--open-files-in-pager", ...(sub === "clone" || sub === "init" ? ["--template", "--config", "-u", "-c"] : [])];
  if (hasOpt(...EXEC_OPTIONS)) {
    return judge("unknown", `git ${sub} with ${opts.find((o) => EXEC_OPTIONS.some((e) => o === e || o.startsWith(`${e}=`))) ?? opts.join(" ")} can run commands`);
  }
  for (const out of optionValue("--output")) results.push(pathRisk([out], sit, "touches") ?? judge("write", `git ${sub} --output writes ${out.text}`));

  const READ = "status log diff show blame ls-files ls-tree rev-parse describe shortlog grep cat-file rev-list whatchanged count-objects version name-rev merge-base for-each-ref show-ref var check-ignore fsck diff-tree diff-index diff-files".split(" ");
  if (READ.includes(sub) || sub === "help") {
    if (sub === "grep" && opts.some((o) => /^-[a-zA-Z]*O/.test(o))) return judge("unknown", "git grep -O opens the files with a program");
    if (sub === "help" && opts.some((o) => !["-a", "--all", "-g", "--guides", "-c", "--config", "--user-interfaces", "--developer-interfaces"].includes(o))) {
      return judge("unknown", "git help with a viewer option starts a browser or pager");
    }
    if (sub === "fsck" && hasOpt("--lost-found")) results.push(judge("write", "git fsck --lost-found writes into .git"));
    const reads = [...optionValue("--contents", "--ignore-revs-file"), ...(sub === "blame" ? optionValue("-S") : []), ...(sub === "grep" ? optionValue("-f") : [])];
    for (const r of reads) results.push(pathRisk([r], sit, "reads"));
    // operands are revisions or paths (git diff with a path outside the work tree compares files anywhere): judged as paths
    const VALUE_OPTIONS = new Set(
      "-n --max-count --skip --since --until --after --before --author --committer --grep -S -G --format --pretty -U --unified -L --diff-filter --date --encoding -e -f -A -B -C -m --max-depth --threads --contents --ignore-rev --ignore-revs-file -x --exclude -X --exclude-from --exclude-per-directory --abbrev --match --candidates --sort --count --points-at --merged --no-merged --contains --no-contains --default --prefix --refs --batch --type --max-parents --min-parents --stat-width --output --word-diff-regex --color-words -O --relative --anchored -I --find-object --branches --tags --remotes --glob".split(
        " ",
      ),
    );
    const paths: Word[] = [];
    for (let j = 0; j < rest.length; j++) {
      const w = rest[j]!;
      if (w.text === "--") {
        paths.push(...rest.slice(j + 1));
        break;
      }
      if (w.text.startsWith("-")) {
        if (VALUE_OPTIONS.has(w.text)) j++;
        continue;
      }
      paths.push(w);
    }
    if (sub === "grep" && !optionValue("-e", "-f").length && !opts.includes("--not")) paths.shift();
    if (sub !== "config") results.push(pathRisk(paths.filter((w) => !/^:\/|^[^/]*:/.test(w.text) || /^\.{0,2}\//.test(w.text)), sit, "reads"));
    return worst(results);
  }
  switch (sub) {
    case "config": {
      const files = optionValue("-f", "--file", "--blob");
      for (const f of files) results.push(pathRisk([f], sit, "reads"));
      if (hasOpt("-e", "--edit")) return judge("unknown", "git config --edit opens an editor");
      const reading = hasLetter("l", ["--get", "--get-all", "--list", "--get-regexp", "--get-urlmatch", "--show-origin", "--show-scope", "--name-only", "--get-color", "--get-colorbool"]) || ["get", "list"].includes(ops[0] ?? "");
      if (reading) return worst(results);
      if (hasOpt("--global", "--system") || files.length) return judge("unknown", "git config changes configuration outside the project");
      const key = (["set", "unset", "add", "replace-all", "unset-all"].includes(ops[0] ?? "") ? ops[1] : ops[0]) ?? "";
      if (/^(core\.(fsmonitor|pager|editor|sshcommand|hookspath|askpass|gitproxy)|diff\..*\.(command|textconv)|diff\.external|merge\..*\.driver|filter\.|alias\.|credential\.|sequence\.editor|gpg\.|pager\.|web\.browser|include|uploadpack\.|http\..*(extraheader|proxy)|protocol\.)/i.test(key)) {
        return judge("unknown", `git config ${key} sets a command or credential git will use`);
      }
      return worst([...results, judge("write")]);
    }
    case "branch":
      if (hasLetter("Df", ["--force"]) || (hasLetter("d", ["--delete"]) && hasLetter("f"))) return judge("destructive", "git branch -D deletes unmerged branches");
      if (hasLetter("dmMc", ["--delete", "--move", "--copy", "--set-upstream-to", "--unset-upstream", "--edit-description"]) || ops.length) return judge("write");
      return worst(results);
    case "tag":
      for (const f of optionValue("-F", "--file")) results.push(pathRisk([f], sit, "reads"));
      return worst([...results, ops.length || hasLetter("dasfF", ["--delete", "--annotate", "--sign", "--force", "--file"]) ? judge("write") : undefined]);
    case "remote":
      return !ops.length || ["show", "get-url"].includes(ops[0]!) ? worst(results) : judge("write");
    case "stash":
      if (["list", "show"].includes(ops[0] ?? "")) return worst(results);
      if (["drop", "clear"].includes(ops[0] ?? "")) return judge("destructive", `git stash ${ops[0]} discards stashed changes`);
      return judge("write");
    case "reflog":
      if (["expire", "delete"].includes(ops[0] ?? "")) return judge("destructive", `git reflog ${ops[0]} discards history`);
      return worst(results);
    case "push":
      if (hasLetter("fd", ["--force", "--force-with-lease", "--force-if-includes", "--mirror", "--delete", "--prune"]) || ops.some((o) => o.startsWith("+") || o.startsWith(":")))
        return judge("destructive", "git push --force / --delete rewrites or deletes remote history");
      return judge("write");
    case "reset":
      if (hasOpt("--hard", "--merge", "--keep")) return judge("destructive", "git reset --hard discards uncommitted changes");
      return judge("write");
    case "clean":
      if (hasLetter("n", ["--dry-run"])) return worst(results);
      return judge("destructive", "git clean deletes untracked files");
    case "checkout":
      if (hasLetter("f", ["--force"]) || rest.some((w) => w.text === "--") || ops.includes(".")) return judge("destructive", "git checkout of paths discards local changes");
      return judge("write");
    case "restore":
      if (hasLetter("S", ["--staged"]) && !hasLetter("W", ["--worktree"])) return judge("write");
      return judge("destructive", "git restore discards local changes");
    case "gc":
      return opts.some((o) => o.startsWith("--prune")) ? judge("destructive", "git gc --prune drops unreachable objects") : judge("write");
    case "filter-branch":
    case "filter-repo":
    case "replace":
      return judge("destructive", `git ${sub} rewrites history`);
    case "update-ref":
      return hasLetter("d") ? judge("destructive", "git update-ref -d deletes a ref") : judge("write");
    case "rebase":
      if (hasOpt("-x", "--exec") || opts.some((o) => /^-[a-zA-Z]*x/.test(o) && !o.startsWith("--"))) return judge("unknown", "git rebase --exec runs a command after each commit");
      return judge("write");
    case "bisect":
      if (ops[0] === "run") {
        const inner = rest.slice(rest.findIndex((w) => w.text === "run") + 1);
        return inner.length ? worst([judge("write"), judgeCommand(synthetic(inner), sit)]) : judge("write");
      }
      return judge("write");
    case "submodule":
      if (ops.includes("foreach")) {
        const script = rest.slice(rest.findIndex((w) => w.text === "foreach") + 1).filter((w) => !w.text.startsWith("-"));
        return worst([judge("write"), classifyWithin(script.map((w) => w.text).join(" "), { ...sit, cwd: undefined, depth: sit.depth + 1 })]);
      }
      return judge("write");
    case "clone":
    case "init":
    case "worktree": {
      const targets = sub === "clone" ? (ops.length > 1 ? [ops.at(-1)!] : []) : sub === "init" ? ops.slice(0, 1) : ops[0] === "add" ? ops.slice(1, 2) : [];
      const dirs = [...targets.map(literalWord), ...optionValue("--separate-git-dir")];
      return worst([judge("write"), pathRisk(dirs, sit, "touches"), ...optionValue("--reference", "--reference-if-able").map((w) => pathRisk([w], sit, "reads"))]);
    }
    case "archive":
    case "format-patch": {
      const outs = [...optionValue("-o", "--output-directory", "--output")];
      return worst([judge("write"), pathRisk(outs, sit, "touches"), ...(sub === "archive" && hasOpt("--remote") ? [judge("unknown", "git archive --remote runs commands on a remote")] : [])]);
    }
    case "commit":
    case "notes":
    case "am":
    case "apply":
    case "merge":
    case "cherry-pick":
    case "revert":
    case "pull":
      return worst([judge("write"), ...optionValue("-F", "--file", "-t", "--template").map((w) => pathRisk([w], sit, "reads"))]);
    default:
      if ("add mv rm fetch switch lfs sparse-checkout mergetool".split(" ").includes(sub)) return judge("write");
      return judge("unknown", `unrecognised git subcommand '${sub}'`);
  }
}
