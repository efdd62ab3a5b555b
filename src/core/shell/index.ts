// Risk classification of shell command lines for the permission policy. The whole line is parsed the way bash
// splits it (quotes, ANSI-C strings, escapes, `;` `&&` `||` `|` `&`, subshells, `$(…)`, backticks, `${…}`,
// arithmetic, redirections, here-documents, brace expansion) and every simple command found anywhere in it is judged
// on its own, so `echo "rm -rf /"` is harmless while `echo $(rm -rf /)` is not. The result is the most severe
// judgement over all of them.
//
// "read-only" is an allow-list: a program is read-only only with options known to be harmless (each program's table
// in specs.ts and the judges); any other option, an argument computed at run time that could be an option, or a path
// outside the root makes it "unknown" (ask). Option values are parsed the way getopt does (glued `-o../f`,
// `--opt=value`), paths are resolved the way the kernel does (`link/..` is the parent of the link's target) and
// `/proc` is never inside a root. The working directory is followed through `cd` only along `&&`; after `;`, `||`,
// `|` or `&` it is not known, and relative paths are judged as if they were outside the root.
//
// Layout. parse.ts, judgement.ts, paths.ts, options.ts and specs.ts depend only on files above them in this list; the
// judges and command.ts/classify.ts call one another (the judges of shells, find -exec, git, trap, … judge the
// commands they run), calling each other's functions only, never at load time:
//   parse.ts        the bash parser: a line → simple commands, redirections, substitutions; brace expansion
//   judgement.ts    risk levels, judgements and how they combine; pieces every judge shares
//   paths.ts        how arguments resolve against the root and working directory; redirections
//   options.ts      getopt-style option parsing against tables of the options known to be safe
//   specs.ts        the program tables: read-only, writing, build/run, shells, interpreters, destructive
//   command.ts      one simple command: wrappers, assignments, and dispatch to a program's judge
//   builtins.ts, text-tools.ts, programs.ts, interpreters.ts, git.ts: the per-program judges
//   classify.ts     whole lines: classifyCommand, inputRisk
//   patterns.ts     command patterns for approvals and allow/deny/ask rules
//   capabilities.ts what a line needs beyond the sandbox's defaults (network, a writable .git): asked for, not a boundary

export { classifyCommand, inputRisk } from "./classify";
export type { CommandRisk, RiskLevel } from "./judgement";
export { parseCommandLine, type Redirect, type SimpleCommand, type Word } from "./parse";
export { commandGrantCovers, commandPatternProblem, commandPatternRegExp, commandRuleApplies, sameCommand } from "./patterns";
export { commandNeeds } from "./capabilities";
export type { CommandNeeds } from "./judgement";
