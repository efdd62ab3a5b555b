// Risk levels and judgements: what every judge returns, how judgements combine (the most severe wins), and the
// pieces shared by all judges (synthetic words and commands, dangerous variables, arithmetic evaluation).

import { emptyWord, escapePattern, globInfo, type SimpleCommand, type Word } from "./parse";

/** read-only < write (ordinary change inside the root) < unknown (can't tell) < destructive. */
export type RiskLevel = "read-only" | "write" | "unknown" | "destructive";

/** What a command line needs beyond the sandbox's defaults (see capabilities.ts). */
export interface CommandNeeds {
  /** Why it needs the network (empty: it does not). */
  network: string[];
  /** Why it writes a repository's `.git` (empty: it does not). */
  gitWrite: string[];
}

export interface CommandRisk {
  level: RiskLevel;
  /** Why, most severe first; empty for read-only commands. */
  reasons: string[];
  /** Every program the line would start (first word of each simple command). */
  programs: string[];
  /** What it needs beyond the sandbox's defaults (network, a writable .git); absent: judged from the line. */
  needs?: CommandNeeds;
}

const SEVERITY: Record<RiskLevel, number> = { "read-only": 0, write: 1, unknown: 2, destructive: 3 };

// ---------------------------------------------------------------------------------------------------------------
// Judging: shared pieces

export interface Judgement {
  level: RiskLevel;
  reason?: string;
  /** The command changes the working directory: to this path, or (null) somewhere not known. */
  chdir?: string | null;
  /** "unknown" only because the program is not one this table knows. */
  unrecognised?: boolean;
}

export interface Situation {
  root: string;
  /** undefined: not known here (after a `cd` that may or may not have run, or inside a find -execdir) */
  cwd: string | undefined;
  home: string;
  /** Variables this line sets to values that could hold code; bash evaluates them when used as numbers. */
  suspicious: Set<string>;
  programs: string[];
  depth: number;
}

export const judge = (level: RiskLevel, reason?: string): Judgement => ({ level, reason });
export const READ_ONLY: Judgement = { level: "read-only" };

export function worst(judgements: (Judgement | undefined)[]): Judgement {
  let result = READ_ONLY;
  for (const j of judgements) if (j && SEVERITY[j.level] > SEVERITY[result.level]) result = j;
  return result;
}

export const literalWord = (text: string): Word => ({ ...emptyWord(), text, pattern: escapePattern(text), ...globInfo(escapePattern(text)) });
export const runtimeWord = (text: string): Word => ({ ...emptyWord(), text, dynamic: true, split: true, leadDynamic: true, pattern: escapePattern(text) });
export const synthetic = (words: Word[], piped = false): SimpleCommand => ({ words, redirects: [], piped, prev: "", scope: [], substitution: false, arithmetic: [], hazards: [], assigns: [] });

export const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)(\+?=)/;
export const isAssignment = (w: Word) => !w.leadDynamic && ASSIGNMENT.test(w.text);

/** Variables that change which program runs, what it loads or executes, or where it reads and writes. */
const DANGEROUS_ENV = new RegExp(
  "^(" +
    [
      "PATH", "CDPATH", "IFS", "ENV", "BASH_ENV", "BASH_[A-Za-z_]*", "BASHOPTS", "SHELLOPTS", "SHELL", "PS[0-4]", "PROMPT_COMMAND", "HOME", "PWD", "OLDPWD",
      "DIRSTACK", "TMPDIR", "TMP", "TEMP", "HISTFILE", "INPUTRC", "FPATH", "LD_[A-Z_]*", "DYLD_[A-Z_]*", "GCONV_PATH", "NLSPATH", "LOCPATH", "HOSTALIASES",
      "RES_OPTIONS", "LOCALDOMAIN", "MALLOC_[A-Z_]*", "GLIBC_TUNABLES", "GETCONF_DIR", "XDG_[A-Z_]*", "GIT_[A-Z_]*", "[A-Z_]*PAGER", "EDITOR", "VISUAL",
      "BROWSER", "LESS[A-Z_]*", "MAN[A-Z_]*", "GROFF_[A-Z_]*", "TERMINFO[A-Z_]*", "TERMCAP", "PYTHON[A-Z_]*", "NODE_OPTIONS", "NODE_PATH", "NODE_REPL_[A-Z_]*",
      "NPM_CONFIG_[A-Za-z_]*", "npm_config_[A-Za-z_]*", "YARN_[A-Z_]*", "BUN_[A-Z_]*", "DENO_[A-Z_]*", "PERL[A-Z0-9_]*", "RUBY[A-Z_]*", "GEM_[A-Z_]*",
      "BUNDLE_[A-Z_]*", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "CLASSPATH", "TAR_OPTIONS", "GZIP", "BZIP2?", "XZ_OPT", "XZ_DEFAULTS",
      "ZIPOPT", "UNZIP", "GREP_OPTIONS", "RIPGREP_CONFIG_PATH", "AWKPATH", "AWKLIBPATH", "JQ_LIBRARY_PATH", "SSH_[A-Z_]*", "GNUPGHOME", "CURL_HOME",
      "CURL_CA_BUNDLE", "SSL_CERT_[A-Z_]*", "WGETRC", "SYSTEMD_[A-Z_]*", "SUDO_[A-Z_]*", "RUSTC_WRAPPER", "RUSTC", "RUSTFLAGS", "CARGO_[A-Z_]*", "GOFLAGS",
      "GOPATH", "GOROOT", "GOBIN", "CC", "CXX", "CPP", "LD", "AR", "MAKEFLAGS", "MFLAGS", "MAKEFILES", "EXINIT", "VIMINIT", "MYVIMRC", "PROMPT_[A-Z_]*",
      "COMP_[A-Z_]*",
    ].join("|") +
    ")$",
);

/** A variable name a builtin assigns or tests: a plain name not in DANGEROUS_ENV (a subscript is evaluated as code). */
export function nameRisk(name: Word | undefined, what: string): Judgement | undefined {
  if (!name) return undefined;
  if (name.dynamic) return judge("unknown", `${what} a variable whose name is computed at run time (${name.text})`);
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\[\d+\])?$/.test(name.text)) {
    return judge("unknown", `${what} ${name.text}: bash evaluates an array subscript here as code`);
  }
  const plain = name.text.replace(/\[.*$/, "");
  if (DANGEROUS_ENV.test(plain)) return judge("unknown", `sets ${plain}, which changes what programs run or where they read and write`);
  return undefined;
}

/** Bash evaluates `expr` as arithmetic: a variable in it whose value this line sets (or a positional parameter, or a
 *  command's output) may hold `a[$(cmd)]`, which runs cmd. */
export function arithmeticRisk(expr: string, sit: Situation): Judgement | undefined {
  const shown = expr.length > 40 ? `${expr.slice(0, 40)}…` : expr;
  if (/\$\(|`/.test(expr)) return judge("unknown", `bash evaluates a command's output as arithmetic (${shown}), which can run code`);
  if (/\$\{?[0-9@*]/.test(expr)) return judge("unknown", `bash evaluates a positional parameter as arithmetic (${shown}), which can run code`);
  const cleaned = expr.replace(/\b\d+#[0-9A-Za-z@_]+/g, "");
  for (const id of cleaned.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) {
    if (sit.suspicious.has(id)) return judge("unknown", `bash evaluates ${id} as arithmetic, and this line sets it to a value that could hold code`);
  }
  return undefined;
}

/** A word a bash builtin reads as a number (test -eq, printf %d, exit, shift, …): evaluated as arithmetic. */
export function numericRisk(w: Word | undefined, sit: Situation): Judgement | undefined {
  if (!w) return undefined;
  if (!w.dynamic && /^\s*[-+]?(\d+|0[xX][0-9a-fA-F]+)\s*$/.test(w.text)) return undefined;
  if (w.dynamic && /^\$\{?[?#$!]\}?$/.test(w.text)) return undefined;
  return arithmeticRisk(w.text, sit);
}
