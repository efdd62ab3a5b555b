// Risk classification of shell command lines for the permission policy. The whole line is parsed the way bash
// splits it (quotes, ANSI-C strings, escapes, `;` `&&` `||` `|` `&`, subshells, `$(…)`, backticks, `${…}`,
// arithmetic, redirections, here-documents, brace expansion) and every simple command found anywhere in it is judged
// on its own, so `echo "rm -rf /"` is harmless while `echo $(rm -rf /)` is not. The result is the most severe
// judgement over all of them.
//
// "read-only" is an allow-list: a program is read-only only with options known to be harmless (each program's table
// below); any other option, an argument computed at run time that could be an option, or a path outside the root
// makes it "unknown" (ask). Option values are parsed the way getopt does (glued `-o../f`, `--opt=value`), paths are
// resolved the way the kernel does (`link/..` is the parent of the link's target) and `/proc` is never inside a root.
// The working directory is followed through `cd` only along `&&`; after `;`, `||`, `|` or `&` it is not known, and
// relative paths are judged as if they were outside the root.
import { readdirSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname } from "node:path";
import { globMatches, globToRegExp } from "./tools/glob";
import { isShellPathWithinRoot, physicalPath } from "./tools/paths";

/** read-only < write (ordinary change inside the root) < unknown (can't tell) < destructive. */
export type RiskLevel = "read-only" | "write" | "unknown" | "destructive";

export interface CommandRisk {
  level: RiskLevel;
  /** Why, most severe first; empty for read-only commands. */
  reasons: string[];
  /** Every program the line would start (first word of each simple command). */
  programs: string[];
}

const SEVERITY: Record<RiskLevel, number> = { "read-only": 0, write: 1, unknown: 2, destructive: 3 };

// ---------------------------------------------------------------------------------------------------------------
// Parsing

export interface Word {
  text: string;
  /** Contains an expansion ($VAR, $(…), `…`) whose value is only known at run time. */
  dynamic: boolean;
  /** Contains unquoted pathname-expansion characters (`*`, `?`, `[…]`). */
  glob: boolean;
  /** Contains an unquoted expansion: after word splitting it may be several words (or none). */
  split: boolean;
  /** Its first character comes from an expansion, so it may start with `-` at run time. */
  leadDynamic: boolean;
  /** Starts with a pathname-expansion character, so a file name like `-rf` or `--pre=sh` may take its place. */
  leadGlob: boolean;
  /** Some of it was quoted or escaped. */
  quoted: boolean;
  /** The text with the quoted characters that brace and pathname expansion treat specially escaped by `\`. */
  pattern: string;
  /** Contains unquoted braces (`{a,b}`, `{1..3}`): brace expansion may turn it into several words. */
  braces: boolean;
}

export interface Redirect {
  op: string;
  target?: Word;
  /** The text of a here-document. */
  body?: string;
  /** The here-document's delimiter is unquoted, so its text is expanded ($…, `…`) before the command reads it. */
  expands?: boolean;
}

export interface SimpleCommand {
  words: Word[];
  redirects: Redirect[];
  /** stdin comes from a pipe */
  piped: boolean;
  /** The operator before it (`;` `&&` `||` `|` `&` newline; "" at the start): `cd` is only followed along `&&`. */
  prev: string;
  /** Ids of the subshells and substitutions it runs in, outermost first (a `cd` inside one ends with it). */
  scope: number[];
  /** Runs inside a command or process substitution (or a here-document's). */
  substitution: boolean;
  /** Arithmetic bash evaluates for this command ($((…)), ((…)), $[…], ${x:off}, ${a[i]}, ${!x}). */
  arithmetic: string[];
  /** Constructs that make the command's effect unknowable. */
  hazards: string[];
  /** Variables assigned by ${name:=…} / ${name=…}. */
  assigns: string[];
}

class ParseError extends Error {}

const OPERATOR_CHARS = new Set([";", "&", "|", "<", ">", "(", ")", "\n"]);
const MAX_DEPTH = 8;
/** Characters brace and pathname expansion treat specially; escaped in Word.pattern when they were quoted. */
const PATTERN_SPECIAL = "{},\\*?[]";
const escapePattern = (text: string) => [...text].map((c) => (PATTERN_SPECIAL.includes(c) ? `\\${c}` : c)).join("");

interface WordBuilder {
  w: Word;
}

const emptyWord = (): Word => ({ text: "", dynamic: false, glob: false, split: false, leadDynamic: false, leadGlob: false, quoted: false, pattern: "", braces: false });

/** Parses a command line into a flat list of simple commands, including those nested in substitutions. */
export function parseCommandLine(source: string): SimpleCommand[] {
  return parseInto(source, 0, { nextScope: 1 }, [], false);
}

function parseInto(s: string, depth: number, ctx: { nextScope: number }, scope: number[], substitution: boolean): SimpleCommand[] {
  if (depth > MAX_DEPTH) throw new ParseError("substitutions nested too deeply");
  const out: SimpleCommand[] = [];
  const stack = [...scope];
  let lastOp = "";
  let i = 0;
  const blank = (piped: boolean): SimpleCommand => ({ words: [], redirects: [], piped, prev: lastOp, scope: [], substitution, arithmetic: [], hazards: [], assigns: [] });
  let current = blank(false);
  const heredocs: { delimiter: string; stripTabs: boolean; redirect: Redirect; owner: SimpleCommand }[] = [];

  const finish = (op: string, pipeNext = false) => {
    if (op) lastOp = op;
    const c = current;
    if (c.words.length || c.redirects.length || c.arithmetic.length || c.hazards.length || c.assigns.length) {
      c.scope = [...stack];
      out.push(c);
    }
    current = blank(pipeNext);
  };

  /** Index of the `)` closing a `(` that was just consumed (s[start-1] === "("). */
  const closingParen = (start: number): number => {
    let depthCount = 1;
    for (let j = start; j < s.length; j++) {
      const c = s[j]!;
      if (c === "\\") j++;
      else if (c === "'") {
        const end = s.indexOf("'", j + 1);
        if (end < 0) throw new ParseError("unterminated single quote");
        j = end;
      } else if (c === '"') j = closingDoubleQuote(j + 1);
      else if (c === "`") j = closingBacktick(j + 1);
      else if (c === "$" && s[j + 1] === "{") j = closingBrace(j + 2);
      else if (c === "(") depthCount++;
      else if (c === ")" && --depthCount === 0) return j;
    }
    throw new ParseError("unbalanced parenthesis");
  };
  const closingDoubleQuote = (start: number): number => {
    for (let j = start; j < s.length; j++) {
      const c = s[j]!;
      if (c === "\\") j++;
      else if (c === '"') return j;
      else if (c === "$" && s[j + 1] === "(") j = closingParen(j + 2);
      else if (c === "$" && s[j + 1] === "{") j = closingBrace(j + 2);
      else if (c === "`") j = closingBacktick(j + 1);
    }
    throw new ParseError("unterminated double quote");
  };
  const closingBacktick = (start: number): number => {
    for (let j = start; j < s.length; j++) {
      if (s[j] === "\\") j++;
      else if (s[j] === "`") return j;
    }
    throw new ParseError("unterminated backtick");
  };
  /** The `}` ending a `${` (bash stops at the first unquoted one, skipping quotes and nested substitutions). */
  const closingBrace = (start: number): number => {
    for (let j = start; j < s.length; j++) {
      const c = s[j]!;
      if (c === "\\") j++;
      else if (c === "'") {
        const end = s.indexOf("'", j + 1);
        if (end < 0) throw new ParseError("unterminated single quote");
        j = end;
      } else if (c === '"') j = closingDoubleQuote(j + 1);
      else if (c === "`") j = closingBacktick(j + 1);
      else if (c === "$" && s[j + 1] === "(") j = closingParen(j + 2);
      else if (c === "$" && s[j + 1] === "{") j = closingBrace(j + 2);
      else if (c === "}") return j;
    }
    throw new ParseError("unterminated ${");
  };
  const closingBracket = (start: number): number => {
    let open = 1;
    for (let j = start; j < s.length; j++) {
      if (s[j] === "[") open++;
      else if (s[j] === "]" && --open === 0) return j;
    }
    throw new ParseError("unterminated $[");
  };

  const nested = (inner: string) => {
    const id = ctx.nextScope++;
    for (const cmd of parseInto(inner, depth + 1, ctx, [...stack, id], true)) out.push(cmd);
  };

  /** Finds and parses the substitutions in s[from, to) (arithmetic, a ${…} body, a here-document's text). */
  const scanExpansions = (from: number, to: number) => {
    for (let j = from; j < to; j++) {
      const c = s[j]!;
      if (c === "\\") j++;
      else if (c === "`") {
        const end = closingBacktick(j + 1);
        nested(s.slice(j + 1, end));
        j = end;
      } else if (c === "$") j = dollar(j, { w: emptyWord() }, true) - 1;
    }
  };

  const arithmetic = (from: number, to: number) => {
    current.arithmetic.push(s.slice(from, to));
    scanExpansions(from, to);
  };

  /** What ${…} (body in s[from, to)) makes bash evaluate or assign besides the value itself. */
  const parameter = (from: number, to: number) => {
    const body = s.slice(from, to);
    scanExpansions(from, to);
    if (/@P$/.test(body)) current.hazards.push("${…@P} expands its value as a prompt string, which runs the commands in it");
    const indirect = /^!([A-Za-z_][A-Za-z0-9_]*|[0-9]+)(\[[^\]]*\])?$/.exec(body);
    if (indirect && !(indirect[2] && /^\[[@*]\]$/.test(indirect[2]))) current.arithmetic.push(indirect[1]!);
    const m = /^#?([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])(\[([^\]]*)\])?(.*)$/s.exec(body);
    if (!m) return;
    const [, name, , subscript, rest] = m;
    if (subscript !== undefined && subscript !== "@" && subscript !== "*") current.arithmetic.push(subscript);
    if (rest!.startsWith(":") && !/^:[-=?+]/.test(rest!)) current.arithmetic.push(rest!.slice(1));
    if (/^:?=/.test(rest!) && /^[A-Za-z_]/.test(name!)) current.assigns.push(name!);
  };

  /** Appends s[from..end] to the word as a value only known at run time; returns the index after it. */
  const runtimeValue = (b: WordBuilder, from: number, end: number, inDouble: boolean): number => {
    const value = s.slice(from, end + 1);
    if (!b.w.text) b.w.leadDynamic = true;
    b.w.dynamic = true;
    if (!inDouble) b.w.split = true;
    b.w.text += value;
    b.w.pattern += escapePattern(value);
    return end + 1;
  };

  const appendLiteral = (b: WordBuilder, text: string, quoted: boolean) => {
    if (quoted) {
      b.w.quoted = true;
      b.w.pattern += escapePattern(text);
    } else {
      if (text.includes("{")) b.w.braces = true;
      b.w.pattern += text;
    }
    b.w.text += text;
  };

  /** `$…` at s[j] (s[j] === "$"); returns the index after it. */
  const dollar = (j: number, b: WordBuilder, inDouble: boolean): number => {
    const next = s[j + 1];
    if (next === "(") {
      if (s[j + 2] === "(") {
        // $(( … )) is arithmetic only when the paren opened at j+2 closes right before the last one
        const inner = closingParen(j + 3);
        if (s[inner + 1] === ")") {
          arithmetic(j + 3, inner);
          return runtimeValue(b, j, inner + 1, inDouble);
        }
      }
      const end = closingParen(j + 2);
      nested(s.slice(j + 2, end));
      return runtimeValue(b, j, end, inDouble);
    }
    if (next === "[") {
      const end = closingBracket(j + 2);
      arithmetic(j + 2, end);
      return runtimeValue(b, j, end, inDouble);
    }
    if (next === "{") {
      const end = closingBrace(j + 2);
      parameter(j + 2, end);
      return runtimeValue(b, j, end, inDouble);
    }
    if (next === "'" && !inDouble) return ansiC(j + 2, b);
    if (next === '"' && !inDouble) return j + 1; // $"…": a translated double-quoted string
    const m = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9?#@*$!-]/.exec(s.slice(j + 1));
    if (m) return runtimeValue(b, j, j + m[0].length, inDouble);
    appendLiteral(b, "$", inDouble);
    return j + 1;
  };

  /** A $'…' string from s[start] (after the quote): backslash escapes decoded; returns the index after it. */
  const ansiC = (start: number, b: WordBuilder): number => {
    let text = "";
    let k = start;
    const simple: Record<string, string> = { a: "\x07", b: "\b", e: "\x1b", E: "\x1b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", "'": "'", '"': '"', "?": "?" };
    while (k < s.length && s[k] !== "'") {
      if (s[k] !== "\\") {
        text += s[k++];
        continue;
      }
      const c = s[k + 1] ?? "";
      let m: RegExpExecArray | null;
      if (c in simple) {
        text += simple[c];
        k += 2;
      } else if ((m = /^[0-7]{1,3}/.exec(s.slice(k + 1, k + 4)))) {
        text += String.fromCharCode(parseInt(m[0], 8));
        k += 1 + m[0].length;
      } else if (c === "x" && (m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(k + 2, k + 4)))) {
        text += String.fromCharCode(parseInt(m[0], 16));
        k += 2 + m[0].length;
      } else if ((c === "u" || c === "U") && (m = (c === "u" ? /^[0-9a-fA-F]{1,4}/ : /^[0-9a-fA-F]{1,8}/).exec(s.slice(k + 2, k + 10)))) {
        text += String.fromCodePoint(Math.min(parseInt(m[0], 16), 0x10ffff));
        k += 2 + m[0].length;
      } else if (c === "c" && k + 2 < s.length) {
        text += String.fromCharCode(s.charCodeAt(k + 2) & 0x1f);
        k += 3;
      } else {
        text += `\\${c}`;
        k += 2;
      }
    }
    if (k >= s.length) throw new ParseError("unterminated $' string");
    appendLiteral(b, text, true);
    return k + 1;
  };

  /** `…` at s[j]: a command substitution, judged as a command of its own; returns the index after it. */
  const backtick = (j: number, b: WordBuilder, inDouble: boolean): number => {
    const end = closingBacktick(j + 1);
    nested(s.slice(j + 1, end));
    return runtimeValue(b, j, end, inDouble);
  };

  const readWord = (): Word => {
    const b: WordBuilder = { w: emptyWord() };
    while (i < s.length) {
      const c = s[i]!;
      if (c === " " || c === "\t" || OPERATOR_CHARS.has(c)) break;
      if (c === "\\") {
        if (s[i + 1] === "\n") i += 2;
        else {
          appendLiteral(b, s[i + 1] ?? "", true);
          i += 2;
        }
      } else if (c === "'") {
        const end = s.indexOf("'", i + 1);
        if (end < 0) throw new ParseError("unterminated single quote");
        appendLiteral(b, s.slice(i + 1, end), true);
        b.w.quoted = true;
        i = end + 1;
      } else if (c === '"') {
        b.w.quoted = true;
        i++;
        while (i < s.length && s[i] !== '"') {
          const d = s[i]!;
          if (d === "\\" && i + 1 < s.length && '$`"\\\n'.includes(s[i + 1]!)) {
            if (s[i + 1] !== "\n") appendLiteral(b, s[i + 1]!, true);
            i += 2;
          } else if (d === "$") i = dollar(i, b, true);
          else if (d === "`") i = backtick(i, b, true);
          else {
            appendLiteral(b, d, true);
            i++;
          }
        }
        if (i >= s.length) throw new ParseError("unterminated double quote");
        i++;
      } else if (c === "$") i = dollar(i, b, false);
      else if (c === "`") i = backtick(i, b, false);
      else {
        appendLiteral(b, c, false);
        i++;
      }
    }
    const info = globInfo(b.w.pattern);
    b.w.glob = info.glob;
    b.w.leadGlob = info.leadGlob;
    return b.w;
  };

  const readHeredocBodies = () => {
    // s[i] is the newline that ends the line holding the `<<` operators
    while (heredocs.length) {
      const { delimiter, stripTabs, redirect, owner } = heredocs.shift()!;
      const bodyStart = i + 1;
      let bodyEnd = -1;
      while (i < s.length) {
        const lineStart = i + 1;
        const lineEnd = s.indexOf("\n", lineStart);
        const line = s.slice(lineStart, lineEnd < 0 ? s.length : lineEnd);
        i = lineEnd < 0 ? s.length : lineEnd;
        if ((stripTabs ? line.replace(/^\t+/, "") : line) === delimiter) {
          bodyEnd = lineStart;
          break;
        }
      }
      if (bodyEnd < 0) throw new ParseError(`here-document without its end marker ${delimiter}`);
      redirect.body = s.slice(bodyStart, bodyEnd);
      if (redirect.expands) {
        const saved = current;
        current = owner;
        try {
          scanExpansions(bodyStart, bodyEnd);
        } finally {
          current = saved;
        }
      }
    }
  };

  const readRedirect = (fdPrefix: string) => {
    let op = "";
    if (s[i] === "&" && s[i + 1] === ">") {
      op = s[i + 2] === ">" ? "&>>" : "&>";
      i += op.length;
    } else if (s[i] === ">") {
      op = s[i + 1] === ">" ? ">>" : s[i + 1] === "|" ? ">|" : s[i + 1] === "&" ? ">&" : ">";
      i += op.length;
    } else {
      op = s.startsWith("<<<", i) ? "<<<" : s.startsWith("<<-", i) ? "<<-" : s[i + 1] === "<" ? "<<" : s[i + 1] === "&" ? "<&" : s[i + 1] === ">" ? "<>" : "<";
      i += op.length;
    }
    while (s[i] === " " || s[i] === "\t") i++;
    const target = readWord();
    if (!target.text && !target.dynamic) throw new ParseError(`redirection ${op} without a target`);
    const redirect: Redirect = { op: fdPrefix + op, target };
    if (op === "<<" || op === "<<-") {
      redirect.expands = !target.quoted;
      heredocs.push({ delimiter: target.text, stripTabs: op === "<<-", redirect, owner: current });
    }
    current.redirects.push(redirect);
  };

  while (i < s.length) {
    const c = s[i]!;
    if (c === " " || c === "\t") {
      i++;
    } else if (c === "\\" && s[i + 1] === "\n") {
      i += 2;
    } else if (c === "#") {
      const end = s.indexOf("\n", i);
      i = end < 0 ? s.length : end;
    } else if (c === "\n") {
      finish("\n");
      readHeredocBodies();
      i++;
    } else if (c === ";") {
      finish(";");
      i += s[i + 1] === ";" ? 2 : 1;
      if (s[i] === "&") i++;
    } else if (c === "&") {
      if (s[i + 1] === "&") {
        finish("&&");
        i += 2;
      } else if (s[i + 1] === ">") readRedirect("");
      else {
        finish("&");
        i++;
      }
    } else if (c === "|") {
      if (s[i + 1] === "|") {
        finish("||");
        i += 2;
      } else {
        finish("|", true);
        i += s[i + 1] === "&" ? 2 : 1;
      }
    } else if (c === "(") {
      // (( … )) is an arithmetic command only when the inner paren closes right before the outer one
      const inner = s[i + 1] === "(" ? closingParen(i + 2) : -1;
      if (inner >= 0 && s[inner + 1] === ")") {
        arithmetic(i + 2, inner);
        i = inner + 2;
      } else {
        // a subshell: its commands are judged like any other, and a `cd` in it ends with it
        finish("", current.piped);
        stack.push(ctx.nextScope++);
        i++;
      }
    } else if (c === ")") {
      finish("");
      stack.pop();
      i++;
    } else if (c === "<" || c === ">") {
      if (s[i + 1] === "(") {
        // process substitution <(…) / >(…)
        const end = closingParen(i + 2);
        nested(s.slice(i + 2, end));
        // the program gets /dev/fd/N: never an option, never a path outside
        const text = s.slice(i, end + 1);
        current.words.push({ ...emptyWord(), text, dynamic: true, pattern: escapePattern(text) });
        i = end + 1;
      } else readRedirect("");
    } else {
      const word = readWord();
      // `2>file`, `2>&1`: a number glued to a redirection is the fd, not an argument
      if (/^\d+$/.test(word.text) && !word.dynamic && (s[i] === ">" || s[i] === "<")) readRedirect(word.text);
      else current.words.push(word);
    }
  }
  if (heredocs.length) readHeredocBodies();
  finish("");
  return out;
}

/** Whether an escaped pattern has unescaped pathname-expansion characters, and whether it starts with one. */
function globInfo(pattern: string): { glob: boolean; leadGlob: boolean } {
  let glob = false;
  let leadGlob = false;
  for (let k = 0; k < pattern.length; k++) {
    const c = pattern[k]!;
    if (c === "\\") {
      k++;
      continue;
    }
    const opens = c === "*" || c === "?" || (c === "[" && hasUnescaped(pattern, "]", k + 1));
    if (opens) {
      glob = true;
      if (k === 0) leadGlob = true;
    }
  }
  return { glob, leadGlob };
}

function hasUnescaped(pattern: string, ch: string, from: number): boolean {
  for (let k = from; k < pattern.length; k++) {
    if (pattern[k] === "\\") k++;
    else if (pattern[k] === ch) return true;
  }
  return false;
}

const unescapePattern = (pattern: string) => pattern.replace(/\\(.)/gs, "$1");

const MAX_BRACE_WORDS = 256;

/** Bash brace expansion of an escaped pattern; undefined when it would make too many words to judge. */
function expandBraces(pattern: string, budget = { left: MAX_BRACE_WORDS }): string[] | undefined {
  for (let k = 0; k < pattern.length; k++) {
    if (pattern[k] === "\\") {
      k++;
      continue;
    }
    if (pattern[k] !== "{") continue;
    // the matching brace, and the commas at its top level
    let depthCount = 0;
    let end = -1;
    const commas: number[] = [];
    for (let j = k; j < pattern.length; j++) {
      const c = pattern[j]!;
      if (c === "\\") j++;
      else if (c === "{") depthCount++;
      else if (c === "}" && --depthCount === 0) {
        end = j;
        break;
      } else if (c === "," && depthCount === 1) commas.push(j);
    }
    if (end < 0) return [pattern];
    const body = pattern.slice(k + 1, end);
    let alternatives: string[] | undefined;
    if (commas.length) {
      alternatives = [];
      let from = k + 1;
      for (const comma of [...commas, end]) {
        alternatives.push(pattern.slice(from, comma));
        from = comma + 1;
      }
    } else {
      const seq = /^(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])(?:\.\.(-?\d+))?$/.exec(body);
      if (seq) {
        const numeric = /\d/.test(seq[1]!);
        const a = numeric ? parseInt(seq[1]!, 10) : seq[1]!.charCodeAt(0);
        const b = numeric ? parseInt(seq[2]!, 10) : seq[2]!.charCodeAt(0);
        const step = Math.abs(parseInt(seq[3] ?? "1", 10)) || 1;
        if (Math.abs(b - a) / step + 1 > budget.left) return undefined;
        alternatives = [];
        for (let v = a; a <= b ? v <= b : v >= b; v += a <= b ? step : -step) alternatives.push(numeric ? String(v) : escapePattern(String.fromCharCode(v)));
      }
    }
    if (!alternatives) continue; // not an expansion: `{x}`, `{}`; an inner one may still be
    const prefix = pattern.slice(0, k);
    const suffix = pattern.slice(end + 1);
    const out: string[] = [];
    for (const alternative of alternatives) {
      const expanded = expandBraces(prefix + alternative + suffix, budget);
      if (!expanded) return undefined;
      out.push(...expanded);
      if (out.length > budget.left) return undefined;
    }
    budget.left -= out.length;
    return out;
  }
  return [pattern];
}

/** The words a word becomes after brace expansion (itself when it has none). */
function expandWord(word: Word): Word[] {
  if (!word.braces) return [word];
  const expanded = expandBraces(word.pattern);
  if (!expanded) return [{ ...word, dynamic: true, split: true, leadDynamic: true, braces: false }];
  if (expanded.length === 1 && expanded[0] === word.pattern) return [{ ...word, braces: false }];
  return expanded.map((pattern) => ({
    ...word,
    text: unescapePattern(pattern),
    pattern,
    braces: false,
    ...globInfo(pattern),
    leadDynamic: word.leadDynamic || (word.dynamic && expanded.length > 1),
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// Judging: shared pieces

interface Judgement {
  level: RiskLevel;
  reason?: string;
  /** The command changes the working directory: to this path, or (null) somewhere not known. */
  chdir?: string | null;
  /** "unknown" only because the program is not one this table knows. */
  unrecognised?: boolean;
}

interface Situation {
  root: string;
  /** undefined: not known here (after a `cd` that may or may not have run, or inside a find -execdir) */
  cwd: string | undefined;
  home: string;
  /** Variables this line sets to values that could hold code; bash evaluates them when used as numbers. */
  suspicious: Set<string>;
  programs: string[];
  depth: number;
}

const judge = (level: RiskLevel, reason?: string): Judgement => ({ level, reason });
const READ_ONLY: Judgement = { level: "read-only" };

function worst(judgements: (Judgement | undefined)[]): Judgement {
  let result = READ_ONLY;
  for (const j of judgements) if (j && SEVERITY[j.level] > SEVERITY[result.level]) result = j;
  return result;
}

const literalWord = (text: string): Word => ({ ...emptyWord(), text, pattern: escapePattern(text), ...globInfo(escapePattern(text)) });
const runtimeWord = (text: string): Word => ({ ...emptyWord(), text, dynamic: true, split: true, leadDynamic: true, pattern: escapePattern(text) });
const synthetic = (words: Word[], piped = false): SimpleCommand => ({ words, redirects: [], piped, prev: "", scope: [], substitution: false, arithmetic: [], hazards: [], assigns: [] });

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)(\+?=)/;
const isAssignment = (w: Word) => !w.leadDynamic && ASSIGNMENT.test(w.text);

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
function nameRisk(name: Word | undefined, what: string): Judgement | undefined {
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
function arithmeticRisk(expr: string, sit: Situation): Judgement | undefined {
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
function numericRisk(w: Word | undefined, sit: Situation): Judgement | undefined {
  if (!w) return undefined;
  if (!w.dynamic && /^\s*[-+]?(\d+|0[xX][0-9a-fA-F]+)\s*$/.test(w.text)) return undefined;
  if (w.dynamic && /^\$\{?[?#$!]\}?$/.test(w.text)) return undefined;
  return arithmeticRisk(w.text, sit);
}

// ---------------------------------------------------------------------------------------------------------------
// Paths

const DEVICE_OK = /^\/dev\/(null|zero|u?random|stdin|stdout|stderr|tty|fd\/\d+)$/;
const MAX_GLOB_MATCHES = 2000;

/** The absolute path a (non-glob) shell word names, not normalised: `..` is resolved later, physically. */
function absolutePath(text: string, sit: Situation): string {
  if (text.startsWith("/")) return text;
  if (text === "~") return sit.home;
  if (text.startsWith("~/")) return `${sit.home}/${text.slice(2)}`;
  return `${sit.cwd ?? sit.root}/${text}`;
}

const isRelative = (text: string) => !(text.startsWith("/") || text === "~" || text.startsWith("~/"));

/** The files a glob word matches now (as bash would expand it), or the word itself when it matches nothing. */
function globCandidates(w: Word, sit: Situation): string[] {
  const pattern = w.pattern;
  let base: string;
  let rest: string;
  if (pattern.startsWith("/")) [base, rest] = ["", pattern.slice(1)];
  else if (pattern === "~" || pattern.startsWith("~/")) [base, rest] = [sit.home, pattern.slice(2)];
  else [base, rest] = [sit.cwd ?? sit.root, pattern];
  let current = [base];
  for (const segment of rest.split("/")) {
    if (!segment) continue;
    if (!globInfo(segment).glob) {
      current = current.map((d) => `${d}/${unescapePattern(segment)}`);
      continue;
    }
    const regex = globToRegExp(segment, { pathMode: true });
    const next: string[] = [];
    for (const dir of current) {
      let entries: string[] = [];
      try {
        entries = readdirSync(dir || "/");
      } catch {
        continue;
      }
      for (const entry of entries) {
        if ((entry.startsWith(".") && !segment.startsWith(".")) || !regex.test(entry)) continue;
        next.push(`${dir}/${entry}`);
        if (next.length > MAX_GLOB_MATCHES) return [`${base}/${unescapePattern(rest).replace(/[*?[\]]/g, "_")}`, ...next];
      }
    }
    if (!next.length) return [absolutePath(w.text, sit)];
    current = next;
  }
  return current;
}

function outsideJudgement(verb: "reads" | "touches", text: string, why = "outside the project root"): Judgement {
  return verb === "reads" ? judge("unknown", `reads ${text} ${why}`) : judge("destructive", `changes ${text} ${why}`);
}

/** Checks path arguments; returns a judgement when one escapes the root (or can't be known). */
function pathRisk(words: Word[], sit: Situation, verb: "reads" | "touches"): Judgement | undefined {
  for (const w of words) {
    if (w.text === "-" && !w.dynamic) continue;
    if (w.dynamic && /^[<>]\(/.test(w.text)) continue;
    if (w.dynamic) return judge("unknown", `${verb} a path computed at run time (${w.text})`);
    if (DEVICE_OK.test(w.text)) continue;
    const text = w.text;
    if (text.startsWith("~") && text !== "~" && !text.startsWith("~/")) return judge("unknown", `${verb} another user's home or the directory stack (${text})`);
    if (isRelative(text) && sit.cwd === undefined) {
      return outsideJudgement(verb, text, "relative to a working directory that is not known here (after a cd that may not have run), so as if outside the project root");
    }
    const candidates = w.glob ? globCandidates(w, sit) : [absolutePath(text, sit)];
    const escaping = candidates.find((p) => !isShellPathWithinRoot(p, sit.root));
    if (escaping !== undefined) return outsideJudgement(verb, w.glob ? `${text} (matching ${escaping})` : text);
  }
  return undefined;
}

function judgeRedirects(redirects: Redirect[], sit: Situation): Judgement | undefined {
  const found: (Judgement | undefined)[] = [];
  for (const r of redirects) {
    const op = r.op.replace(/^\d+/, "");
    const target = r.target;
    if (!target || op === "<<" || op === "<<-" || op === "<<<") continue;
    if ((op === ">&" || op === "<&") && /^(\d+|-)$/.test(target.text)) continue;
    const writes = op !== "<" && op !== "<&";
    if (target.dynamic) {
      found.push(judge("unknown", `redirects to a path computed at run time (${target.text})`));
      continue;
    }
    if (DEVICE_OK.test(target.text)) continue;
    const outside = pathRisk([{ ...target, glob: false }], sit, writes ? "touches" : "reads");
    if (outside) found.push(writes && outside.level === "destructive" ? judge("destructive", outside.reason!.replace(/^changes/, "writes")) : outside);
    else if (writes) found.push(judge("write", `writes ${target.text}`));
  }
  return worst(found);
}

// ---------------------------------------------------------------------------------------------------------------
// Options: parsed the way getopt does, against a table of the options known to be safe

type OptionKind = "flag" | "value" | "read" | "write" | "deny" | "optional" | "value2" | "value2read";

interface OptionTable {
  short: Map<string, OptionKind>;
  long: Map<string, OptionKind>;
}

const KIND_MARKS: Record<string, OptionKind> = { ":": "value", "<": "read", ">": "write", "!": "deny", "?": "optional" };

/** Short options: each letter, optionally followed by `:` (takes a value), `<` (a path it reads), `>` (a path it
 *  writes), `!` (not allowed: runs programs, writes or reads what can't be checked) or `?` (optional glued value).
 *  Long options: space-separated names, with `=` (value), `=<`, `=>`, `=2` (two values), `=2<` (a value, then a
 *  path it reads), `!` or `?`. */
function options(short: string, long = ""): OptionTable {
  const table: OptionTable = { short: new Map(), long: new Map() };
  for (let k = 0; k < short.length; k++) {
    const letter = short[k]!;
    const mark = KIND_MARKS[short[k + 1] ?? ""];
    table.short.set(letter, mark ?? "flag");
    if (mark) k++;
  }
  for (const token of long.split(/\s+/).filter(Boolean)) {
    const m = /^([^=!?]+)(=2<|=2|=<|=>|=|!|\?)?$/.exec(token)!;
    const kind: OptionKind =
      m[2] === "=2<" ? "value2read" : m[2] === "=2" ? "value2" : m[2] === "=<" ? "read" : m[2] === "=>" ? "write" : m[2] === "=" ? "value" : m[2] === "!" ? "deny" : m[2] === "?" ? "optional" : "flag";
    table.long.set(m[1]!, kind);
  }
  return table;
}

interface ParsedArgs {
  operands: Word[];
  values: { option: string; kind: OptionKind; word: Word }[];
  flags: Set<string>;
  problem?: string;
}

interface ParseRules {
  /** Every option is harmless and none takes a path: options are skipped, their values judged as operands. */
  any?: boolean;
  /** -NUM is an option (head -5, grep -3) */
  numeric?: boolean;
  /** Arguments computed at run time are harmless even if they turn out to be options. */
  dynamicOk?: boolean;
  /** A file name matched by a glob can't do harm even if it looks like an option. */
  globSafe?: boolean;
}

function parseArgs(name: string, args: Word[], table: OptionTable | undefined, rules: ParseRules = {}): ParsedArgs {
  const parsed: ParsedArgs = { operands: [], values: [], flags: new Set() };
  const problem = (why: string) => {
    parsed.problem ??= why;
  };
  let endOfOptions = false;
  for (let k = 0; k < args.length; k++) {
    const w = args[k]!;
    if (endOfOptions) {
      parsed.operands.push(w);
      continue;
    }
    if (w.dynamic && (w.split || w.leadDynamic)) {
      if (!rules.dynamicOk && !rules.any) problem(`an argument computed at run time (${w.text}) may turn out to be an option of ${name}`);
      parsed.operands.push(w);
      continue;
    }
    if (w.leadGlob && !rules.globSafe && !rules.any) {
      problem(`a file name matched by ${w.text} would be taken as an option of ${name} if it starts with -`);
      parsed.operands.push(w);
      continue;
    }
    const t = w.text;
    if (t === "--") {
      endOfOptions = true;
      continue;
    }
    if (!t.startsWith("-") || t === "-") {
      parsed.operands.push(w);
      continue;
    }
    if (rules.any || !table) {
      parsed.flags.add(t.split("=")[0]!);
      continue;
    }
    if (t.startsWith("--")) {
      const eq = t.indexOf("=");
      const option = eq < 0 ? t.slice(2) : t.slice(2, eq);
      const kind = table.long.get(option);
      if (!kind) {
        problem(`${name} --${option} is not an option known to be safe`);
        continue;
      }
      if (kind === "deny") {
        problem(`${name} --${option} can run programs, write files or read files that can't be checked`);
        continue;
      }
      parsed.flags.add(`--${option}`);
      if (kind === "flag") {
        if (eq >= 0) problem(`${name} --${option} takes no value`);
        continue;
      }
      if (kind === "optional") {
        if (eq >= 0) parsed.values.push({ option: `--${option}`, kind: "value", word: { ...w, text: t.slice(eq + 1) } });
        continue;
      }
      if (kind === "value2" || kind === "value2read") {
        const first = eq >= 0 ? { ...w, text: t.slice(eq + 1) } : args[++k];
        const second = args[++k];
        if (!first || !second) {
          problem(`${name} --${option} without its values`);
          continue;
        }
        parsed.values.push({ option: `--${option}`, kind: "value", word: first }, { option: `--${option}`, kind: kind === "value2read" ? "read" : "value", word: second });
        continue;
      }
      const value = eq >= 0 ? { ...w, text: t.slice(eq + 1) } : args[++k];
      if (!value) {
        problem(`${name} --${option} without its value`);
        continue;
      }
      parsed.values.push({ option: `--${option}`, kind, word: value });
      continue;
    }
    if (rules.numeric && /^-\d+$/.test(t)) {
      parsed.flags.add(t);
      continue;
    }
    for (let c = 1; c < t.length; c++) {
      const letter = t[c]!;
      const kind = table.short.get(letter);
      if (!kind) {
        problem(`${name} -${letter} is not an option known to be safe`);
        break;
      }
      if (kind === "deny") {
        problem(`${name} -${letter} can run programs, write files or read files that can't be checked`);
        break;
      }
      parsed.flags.add(`-${letter}`);
      if (kind === "flag") continue;
      const rest = t.slice(c + 1);
      if (kind === "optional") {
        if (rest) parsed.values.push({ option: `-${letter}`, kind: "value", word: { ...w, text: rest } });
        break;
      }
      const value = rest ? { ...w, text: rest } : args[++k];
      if (!value) {
        problem(`${name} -${letter} without its value`);
        break;
      }
      if (kind === "value2" || kind === "value2read") {
        const second = args[++k];
        if (!second) problem(`${name} -${letter} without its values`);
        else parsed.values.push({ option: `-${letter}`, kind: "value", word: value }, { option: `-${letter}`, kind: kind === "value2read" ? "read" : "value", word: second });
        break;
      }
      parsed.values.push({ option: `-${letter}`, kind, word: value });
      break;
    }
  }
  for (const v of parsed.values) {
    if (v.kind === "value" && v.word.dynamic && v.word.split && !rules.dynamicOk) problem(`the value of ${name} ${v.option} (${v.word.text}) is computed at run time and may split into more options`);
  }
  return parsed;
}

/** The judgement of the option values that are paths: reads checked, writes checked and counted as writes. */
function valueRisks(name: string, parsed: ParsedArgs, sit: Situation): Judgement[] {
  const out: Judgement[] = [];
  for (const v of parsed.values) {
    if (v.kind === "read") {
      const j = pathRisk([v.word], sit, "reads");
      if (j) out.push(j);
    } else if (v.kind === "write") {
      out.push(pathRisk([v.word], sit, "touches") ?? judge("write", `${name} ${v.option} writes ${v.word.text}`));
    }
  }
  return out;
}

const has = (parsed: ParsedArgs, ...names: string[]) => names.some((n) => parsed.flags.has(n));
const valuesOf = (parsed: ParsedArgs, ...names: string[]) => parsed.values.filter((v) => names.includes(v.option)).map((v) => v.word);

// ---------------------------------------------------------------------------------------------------------------
// Read-only programs: the options each is known to be harmless with

interface ProgramSpec {
  table?: OptionTable;
  rules?: ParseRules;
  /** paths: every operand is a path it reads; none: operands are not paths; pattern: the first operand is a pattern
   *  (unless an option in `patternFrom` gave it), the rest are paths. */
  operands: "paths" | "none" | "pattern";
  patternFrom?: string[];
  /** Extra checks after the options are known. */
  check?(parsed: ParsedArgs, sit: Situation, name: string): Judgement | undefined;
}

const SPECS = new Map<string, ProgramSpec>();
const spec = (names: string, s: ProgramSpec) => {
  for (const n of names.split(" ")) SPECS.set(n, s);
};

// programs none of whose options can write, run anything or name a path
spec("ls cat head tail nl tac rev fold fmt paste join od stat realpath readlink column lsof comm cmp df", { operands: "paths", rules: { any: true, numeric: true } });
spec("cut", { operands: "paths", table: options("nszb:c:d:f:", "bytes= characters= delimiter= fields= complement only-delimited output-delimiter= zero-terminated help version") });
spec("basename dirname pwd true false : whoami id groups uname uptime free nproc arch lsb_release locale getconf tty cal printenv sleep seq expr clear help pgrep alias unalias logout which whereis type netstat top", {
  operands: "none",
  rules: { any: true, dynamicOk: true },
});
spec("echo", { operands: "none", rules: { any: true, dynamicOk: true } });
spec("tr", { operands: "none", rules: { any: true } });
spec("less more", { operands: "paths", table: options("") });
spec("strings", {
  operands: "paths",
  rules: { any: true },
  check: (p) => (p.operands.some((w) => w.text.startsWith("@")) ? judge("unknown", "strings @FILE reads more options from a file") : undefined),
});
spec("grep egrep fgrep", {
  operands: "pattern",
  patternFrom: ["-e", "-f", "--regexp", "--file"],
  rules: { numeric: true, globSafe: true },
  table: options(
    "abcEFGhHiIlLnoPqrRsTuUvVwxyzZA:B:C:d:D:e:f<m:",
    "extended-regexp fixed-strings basic-regexp perl-regexp regexp= file=< ignore-case no-ignore-case word-regexp line-regexp null-data no-messages invert-match " +
      "version help max-count= byte-offset line-number no-line-number line-buffered with-filename no-filename label= only-matching quiet silent binary-files= text " +
      "directories= devices= recursive dereference-recursive include= exclude= exclude-from=< exclude-dir= files-without-match files-with-matches count initial-tab " +
      "null color? colour? after-context= before-context= context= binary unix-byte-offsets",
  ),
});
spec("rg", {
  operands: "pattern",
  patternFrom: ["-e", "-f", "--regexp", "--file", "--files", "--type-list"],
  table: options(
    "abcFhHiIlLnNopqsSuUvVwxz0P.A:B:C:d:e:E:f<g:j:m:M:r:t:T:",
    "after-context= before-context= binary block-buffered byte-offset case-sensitive color= colors= column context= context-separator= count count-matches crlf " +
      "debug dfa-size-limit= encoding= engine= field-context-separator= field-match-separator= file=< files files-with-matches files-without-match fixed-strings " +
      "follow glob= glob-case-insensitive heading hidden iglob= ignore-case ignore-file=< ignore-file-case-insensitive include-zero invert-match json " +
      "line-buffered line-number line-regexp max-columns= max-columns-preview max-count= max-depth= max-filesize= mmap multiline multiline-dotall no-config " +
      "no-filename no-heading no-ignore no-ignore-dot no-ignore-exclude no-ignore-files no-ignore-global no-ignore-messages no-ignore-parent no-ignore-vcs " +
      "no-line-number no-messages no-mmap no-pcre2-unicode no-require-git no-unicode null null-data one-file-system only-matching passthru path-separator= pcre2 " +
      "pcre2-version pretty quiet regex-size-limit= regexp= replace= search-zip smart-case sort= sortr= stats text threads= trim type= type-add= type-clear= " +
      "type-list type-not= unrestricted vimgrep with-filename word-regexp pre! pre-glob= hostname-bin! hyperlink-format= help version",
  ),
});
spec("ag", {
  operands: "pattern",
  table: options(
    "acDfhHilLnoQsSuUvwz0A:B:C:G:g:m:p<",
    "ackmate all-types all-text after= before= break nobreak case-sensitive color nocolor color-line-number= color-match= color-path= column context= count debug " +
      "depth= file-search-regex= files-with-matches files-without-matches filename nofilename follow fixed-strings group nogroup heading noheading hidden ignore= " +
      "ignore-case ignore-dir= invert-match line-numbers literal max-count= numbers nonumbers one-device only-matching path-to-ignore=< print-long-lines recurse " +
      "norecurse search-binary search-zip silent skip-vcs-ignores smart-case stats unrestricted vimgrep word-regexp workers= null print0 pager! version help",
  ),
});
spec("wc", { operands: "paths", rules: { globSafe: false }, table: options("clmwL", "bytes chars lines words max-line-length total= files0-from! help version") });
spec("du", {
  operands: "paths",
  table: options(
    "0abcDhHklLmPsSxB:d:t:X<",
    "null all apparent-size block-size= bytes total dereference-args dereference human-readable inodes kilo max-depth= si summarize separate-dirs threshold= time? " +
      "time-style= exclude-from=< exclude= one-file-system count-links no-dereference files0-from! help version",
  ),
});
spec("diff", {
  operands: "paths",
  rules: { numeric: true, globSafe: true },
  table: options(
    "abBcdeEhHilnNpPqrsStTuvwyZC:D:F:I:L:S:U:W:x:X<",
    "normal brief report-identical-files context? unified? ed rcs side-by-side width= left-column suppress-common-lines show-c-function show-function-line= label= " +
      "expand-tabs initial-tab tabsize= suppress-blank-empty paginate new-file unidirectional-new-file ignore-case ignore-tab-expansion ignore-trailing-space " +
      "ignore-space-change ignore-all-space ignore-blank-lines ignore-matching-lines= text strip-trailing-cr recursive no-dereference starting-file= exclude= " +
      "exclude-from=< ignore-file-name-case no-ignore-file-name-case from-file=< to-file=< minimal horizon-lines= speed-large-files old-line-format= new-line-format= " +
      "unchanged-line-format= line-format= old-group-format= new-group-format= unchanged-group-format= changed-group-format= ifdef= color? palette= help version binary",
  ),
});
spec("sort", {
  operands: "paths",
  table: options(
    "bcCdfghiMmnRrsuVzk:o>S:t:T>",
    "ignore-leading-blanks dictionary-order ignore-case general-numeric-sort ignore-nonprinting month-sort human-numeric-sort numeric-sort random-sort " +
      "random-source=< reverse sort= version-sort batch-size= check? compress-program! debug files0-from! key= merge output=> stable buffer-size= field-separator= " +
      "temporary-directory=> parallel= unique zero-terminated help version",
  ),
});
spec("uniq", {
  operands: "none",
  table: options("cdDiuzf:s:w:", "count repeated all-repeated? group? skip-fields= skip-chars= ignore-case unique zero-terminated check-chars= help version"),
  // uniq [INPUT [OUTPUT]]: the second operand is written
  check: (p, sit) => worst([pathRisk(p.operands.slice(0, 1), sit, "reads"), p.operands[1] ? (pathRisk(p.operands.slice(1), sit, "touches") ?? judge("write", `uniq writes ${p.operands[1].text}`)) : undefined]),
});
spec("hexdump", {
  operands: "paths",
  table: options("bcCdoxvLe:f<n:s:", "canonical format= format-file=< length= skip= no-squeezing color? one-byte-octal one-byte-char one-byte-hex two-bytes-decimal two-bytes-octal two-bytes-hex help version"),
});
spec("md5sum sha1sum sha224sum sha256sum sha384sum sha512sum b2sum cksum", {
  operands: "paths",
  table: options("btwzc!l:a:", "binary text tag zero quiet status strict warn ignore-missing check! length= algorithm= base64 raw untagged debug help version"),
});
spec("file", {
  operands: "paths",
  table: options(
    "bcdEhiIklLNnprsSvz0ZC!e:f!F:m<P:",
    "brief compile! checking-printout dereference no-dereference exclude= exclude-quiet= extension files-from! separator= mime mime-type mime-encoding apple " +
      "keep-going list magic-file=< no-buffer no-pad print0 parameter= preserve-date raw special-files uncompress uncompress-noreport help version",
  ),
});
spec("tree", {
  operands: "paths",
  table: options(
    "adlfFiqNQpugshDrtcUvCnASJXxL:P:I:H:T:o>R!",
    "noreport dirsfirst filesfirst du si prune matchdirs ignore-case charset= filelimit= sort= gitignore gitfile=< infofile=< timefmt= inodes device nolinks " +
      "fromfile! fromtabfile! metafirst hyperlink= scheme= authority= help version",
  ),
});
spec("hostname", {
  operands: "none",
  table: options("adfisyAIvF!b!", "alias domain fqdn long ip-address all-fqdns all-ip-addresses short yp nis verbose file! boot! help version"),
  check: (p) => (p.operands.length ? judge("unknown", "hostname NAME changes the host name") : undefined),
});
spec("ss", {
  operands: "none",
  table: options(
    "hVHnraloeOmpisEZzbxuwSt46M0TK!D>F<A:f:N:",
    "help version no-header numeric resolve all listening options extended memory processes threads info tos cgroup summary events context contexts net= bpf " +
      "kill! diag=> filter=< query= socket= family= ipv4 ipv6 packet tcp udp dccp raw unix sctp vsock xdp mptcp tipc inet-sockopt oneline no-queues",
  ),
});
spec("jobs", { operands: "none", table: options("lnprs") });
spec("dirs", { operands: "none", rules: { any: true } });

function judgeBySpec(name: string, s: ProgramSpec, args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs(name, args, s.table, s.rules);
  if (parsed.problem) return judge("unknown", parsed.problem);
  const results: (Judgement | undefined)[] = valueRisks(name, parsed, sit);
  if (s.operands === "paths") results.push(pathRisk(parsed.operands, sit, "reads"));
  else if (s.operands === "pattern") {
    const given = s.patternFrom?.some((o) => parsed.flags.has(o));
    results.push(pathRisk(given ? parsed.operands : parsed.operands.slice(1), sit, "reads"));
  }
  results.push(s.check?.(parsed, sit, name));
  return worst(results);
}

// ---------------------------------------------------------------------------------------------------------------
// Programs that change files inside the root (their paths checked) and the build and run tools

const WRITE_SPECS = new Map<string, { table: OptionTable; check?(parsed: ParsedArgs, sit: Situation): Judgement | undefined }>();
const writeSpec = (names: string, table: OptionTable, check?: (parsed: ParsedArgs, sit: Situation) => Judgement | undefined) => {
  for (const n of names.split(" ")) WRITE_SPECS.set(n, { table, check });
};
const suffixCheck = (p: ParsedArgs): Judgement | undefined =>
  valuesOf(p, "-S", "--suffix").some((w) => w.text.includes("/") || w.dynamic) ? judge("unknown", "a backup suffix containing / names a path of its own") : undefined;
writeSpec("touch", options("acfhmd:r<t:", "no-create date= no-dereference reference=< time= help version"));
writeSpec("mkdir", options("pvZm:", "mode= parents verbose context? help version"));
writeSpec(
  "cp",
  options(
    "abdfHilLnpPrRsTuvxZS:t>",
    "archive attributes-only backup? copy-contents debug dereference force interactive link no-clobber no-dereference preserve? no-preserve= parents recursive " +
      "reflink? remove-destination sparse= strip-trailing-slashes suffix= symbolic-link target-directory=> no-target-directory update? verbose one-file-system " +
      "context? keep-directory-symlink help version",
  ),
  suffixCheck,
);
writeSpec("mv", options("bfinTuvZS:t>", "backup? debug exchange force interactive no-clobber no-copy strip-trailing-slashes suffix= target-directory=> no-target-directory update? verbose context help version"), suffixCheck);
writeSpec("ln", options("bdFfinLPrsTvS:t>", "backup? directory force interactive logical no-dereference physical relative symbolic suffix= target-directory=> no-target-directory verbose help version"), suffixCheck);
writeSpec("rmdir", options("pv", "ignore-fail-on-non-empty parents verbose help version"));
writeSpec("tee", options("aip", "append ignore-interrupts output-error? help version"));
writeSpec("truncate", options("cor<s:", "no-create io-blocks reference=< size= help version"));
writeSpec(
  "install",
  options("bcCdDpsTvZg:m:o:S:t>", "backup? compare directory group= mode= owner= preserve-timestamps strip strip-program! suffix= target-directory=> no-target-directory verbose preserve-context context? debug help version"),
  suffixCheck,
);
writeSpec(
  "patch",
  options(
    "bcElnNRstTuZfB:d>D:e!F:g!i<o>p:r>V:x:Y:z:",
    "backup backup-if-mismatch no-backup-if-mismatch context prefix= directory=> ifdef= ed! remove-empty-files force fuzz= get! input=< ignore-whitespace normal " +
      "forward output=> strip= reject-file=> reverse silent quiet batch set-time set-utc unified version-control= basename-prefix= suffix= dry-run verbose posix " +
      "merge? quoting-style= read-only= follow-symlinks reject-format= binary help version",
  ),
);
writeSpec("gzip gunzip", options("cdfhklLnNqrtvV123456789S:", "stdout to-stdout decompress uncompress force help keep list license no-name name quiet recursive rsyncable suffix= synchronous test verbose version fast best"), suffixCheck);
writeSpec("bzip2 bunzip2", options("cdzkfvtsqLV123456789", "decompress compress keep force test stdout quiet verbose small fast best help license version"));
writeSpec(
  "xz unxz",
  options(
    "zdtlkfcqvhHV0123456789eT:F:C:M:S:",
    "compress decompress uncompress test list keep force stdout to-stdout suffix= format= check= memlimit= memlimit-compress= memlimit-decompress= threads= quiet " +
      "verbose extreme single-stream no-sparse block-size= no-adjust robot info-memory help long-help version files! files0! lzma1= lzma2= x86 delta=",
  ),
  suffixCheck,
);
writeSpec("unzip", options("acfjlLnoqtTuvVXzZCKd>P:O:I:x:"));

/** Build and run tools: ordinary development work (they run the project's own code). */
const RUNS_CODE = new Set(
  (
    "make cmake ninja npm pnpm yarn pip pip3 pipx uv poetry pytest cargo rustc rustup go gcc g++ cc clang javac java mvn gradle tsc eslint prettier jest " +
    "vitest mocha ruff black isort mypy flake8 pylint dotnet swift bundle rake gem composer git-lfs gofmt rustfmt clang-format shellcheck"
  ).split(" "),
);

const POSIX_SHELLS = new Set(["sh", "bash", "dash"]);
const OTHER_SHELLS = new Set(["zsh", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "yash"]);
const INTERPRETER = /^(python[0-9.]*|pypy[0-9.]*|node|nodejs|bun|deno|perl|ruby|php|lua|luajit|R|Rscript|julia)$/;
/** Programs that run whatever they read on stdin (for process_write_stdin). */
const READS_CODE = new Set([
  ...POSIX_SHELLS, ...OTHER_SHELLS, "xargs", "parallel", "ed", "ex", "vi", "vim", "nvim", "gdb", "lldb", "sqlite3", "psql", "mysql", "mongo", "mongosh", "redis-cli",
  "irb", "pry", "ipython", "jshell", "ghci", "iex", "erl", "scala", "tclsh", "wish", "nc", "ncat", "socat", "telnet", "ssh", "ftp",
]);

const DESTRUCTIVE: Record<string, string> = {
  dd: "dd writes raw data to files or devices",
  shred: "shred destroys file contents",
  wipefs: "wipefs erases file-system signatures",
  fdisk: "fdisk changes partition tables",
  sfdisk: "sfdisk changes partition tables",
  parted: "parted changes partition tables",
  mkswap: "mkswap formats a device",
  mount: "mount changes mounted file systems",
  umount: "umount changes mounted file systems",
  shutdown: "shuts the machine down",
  reboot: "reboots the machine",
  halt: "halts the machine",
  poweroff: "powers the machine off",
  systemctl: "systemctl controls system services",
  service: "service controls system services",
  crontab: "crontab changes scheduled jobs",
  iptables: "iptables changes the firewall",
  useradd: "changes system users",
  userdel: "changes system users",
  usermod: "changes system users",
  passwd: "changes passwords",
  chattr: "chattr changes file attributes",
  killall: "killall kills processes by name",
  pkill: "pkill kills processes by pattern",
  sudo: "sudo runs a command with elevated privileges",
  doas: "doas runs a command with elevated privileges",
  su: "su switches user",
  pkexec: "pkexec runs a command with elevated privileges",
};

const LEADING_KEYWORDS = new Set(["if", "then", "else", "elif", "do", "while", "until", "!", "{", "}", "fi", "done", "esac"]);
/** Loop headers and function declarations start no program themselves. */
const HEADER_KEYWORDS = new Set(["for", "select", "function", "case", "in"]);
/** Where a program named with a path is still the system's own. */
const SYSTEM_BIN = new Set(["/bin", "/usr/bin", "/usr/local/bin", "/sbin", "/usr/sbin", "/usr/local/sbin", "/opt/homebrew/bin"]);

// ---------------------------------------------------------------------------------------------------------------
// Judging a simple command

function judgeCommand(cmd: SimpleCommand, sit: Situation): Judgement {
  const judgement = judgeSimpleCommand(cmd, sit);
  if (judgement.level === "write" && !judgement.reason) {
    const head = cmd.words.find((w) => !isAssignment(w) && !LEADING_KEYWORDS.has(w.text));
    return { ...judgement, reason: head ? `${basename(head.text)} may change files in the project` : "writes a file in the project" };
  }
  return judgement;
}

function judgeSimpleCommand(cmd: SimpleCommand, sit: Situation): Judgement {
  const results: (Judgement | undefined)[] = [];
  for (const hazard of cmd.hazards) results.push(judge("unknown", hazard));
  for (const expr of cmd.arithmetic) results.push(arithmeticRisk(expr, sit));
  for (const name of cmd.assigns) results.push(nameRisk(literalWord(name), "sets"));
  results.push(judgeRedirects(cmd.redirects, sit));

  let words = cmd.words.flatMap(expandWord);
  // leading assignments (FOO=1 cmd) and the shell's reserved words around the real command
  while (words.length && (isAssignment(words[0]!) || (!words[0]!.dynamic && LEADING_KEYWORDS.has(words[0]!.text)))) {
    const m = ASSIGNMENT.exec(words[0]!.text);
    if (m && isAssignment(words[0]!)) results.push(nameRisk(literalWord(m[1]!), "sets"));
    words = words.slice(1);
  }
  if (words.length && !words[0]!.dynamic && HEADER_KEYWORDS.has(words[0]!.text)) {
    if (words[0]!.text === "for" || words[0]!.text === "select") results.push(nameRisk(words[1], "sets"));
    words = [];
  }
  if (!words.length) return worst(results);

  for (let guard = 0; guard < 8; guard++) {
    const head = words[0]!;
    if (head.dynamic) return worst([...results, judge("unknown", `runs a program whose name is computed at run time (${head.text})`)]);
    if (head.glob) return worst([...results, judge("unknown", `runs a program named by a pattern (${head.text})`)]);
    const name = basename(head.text);
    if (head.text.includes("/") && !SYSTEM_BIN.has(dirname(head.text))) {
      sit.programs.push(name);
      const outside = pathRisk([head], sit, "reads");
      return worst([...results, outside ? judge("unknown", `runs ${head.text}, a program outside the project root`) : judge("write", `runs ${head.text} from the project`)]);
    }
    if (DESTRUCTIVE[name]) {
      sit.programs.push(name);
      return worst([...results, judge("destructive", DESTRUCTIVE[name])]);
    }
    const unwrapped = unwrap(name, words.slice(1), sit);
    if (!unwrapped) break;
    sit.programs.push(name);
    results.push(...unwrapped.judgements);
    if (!unwrapped.words.length) return worst(results);
    words = unwrapped.words;
  }

  const head = words[0]!;
  const name = basename(head.text);
  const args = words.slice(1);
  sit.programs.push(name);
  let program = judgeProgram(name, args, cmd, sit);
  if (program.level === "write" && !program.reason) program = { ...program, reason: `${name} may change files in the project` };
  results.push(program);
  const result = worst(results);
  return program.chdir === undefined ? result : { ...result, chdir: program.chdir };
}

/** How many words the option `t` takes up (itself and a separate value), by the table. */
function optionSpan(table: OptionTable, t: string, rules: ParseRules = {}): number {
  if (t.startsWith("--")) {
    const kind = table.long.get(t.slice(2).split("=")[0]!);
    if (t.includes("=") || !kind || kind === "flag" || kind === "optional" || kind === "deny") return 1;
    return kind === "value2" || kind === "value2read" ? 3 : 2;
  }
  if (rules.numeric && /^-\d+$/.test(t)) return 1;
  for (let c = 1; c < t.length; c++) {
    const kind = table.short.get(t[c]!);
    if (!kind || kind === "deny" || kind === "optional") return 1;
    if (kind !== "flag") return c === t.length - 1 ? 2 : 1;
  }
  return 1;
}

/** Wrapper programs (env, time, timeout, nice, nohup, xargs, …) and the command they start; undefined when `name`
 *  is not a wrapper. */
function unwrap(name: string, rest: Word[], sit: Situation): { words: Word[]; judgements: Judgement[] } | undefined {
  const stop = (j: Judgement) => ({ words: [], judgements: [j] });
  const wrapped = (table: OptionTable, skipOperands = 0, rules: ParseRules = {}) => {
    // options up to the first operand, which starts the command
    let k = 0;
    let end = 0;
    while (k < rest.length && rest[k]!.text.startsWith("-") && rest[k]!.text !== "-" && !rest[k]!.dynamic) {
      if (rest[k]!.text === "--") {
        end = ++k;
        break;
      }
      k += optionSpan(table, rest[k]!.text, rules);
      end = k;
    }
    const parsed = parseArgs(name, rest.slice(0, end), table, rules);
    return { parsed, inner: rest.slice(end + skipOperands) };
  };
  switch (name) {
    case "env": {
      const { parsed, inner } = wrapped(options("i0vu:C!S!P!", "ignore-environment null unset= debug help version chdir! split-string! block-signal? default-signal? ignore-signal? list-signal-handling"));
      if (parsed.problem) return stop(judge("unknown", parsed.problem));
      const judgements: Judgement[] = [];
      let words = inner;
      while (words.length && isAssignment(words[0]!)) {
        const j = nameRisk(literalWord(ASSIGNMENT.exec(words[0]!.text)![1]!), "sets");
        if (j) judgements.push(j);
        words = words.slice(1);
      }
      if (words[0]?.dynamic) judgements.push(judge("unknown", `env runs a program computed at run time (${words[0].text})`));
      return { words, judgements };
    }
    case "time":
    case "nohup":
    case "builtin":
    case "setsid":
    case "stdbuf":
    case "nice":
    case "exec": {
      const tables: Record<string, OptionTable> = {
        time: options("pvaqo>f:", "portability verbose append quiet output=> format= help version"),
        nohup: options("", "help version"),
        builtin: options(""),
        setsid: options("cfw", "ctty fork wait help version"),
        stdbuf: options("i:o:e:", "input= output= error= help version"),
        nice: options("n:", "adjustment= help version"),
        exec: options("cla:"),
      };
      const { parsed, inner } = wrapped(tables[name]!, 0, { numeric: name === "nice" });
      if (parsed.problem) return stop(judge("unknown", parsed.problem));
      return { words: inner, judgements: valueRisks(name, parsed, sit) };
    }
    case "timeout": {
      const { parsed, inner } = wrapped(options("vs:k:", "signal= kill-after= preserve-status foreground verbose help version"), 1);
      if (parsed.problem) return stop(judge("unknown", parsed.problem));
      return { words: inner, judgements: [] };
    }
    case "command": {
      const { parsed, inner } = wrapped(options("pvV"));
      if (parsed.problem) return stop(judge("unknown", parsed.problem));
      if (has(parsed, "-v", "-V")) return { words: [], judgements: [] };
      return { words: inner, judgements: [] };
    }
    case "watch": {
      const { parsed, inner } = wrapped(options("btegcxpwqrn:d?", "interval= differences? no-title beep errexit chgexit color no-color exec precise no-linewrap no-rerun help version"));
      if (parsed.problem) return stop(judge("unknown", parsed.problem));
      if (has(parsed, "-x", "--exec")) return { words: inner, judgements: [] };
      // watch hands its arguments, joined by spaces, to sh -c
      return stop(classifyWithin(inner.map((w) => w.text).join(" "), { ...sit }));
    }
    case "xargs": {
      const { parsed, inner } = wrapped(
        options(
          "0rtxpoa<d:E:I:L:n:P:s:e?i?l?",
          "null arg-file=< delimiter= eof? replace? max-lines? max-args= max-procs= interactive no-run-if-empty max-chars= verbose exit open-tty show-limits process-slot-var= help version",
        ),
      );
      if (parsed.problem) return stop(judge("unknown", parsed.problem));
      const judgements = valueRisks(name, parsed, sit);
      const slot = valuesOf(parsed, "--process-slot-var")[0];
      if (slot) {
        const j = nameRisk(slot, "sets");
        if (j) judgements.push(j);
      }
      const replace = valuesOf(parsed, "-I", "--replace", "-i")[0]?.text ?? (has(parsed, "-i", "--replace") ? "{}" : undefined);
      const command = inner.length ? inner : [literalWord("echo")];
      // the arguments come from stdin: only known at run time
      const words = replace
        ? command.map((w, k) => (k > 0 && w.text.includes(replace) ? { ...w, dynamic: true, leadDynamic: w.leadDynamic || w.text.startsWith(replace) } : w))
        : [...command, runtimeWord("(arguments read from stdin)")];
      return { words, judgements };
    }
    default:
      return undefined;
  }
}

function judgeProgram(name: string, args: Word[], cmd: SimpleCommand, sit: Situation): Judgement {
  if (/^mkfs(\.|$)/.test(name)) return judge("destructive", "mkfs formats a file system");
  if (name === "rm") return hasShortOrLong(args, "rR", ["--recursive"]) ? judge("destructive", "rm -r deletes directories recursively") : judge("destructive", "rm deletes files");
  if (name === "git") return judgeGit(args, sit);
  if (POSIX_SHELLS.has(name) || OTHER_SHELLS.has(name)) return judgeShell(name, args, cmd, sit);
  if (INTERPRETER.test(name)) return judgeInterpreter(name, args, cmd, sit);
  const runner = runnerInner(name, args);
  if (runner) return judgeRunner(name, runner, sit);

  switch (name) {
    case "cd":
    case "pushd":
    case "popd":
      return judgeCd(name, args, sit);
    case "find":
      return judgeFind(args, sit);
    case "sed":
      return judgeSed(args, sit);
    case "awk":
    case "gawk":
    case "mawk":
    case "nawk":
      return judgeAwk(name, args, sit);
    case "jq":
      return judgeJq(args, sit);
    case "yq":
      return judgeYq(args, sit);
    case "xxd":
      return judgeXxd(args, sit);
    case "ps":
      return judgePs(args);
    case "date":
      return judgeDate(args, sit);
    case "man":
      return judgeMan(args, sit);
    case "tar":
      return judgeTar(args, sit);
    case "zip":
      return judgeZip(args, sit);
    case "chmod":
    case "chown":
    case "chgrp":
      return judgeChmod(name, args, sit);
    case "curl":
      return judgeCurl(args, sit);
    case "wget":
      return judgeWget(args, sit);
    case "make":
      return judgeMake(args, sit);
    case "printf":
      return judgePrintf(args, sit);
    case "test":
    case "[":
    case "[[":
    case "]]":
      return judgeTest(args, sit);
    case "exit":
    case "return":
    case "shift":
    case "break":
    case "continue":
      return args.length > 1 ? judge("unknown", `${name} with more than one argument`) : (numericRisk(args[0], sit) ?? READ_ONLY);
    case "read":
      return judgeRead(args, sit);
    case "export":
    case "declare":
    case "typeset":
    case "local":
    case "readonly":
      return judgeDeclare(name, args, sit);
    case "unset": {
      const parsed = parseArgs(name, args, options("fvn"));
      if (parsed.problem) return judge("unknown", parsed.problem);
      return worst(parsed.operands.map((w) => nameRisk(w, "unsets")));
    }
    case "set":
      return judgeSet(args);
    case "trap":
      return judgeTrap(args, sit);
    case "wait": {
      const parsed = parseArgs(name, args, options("nfp:"));
      if (parsed.problem) return judge("unknown", parsed.problem);
      return worst([nameRisk(valuesOf(parsed, "-p")[0], "sets"), ...parsed.operands.filter((w) => !/^%\d*$/.test(w.text)).map((w) => numericRisk(w, sit))]);
    }
    case "history":
      return args.every((w) => !w.dynamic && /^(-c|\d+)$/.test(w.text)) ? READ_ONLY : judge("unknown", "history with these options reads or writes a history file");
    case "kill":
      return judge("unknown", "kill sends signals to processes");
    case "eval":
    case "source":
    case ".":
      return judge("unknown", `${name} runs code that is only known at run time`);
  }

  const s = SPECS.get(name);
  if (s) return judgeBySpec(name, s, args, sit);
  const w = WRITE_SPECS.get(name);
  if (w) {
    const parsed = parseArgs(name, args, w.table);
    if (parsed.problem) return judge("unknown", parsed.problem);
    return worst([judge("write"), ...valueRisks(name, parsed, sit), w.check?.(parsed, sit), pathRisk(parsed.operands, sit, "touches")]);
  }
  if (RUNS_CODE.has(name)) {
    const sub = args[0]?.text ?? "";
    if (["publish", "unpublish"].includes(sub) || (name === "gem" && sub === "push")) return judge("unknown", `${name} ${sub} publishes a package`);
    return judge("write");
  }
  return { level: "unknown", reason: `unrecognised command '${name}'`, unrecognised: true };
}

/** Short-option clusters contain one of the letters, or a long option equals one of the names. */
function hasShortOrLong(args: Word[], letters: string, long: string[] = []): boolean {
  return args.some((w) => {
    const t = w.text;
    if (w.dynamic || !t.startsWith("-") || t === "-" || t === "--") return false;
    return t.startsWith("--") ? long.includes(t.split("=")[0]!) : [...t.slice(1)].some((ch) => letters.includes(ch));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Builtins

function judgeCd(name: string, args: Word[], sit: Situation): Judgement {
  if (name === "popd") return { level: "read-only", chdir: null };
  const parsed = parseArgs(name, args, options(name === "cd" ? "LPe@" : ""));
  if (parsed.problem) return { level: "unknown", reason: parsed.problem, chdir: null };
  const target = parsed.operands[0];
  if (!target) return { level: "unknown", reason: `${name} without a directory goes to the home directory, outside the project root`, chdir: null };
  if (target.dynamic || target.text === "-" || /^[+-]\d+$/.test(target.text)) return { level: "unknown", reason: `${name} to a directory computed at run time`, chdir: null };
  if (isRelative(target.text) && sit.cwd === undefined) {
    return { level: "unknown", reason: `${name} ${target.text} from a working directory that is not known here`, chdir: null };
  }
  const next = absolutePath(target.text, sit);
  if (!isShellPathWithinRoot(next, sit.root)) return { level: "unknown", reason: `${name} ${target.text} leaves the project root`, chdir: null };
  return { level: "read-only", chdir: physicalPath(next) };
}

function judgePrintf(args: Word[], sit: Situation): Judgement {
  const results: (Judgement | undefined)[] = [];
  let rest = args;
  if (rest[0]?.text === "-v" && !rest[0].dynamic) {
    results.push(nameRisk(rest[1], "sets"));
    rest = rest.slice(2);
  }
  if (rest[0]?.text === "--") rest = rest.slice(1);
  const format = rest[0];
  if (!format) return worst(results);
  const numeric = format.dynamic || /%[-+ #0']*(\*|\d+)?(\.(\*|\d*))?[diouxXeEfFgGaA]|%[^%]*\*/.test(format.text);
  if (numeric) for (const w of rest.slice(1)) results.push(numericRisk(w, sit));
  return worst(results);
}

const NUMERIC_TEST = new Set(["-eq", "-ne", "-lt", "-le", "-gt", "-ge"]);

function judgeTest(args: Word[], sit: Situation): Judgement {
  const results: (Judgement | undefined)[] = [];
  args.forEach((w, k) => {
    if (w.dynamic) return;
    if (NUMERIC_TEST.has(w.text)) results.push(numericRisk(args[k - 1], sit), numericRisk(args[k + 1], sit));
    if (w.text === "-v") {
      const name = args[k + 1];
      if (name && (name.dynamic || name.text.includes("["))) results.push(judge("unknown", `test -v ${name.text}: bash evaluates an array subscript here as code`));
    }
  });
  return worst(results);
}

function judgeRead(args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs("read", args, options("ersa:d:i:n:N:p:t:u:"), { dynamicOk: true });
  if (parsed.problem) return judge("unknown", parsed.problem);
  return worst([
    nameRisk(valuesOf(parsed, "-a")[0], "sets"),
    ...valuesOf(parsed, "-n", "-N", "-t", "-u").map((w) => numericRisk(w, sit)),
    ...parsed.operands.map((w) => nameRisk(w, "sets")),
  ]);
}

function judgeDeclare(name: string, args: Word[], _sit: Situation): Judgement {
  const letters: Record<string, string> = { export: "fnp", readonly: "aAfp", declare: "aAfFgprtxul", typeset: "aAfFgprtxul", local: "aAfFgprtxul" };
  const results: (Judgement | undefined)[] = [];
  for (const w of args) {
    // NAME=value arguments are assignments: not word-split, only the name matters
    if (w.dynamic && !isAssignment(w) && (w.leadDynamic || w.split)) return judge("unknown", `${name} ${w.text}: a name computed at run time`);
    const t = w.text;
    if (/^[-+]/.test(t) && t.length > 1 && t !== "--") {
      const bad = [...t.slice(1)].find((c) => !letters[name]!.includes(c));
      if (bad) return judge("unknown", `${name} ${t[0]}${bad} is not an option known to be safe${bad === "i" ? " (integer variables evaluate their values as code)" : bad === "n" ? " (a name reference)" : ""}`);
      continue;
    }
    if (t === "--") continue;
    const m = /^([^=+]*)(\+?=)?/.exec(t)!;
    results.push(nameRisk({ ...w, text: m[1]!, dynamic: false }, "sets"));
  }
  return worst(results);
}

const SET_OPTIONS = new Set(["errexit", "nounset", "xtrace", "verbose", "noglob", "noclobber", "pipefail", "errtrace", "functrace", "posix", "braceexpand", "hashall", "notify", "noexec", "physical", "allexport", "monitor", "ignoreeof"]);

function judgeSet(args: Word[]): Judgement {
  for (let k = 0; k < args.length; k++) {
    const w = args[k]!;
    if (w.dynamic) return READ_ONLY; // positional parameters
    const t = w.text;
    if (t === "--" || t === "-") return READ_ONLY;
    if (!/^[-+]/.test(t)) return READ_ONLY;
    for (const c of t.slice(1)) {
      if (c === "o") {
        const option = args[++k]?.text;
        if (option && !SET_OPTIONS.has(option)) return judge("unknown", `set -o ${option} is not a shell option known to be safe`);
      } else if (!"eufxvnCbhmBHEPTpa".includes(c)) return judge("unknown", `set ${t[0]}${c} is not a shell option known to be safe${c === "k" ? " (assignments anywhere would reach programs' environment)" : ""}`);
    }
  }
  return READ_ONLY;
}

function judgeTrap(args: Word[], sit: Situation): Judgement {
  const first = args[0];
  if (!first || (!first.dynamic && ["-l", "-p", "-lp", "-pl"].includes(first.text))) return READ_ONLY;
  const rest = first.text === "--" ? args.slice(1) : args;
  const action = rest[0];
  if (!action || rest.length < 2) return READ_ONLY; // `trap SIG` resets
  if (action.dynamic) return judge("unknown", "trap runs code computed at run time");
  if (action.text === "" || action.text === "-") return READ_ONLY;
  // runs later, wherever the shell then is
  const inner = classifyWithin(action.text, { ...sit, cwd: undefined, depth: sit.depth + 1 });
  return inner.level === "read-only" ? READ_ONLY : { ...inner, reason: `trap runs later: ${inner.reason ?? `${inner.level} command`}` };
}

// ---------------------------------------------------------------------------------------------------------------
// Programs with their own rules

function judgeFind(args: Word[], sit: Situation): Judgement {
  const results: (Judgement | undefined)[] = [];
  let k = 0;
  for (; k < args.length; k++) {
    const t = args[k]!.text;
    if (args[k]!.dynamic) return judge("unknown", `find ${t}: an argument computed at run time`);
    if (t === "-H" || t === "-L" || t === "-P" || /^-O\d*$/.test(t)) continue;
    if (t === "-D") {
      k++;
      continue;
    }
    break;
  }
  const starts: Word[] = [];
  while (k < args.length && !/^[-(!),]/.test(args[k]!.text)) starts.push(args[k++]!);
  results.push(pathRisk(starts, sit, "reads"));
  const start = starts[0] ?? literalWord(".");

  const NO_ARG = new Set(
    "-true -false -empty -readable -writable -executable -nouser -nogroup -depth -d -mount -xdev -noleaf -ignore_readdir_race -noignore_readdir_race -daystart -follow -print -print0 -ls -prune -quit -not -a -and -o -or ( ) ! , -help --help -version --version -warn -nowarn".split(
      " ",
    ),
  );
  const ONE_ARG = new Set(
    "-name -iname -path -ipath -wholename -iwholename -regex -iregex -regextype -type -xtype -size -mtime -mmin -atime -amin -ctime -cmin -perm -user -group -uid -gid -links -inum -maxdepth -mindepth -lname -ilname -fstype -used -context -printf".split(
      " ",
    ),
  );
  for (; k < args.length; k++) {
    const w = args[k]!;
    const t = w.text;
    if (w.dynamic) return judge("unknown", `find ${t}: an expression computed at run time`);
    if (NO_ARG.has(t)) continue;
    if (ONE_ARG.has(t)) {
      const value = args[++k];
      if (value?.dynamic && value.split) return judge("unknown", `find ${t} ${value.text}: a value computed at run time may split into more of the expression`);
      continue;
    }
    if (["-newer", "-anewer", "-cnewer", "-samefile"].includes(t) || /^-newer[aBcmt][aBcm]$/.test(t)) {
      results.push(pathRisk(args.slice(k + 1, k + 2), sit, "reads"));
      k++;
      continue;
    }
    if (/^-newer[aBcm]t$/.test(t)) {
      k++;
      continue;
    }
    if (t === "-delete") {
      results.push(judge("destructive", "find -delete deletes files"));
      continue;
    }
    if (["-fprint", "-fprint0", "-fls", "-fprintf"].includes(t)) {
      const file = args[k + 1];
      results.push(file ? (pathRisk([file], sit, "touches") ?? judge("write", `find ${t} writes ${file.text}`)) : judge("unknown", `find ${t} without a file`));
      k += t === "-fprintf" ? 2 : 1;
      continue;
    }
    if (["-exec", "-execdir", "-ok", "-okdir"].includes(t)) {
      let end = k + 1;
      while (end < args.length && !(args[end]!.text === ";" || (args[end]!.text === "+" && args[end - 1]?.text === "{}"))) end++;
      const inDir = t === "-execdir" || t === "-okdir";
      const placeholder = inDir ? literalWord(absolutePath(start.text, sit)) : start;
      // the found names replace {}; pasted into a longer word they can carry anything a file name can
      const inner = args.slice(k + 1, end).map((a) => (a.text === "{}" ? placeholder : a.text.includes("{}") ? { ...a, dynamic: true, leadDynamic: a.leadDynamic || a.text.startsWith("{}") } : a));
      if (inner.length) results.push(judgeCommand(synthetic(inner), { ...sit, cwd: inDir ? undefined : sit.cwd }));
      k = end;
      continue;
    }
    if (t === "-files0-from") return judge("unknown", "find -files0-from reads its starting points from a file");
    return judge("unknown", `find ${t} is not an expression known to be safe`);
  }
  return worst(results);
}

/** The risky commands of a GNU sed script; undefined when it can't be parsed (so nothing is known about it). */
function sedScript(script: string): { exec: boolean; writes: string[]; reads: string[] } | undefined {
  const found = { exec: false, writes: [] as string[], reads: [] as string[] };
  const s = script;
  let i = 0;
  const ws = () => {
    while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
  };
  const restOfLine = () => {
    const end = s.indexOf("\n", i);
    const text = s.slice(i, end < 0 ? s.length : end);
    i = end < 0 ? s.length : end;
    return text;
  };
  const delimited = (delim: string): boolean => {
    // up to the next unescaped delimiter; false when there is none
    while (i < s.length) {
      if (s[i] === "\\") i += 2;
      else if (s[i] === delim) {
        i++;
        return true;
      } else i++;
    }
    return false;
  };
  const address = (): boolean => {
    if (/[0-9]/.test(s[i] ?? "")) {
      while (/[0-9~]/.test(s[i] ?? "")) i++;
    } else if (s[i] === "$") i++;
    else if (s[i] === "/") {
      i++;
      if (!delimited("/")) return false;
      while (/[IM]/.test(s[i] ?? "")) i++;
    } else if (s[i] === "\\") {
      const delim = s[i + 1];
      if (!delim || delim === "\n") return false;
      i += 2;
      if (!delimited(delim)) return false;
      while (/[IM]/.test(s[i] ?? "")) i++;
    } else if (s[i] === "+" || s[i] === "~") {
      i++;
      while (/[0-9]/.test(s[i] ?? "")) i++;
    }
    return true;
  };
  const end = (): boolean => {
    ws();
    if (i >= s.length || s[i] === "\n" || s[i] === ";" || s[i] === "}") return true;
    if (s[i] === "#") {
      restOfLine();
      return true;
    }
    return false;
  };
  while (i < s.length) {
    while (i < s.length && /[\s;]/.test(s[i]!)) i++;
    if (i >= s.length) break;
    if (s[i] === "#") {
      restOfLine();
      continue;
    }
    if (!address()) return undefined;
    ws();
    if (s[i] === ",") {
      i++;
      ws();
      if (!address()) return undefined;
      ws();
    }
    while (s[i] === "!") {
      i++;
      ws();
    }
    const c = s[i++];
    switch (c) {
      case "{":
      case "}":
        continue;
      case "=":
      case "d":
      case "D":
      case "g":
      case "G":
      case "h":
      case "H":
      case "n":
      case "N":
      case "p":
      case "P":
      case "x":
      case "z":
      case "F":
        if (!end()) return undefined;
        continue;
      case "l":
      case "L":
      case "q":
      case "Q":
        ws();
        while (/[0-9]/.test(s[i] ?? "")) i++;
        if (!end()) return undefined;
        continue;
      case ":":
      case "b":
      case "t":
      case "T":
      case "v": {
        ws();
        while (i < s.length && s[i] !== "\n" && s[i] !== ";") i++;
        continue;
      }
      case "a":
      case "i":
      case "c":
        // text to the end of the line, continued by a trailing backslash
        for (;;) {
          const line = restOfLine();
          if (!line.endsWith("\\") || i >= s.length) break;
          i++;
        }
        continue;
      case "r":
      case "R":
      case "w":
      case "W": {
        ws();
        const file = restOfLine();
        if (!file) return undefined;
        (c === "r" || c === "R" ? found.reads : found.writes).push(file);
        continue;
      }
      case "e":
        found.exec = true;
        restOfLine();
        continue;
      case "s":
      case "y": {
        const delim = s[i++];
        if (!delim || delim === "\n" || delim === "\\") return undefined;
        if (!delimited(delim) || !delimited(delim)) return undefined;
        if (c === "y") {
          if (!end()) return undefined;
          continue;
        }
        for (;;) {
          const f = s[i];
          if (f && /[gpiImM0-9]/.test(f)) i++;
          else if (f === "e") {
            found.exec = true;
            i++;
          } else if (f === "w") {
            i++;
            ws();
            const file = restOfLine();
            if (!file) return undefined;
            found.writes.push(file);
            break;
          } else break;
        }
        if (!end()) return undefined;
        continue;
      }
      default:
        return undefined;
    }
  }
  return found;
}

const SED_OPTIONS = options(
  "nErszubl:e:f<i?",
  "quiet silent debug expression= file=< in-place? line-length= null-data zero-terminated posix regexp-extended separate sandbox unbuffered binary follow-symlinks help version",
);

function judgeSed(args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs("sed", args, SED_OPTIONS);
  if (parsed.problem) return judge("unknown", parsed.problem);
  const results: (Judgement | undefined)[] = valueRisks("sed", parsed, sit);
  const scriptFiles = valuesOf(parsed, "-f", "--file");
  let scripts = valuesOf(parsed, "-e", "--expression");
  let files = parsed.operands;
  if (!scripts.length && !scriptFiles.length) [scripts, files] = [parsed.operands.slice(0, 1), parsed.operands.slice(1)];
  if (scriptFiles.length) results.push(judge("write", `sed runs the script in ${scriptFiles[0]!.text}, which may run commands or write files`));
  for (const script of scripts) {
    if (script.dynamic) return judge("unknown", "sed script computed at run time");
    const found = sedScript(script.text);
    if (!found) return judge("unknown", `sed script not understood: ${script.text.slice(0, 40)}`);
    if (found.exec) return judge("unknown", "sed's e command (or s///e) runs shell commands");
    for (const file of found.reads) results.push(pathRisk([literalWord(file)], sit, "reads"));
    for (const file of found.writes) if (!DEVICE_OK.test(file)) results.push(pathRisk([literalWord(file)], sit, "touches") ?? judge("write", `sed writes ${file}`));
  }
  const inPlace = has(parsed, "-i", "--in-place");
  if (inPlace) results.push(judge("write"), pathRisk(files, sit, "touches"));
  else results.push(pathRisk(files, sit, "reads"));
  return worst(results);
}

function judgeAwk(name: string, args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs(
    name,
    args,
    options(
      "F:v:f<e:bcghMNnOPrsStVdDEilLopW",
      "field-separator= assign= file=< source= characters-as-bytes traditional copyright bignum use-lc-numeric no-optimize optimize posix re-interval sandbox version help csv " +
        "dump-variables! debug! exec! include! load! lint? profile! pretty-print!",
    ),
  );
  // -d -D -E -i -l -L -o -p -W: dump files, debugger, extensions, includes, profiles
  if (!parsed.problem) {
    const bad = [...parsed.flags].find((f) => /^-[dDEilLopW]$/.test(f));
    if (bad) return judge("unknown", `${name} ${bad} loads code or writes files`);
  } else return judge("unknown", parsed.problem);
  const results: (Judgement | undefined)[] = valueRisks(name, parsed, sit);
  for (const v of valuesOf(parsed, "-v", "--assign")) results.push(nameRisk({ ...v, text: v.text.split("=")[0]! }, "sets"));
  const programFiles = valuesOf(parsed, "-f", "--file");
  let programs = valuesOf(parsed, "-e", "--source");
  let operands = parsed.operands;
  if (!programs.length && !programFiles.length) [programs, operands] = [parsed.operands.slice(0, 1), parsed.operands.slice(1)];
  if (programFiles.length) results.push(judge("write", `${name} runs the program in ${programFiles[0]!.text}, which may run commands or write files`));
  for (const program of programs) {
    if (program.dynamic) return judge("unknown", `${name} program computed at run time`);
    if (/\bsystem\b|\bgetline\b|[|>]|\bARGV\b|\bARGC\b|@(load|include)|\bextension\b|\bfflush\b|\bclose\b/.test(program.text)) {
      return judge("unknown", `${name} program may run commands, write files or read other files`);
    }
  }
  // operands like var=value are assignments, not files
  results.push(pathRisk(operands.filter((w) => !ASSIGNMENT.test(w.text)), sit, "reads"));
  return worst(results);
}

function judgeJq(args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs(
    "jq",
    args,
    options(
      "cCeajnrRsSMhVf<L!",
      "compact-output null-input exit-status slurp raw-output raw-output0 join-output ascii-output sort-keys color-output monochrome-output raw-input tab indent= " +
        "unbuffered stream stream-errors seq from-file=< arg=2 argjson=2 slurpfile=2< rawfile=2< args jsonargs help version build-configuration library-path!",
    ),
  );
  if (parsed.problem) return judge("unknown", parsed.problem);
  const results: (Judgement | undefined)[] = valueRisks("jq", parsed, sit);
  const fromFile = has(parsed, "-f", "--from-file");
  const program = fromFile ? undefined : parsed.operands[0];
  if (program?.dynamic) return judge("unknown", "jq program computed at run time");
  if (program && /\b(import|include|modulemeta|get_search_list)\b/.test(program.text)) return judge("unknown", "jq program imports modules or data files");
  let files = fromFile ? parsed.operands : parsed.operands.slice(1);
  if (has(parsed, "--args", "--jsonargs")) files = [];
  results.push(pathRisk(files, sit, "reads"));
  return worst(results);
}

function judgeYq(args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs(
    "yq",
    args,
    options(
      "CMNPenrsvyYjcaSRiI:o:p:",
      "colors no-colors null-input exit-status output-format= input-format= indent= inplace in-place prettyPrint expression= from-file=< front-matter= " +
        "header-preprocess no-doc nul-output unwrapScalar? raw-output compact-output yaml-output yaml-roundtrip tab arg=2 argjson=2 slurpfile=2< rawfile=2< help version",
    ),
  );
  if (parsed.problem) return judge("unknown", parsed.problem);
  const expressions = [...valuesOf(parsed, "--expression"), ...parsed.operands];
  for (const e of expressions) {
    if (e.dynamic) return judge("unknown", "yq expression computed at run time");
    if (/\b(load|load_str|load_props|load_xml|load_base64|eval|system|include|import)\b/.test(e.text)) return judge("unknown", "yq expression loads other files or runs commands");
  }
  const inPlace = has(parsed, "-i", "--inplace", "--in-place");
  return worst([...valueRisks("yq", parsed, sit), inPlace ? judge("write", "yq -i rewrites the file") : undefined, pathRisk(parsed.operands, sit, inPlace ? "touches" : "reads")]);
}

function judgeXxd(args: Word[], sit: Situation): Judgement {
  const flags = new Set("-a -autoskip -b -bits -C -capitalize -E -EBCDIC -e -h -help -i -include -p -ps -postscript -plain -u -uppercase -v -version -d -decimal -r -revert".split(" "));
  const valued = new Set("-c -cols -g -groupsize -l -len -n -name -o -offset -s -seek -R".split(" "));
  const operands: Word[] = [];
  let revert = false;
  for (let k = 0; k < args.length; k++) {
    const w = args[k]!;
    const t = w.text;
    if (w.dynamic && (w.leadDynamic || w.split)) return judge("unknown", `xxd ${t}: an argument computed at run time`);
    if (!t.startsWith("-") || t === "-") operands.push(w);
    else if (flags.has(t)) revert ||= t === "-r" || t === "-revert";
    else if (valued.has(t)) k++;
    else if (!/^-(c|g|l|o|s|n)[-+0-9a-fx]+$/i.test(t)) return judge("unknown", `xxd ${t} is not an option known to be safe`);
  }
  // xxd [infile [outfile]]
  const out = operands[1];
  return worst([
    pathRisk(operands.slice(0, 1), sit, "reads"),
    out ? (pathRisk([out], sit, "touches") ?? judge("write", `xxd writes ${out.text}`)) : undefined,
    revert ? judge("write", "xxd -r writes binary data") : undefined,
  ]);
}

function judgePs(args: Word[]): Judgement {
  const UNIX_VALUES = new Set("-o -O -p -q -u -U -g -G -t -C -s -N".split(" "));
  const LONG_VALUES = new Set("--sort --format --pid --ppid --user --User --group --Group --sid --tty --cols --columns --width --rows --lines --quick-pid".split(" "));
  for (let k = 0; k < args.length; k++) {
    const w = args[k]!;
    const t = w.text;
    if (w.dynamic) return judge("unknown", `ps ${t}: an argument computed at run time`);
    if (t.startsWith("--")) {
      if (LONG_VALUES.has(t)) k++;
      continue;
    }
    const letters = t.startsWith("-") ? t.slice(1) : t;
    if (letters.includes("e")) return judge("unknown", "ps with e can show the environment of processes, which holds the server's keys");
    if (t.startsWith("-") ? UNIX_VALUES.has(t.slice(0, 2)) && t.length === 2 : /[oOpUt]$/.test(t)) k++;
  }
  return READ_ONLY;
}

function judgeDate(args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs(
    "date",
    args,
    options("uRd:f<r<I?s!", "date= file=< iso-8601? rfc-3339= rfc-email rfc-822 rfc-2822 reference=< universal utc debug resolution set! help version"),
    { dynamicOk: false },
  );
  if (parsed.problem) return judge("unknown", parsed.problem.replace(/date -s can run.*/, "date -s sets the clock"));
  const setting = parsed.operands.find((w) => !w.text.startsWith("+") || w.leadDynamic);
  if (setting) return judge("unknown", `date ${setting.text} sets the clock`);
  return worst(valueRisks("date", parsed, sit));
}

function judgeMan(args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs(
    "man",
    args,
    options("afkKwWiIuhVls:S:L:m:M<e:E:", "all whatis apropos where path where-cat location location-cat ignore-case match-case sections= systems= locale= manpath=< local-file regex wildcard names-only exact no-subpages no-hyphenation no-justification encoding= help version usage"),
  );
  if (parsed.problem) return judge("unknown", parsed.problem);
  const local = has(parsed, "-l", "--local-file");
  return worst([...valueRisks("man", parsed, sit), local ? pathRisk(parsed.operands, sit, "reads") : undefined]);
}

const TAR_OPTIONS = options(
  "AcdrtuxzjJZaBhiklmMOpsSvwWUGf:C>T!X<I!F!b:g>H:K:L:N:V:P!",
  "create extract get list append update catenate concatenate delete diff compare file= directory=> gzip gunzip ungzip bzip2 xz lzma lzip lzop zstd compress " +
    "uncompress auto-compress no-auto-compress verbose totals? to-stdout strip-components= exclude= exclude-from=< exclude-vcs exclude-vcs-ignores exclude-backups " +
    "exclude-caches wildcards no-wildcards anchored no-anchored ignore-case transform= xform= owner= group= mode= mtime= sort= numeric-owner same-owner " +
    "no-same-owner same-permissions preserve-permissions no-same-permissions preserve-order same-order format= posix overwrite overwrite-dir keep-old-files " +
    "keep-newer-files skip-old-files unlink-first recursive-unlink remove-files one-file-system dereference hard-dereference ignore-failed-read ignore-zeros " +
    "no-recursion recursion null no-null show-transformed-names show-stored-names checkpoint? checkpoint-action! to-command! use-compress-program! rsh-command! " +
    "rmt-command! info-script! new-volume-script! absolute-names! files-from! index-file=> warning= label= occurrence? touch no-overwrite-dir " +
    "delay-directory-restore no-delay-directory-restore atime-preserve? acls no-acls selinux no-selinux xattrs no-xattrs xattrs-include= xattrs-exclude= " +
    "pax-option= blocking-factor= record-size= sparse sparse-version= full-time utc level= listed-incremental=> incremental tape-length= multi-volume verify " +
    "backup? suffix= help version usage quoting-style= quote-chars= no-quote-chars= quiet",
);

function judgeTar(args: Word[], sit: Situation): Judgement {
  let words = args;
  // old style: `tar cvzf archive.tar files…`, the first argument is a cluster without a dash
  const first = words[0];
  if (first && !first.dynamic && /^[A-Za-z]+$/.test(first.text)) words = [{ ...first, text: `-${first.text}` }, ...words.slice(1)];
  const parsed = parseArgs("tar", words, TAR_OPTIONS);
  if (parsed.problem) return judge("unknown", parsed.problem);
  const results: (Judgement | undefined)[] = [judge("write"), ...valueRisks("tar", parsed, sit)];
  if (has(parsed, "--remove-files", "--recursive-unlink")) results.push(judge("destructive", "tar --remove-files / --recursive-unlink deletes files"));
  for (const archive of valuesOf(parsed, "-f", "--file")) results.push(pathRisk([archive], sit, "touches"));
  results.push(pathRisk(parsed.operands, sit, "touches"));
  return worst(results);
}

function judgeZip(args: Word[], sit: Situation): Judgement {
  const FLAGS = new Set("-r -R -q -v -j -D -X -y -u -f -FS -o -l -ll -T -e -A -J -z -sp -0 -1 -2 -3 -4 -5 -6 -7 -8 -9 -d --quiet --verbose --recurse-paths".split(" "));
  const results: (Judgement | undefined)[] = [judge("write")];
  const operands: Word[] = [];
  for (let k = 0; k < args.length; k++) {
    const w = args[k]!;
    const t = w.text;
    if (w.dynamic && (w.leadDynamic || w.split)) return judge("unknown", `zip ${t}: an argument computed at run time`);
    if (!t.startsWith("-") || t === "-") operands.push(w);
    else if (t === "-m" || t === "--move") results.push(judge("destructive", "zip -m deletes the files it adds"));
    else if (t === "-x" || t === "-i" || t === "--exclude" || t === "--include") {
      while (k + 1 < args.length && !args[k + 1]!.text.startsWith("-")) k++;
    } else if (t === "-b" || t === "-O" || t === "--temp-path" || t === "--output-file") results.push(pathRisk(args.slice(k + 1, k + 2), sit, "touches")), k++;
    else if (["-n", "-t", "-tt", "-P", "-Z", "-s"].includes(t)) k++;
    else if (!FLAGS.has(t)) return judge("unknown", `zip ${t} is not an option known to be safe${t === "-TT" || t.startsWith("--unzip-command") ? " (it runs a command)" : ""}`);
  }
  results.push(pathRisk(operands, sit, "touches"));
  return worst(results);
}

function judgeChmod(name: string, args: Word[], sit: Situation): Judgement {
  const table =
    name === "chmod"
      ? options("cfvR", "changes silent quiet verbose no-preserve-root preserve-root reference=< recursive dereference no-dereference help version")
      : options("cfhvHLPR", "changes silent quiet verbose dereference no-dereference from= no-preserve-root preserve-root reference=< recursive help version");
  // chmod -x, chmod -rw: a mode, not an option
  const words = name === "chmod" ? args.map((w) => (!w.dynamic && /^-[rwxXstugoa0-7,=+-]+$/.test(w.text) ? { ...w, text: `mode${w.text}` } : w)) : args;
  const parsed = parseArgs(name, words, table);
  if (parsed.problem) return judge("unknown", parsed.problem);
  if (has(parsed, "-R", "--recursive")) return judge("destructive", `${name} -R changes permissions recursively`);
  const reference = has(parsed, "--reference");
  return worst([judge("write"), ...valueRisks(name, parsed, sit), pathRisk(reference ? parsed.operands : parsed.operands.slice(1), sit, "touches")]);
}

const CURL_OPTIONS = options(
  "0123469aBfgGhiIjJklLMnNOpqRsSvVZ#A:b:c>C:d:D>e:E<F:H:K!m:o>P:Q:r:T<t:u:U:w:x:X:y:Y:z:",
  "url= output=> remote-name remote-name-all output-dir=> create-dirs silent show-error fail fail-with-body fail-early location location-trusted head include " +
    "verbose insecure globoff get compressed no-buffer progress-bar http1.0 http1.1 http2 http2-prior-knowledge http3 http3-only tlsv1 tlsv1.0 tlsv1.1 tlsv1.2 " +
    "tlsv1.3 ipv4 ipv6 request= header= user-agent= referer= user= max-time= connect-timeout= retry= retry-delay= retry-max-time= retry-all-errors " +
    "retry-connrefused range= proxy= noproxy= resolve= connect-to= limit-rate= max-filesize= max-redirs= data= data-raw= data-binary= data-ascii= " +
    "data-urlencode= json= form= form-string= cookie= cookie-jar=> dump-header=> upload-file=< cacert=< capath=< cert=< key=< cert-type= key-type= pass= " +
    "write-out= trace=> trace-ascii=> stderr=> libcurl=> etag-save=> etag-compare=< hsts=> alt-svc=> config! next netrc netrc-optional netrc-file=< " +
    "oauth2-bearer= basic digest ntlm negotiate anyauth proto= proto-redir= proto-default= remote-time raw no-keepalive keepalive-time= tcp-nodelay ssl " +
    "ssl-reqd no-progress-meter no-clobber remove-on-error styled-output no-styled-output parallel parallel-max= parallel-immediate continue-at= time-cond= " +
    "ciphers= interface= dns-servers= doh-url= unix-socket=< abstract-unix-socket= path-as-is ftp-pasv disable-epsv list-only append crlf quote= " +
    "request-target= aws-sigv4= sasl-ir variable! help version manual",
);

/** The local file a curl value names: `@file` in data and headers, `name=@file` / `name=<file` in forms. */
function curlFile(option: string, text: string): string | undefined {
  if (["-d", "--data", "--data-binary", "--data-ascii", "--json", "-H", "--header"].includes(option)) return text.startsWith("@") ? text.slice(1) : undefined;
  if (option === "--data-urlencode") return /^[^=]*@/.test(text) ? text.slice(text.indexOf("@") + 1) : undefined;
  if (option === "-F" || option === "--form") {
    const m = /^[^=]*=[@<]([^;]*)/.exec(text);
    return m ? m[1]!.replace(/^"|"$/g, "") : undefined;
  }
  if (option === "-b" || option === "--cookie") return text.includes("=") ? undefined : text;
  if (option === "-w" || option === "--write-out") return text.startsWith("@") ? text.slice(1) : undefined;
  return undefined;
}

function judgeCurl(args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs("curl", args, CURL_OPTIONS);
  if (parsed.problem) return judge("unknown", parsed.problem);
  const results: (Judgement | undefined)[] = [judge("write"), ...valueRisks("curl", parsed, sit)];
  for (const v of parsed.values) {
    const file = curlFile(v.option, v.word.text);
    if (file !== undefined && file !== "-") results.push(v.word.dynamic ? judge("unknown", `curl ${v.option} sends a file named at run time`) : pathRisk([literalWord(file)], sit, "reads"));
    if ((v.option === "-w" || v.option === "--write-out") && v.word.text.includes("%output{")) results.push(judge("unknown", "curl --write-out %output{} writes a file"));
  }
  for (const url of [...parsed.operands, ...valuesOf(parsed, "--url")]) {
    if (/^file:/i.test(url.text)) results.push(pathRisk([literalWord(decodeURIComponent(url.text.replace(/^file:(\/\/[^/]*)?/i, "")) || "/")], sit, "reads"));
  }
  return worst(results);
}

const WGET_OPTIONS = options(
  "bcdhHkKmNqrSvV46xa>A:B:D:e!i<I:l:o>O>P>Q:R:t:T:U:w:X:Y:n?",
  "output-document=> output-file=> append-output=> directory-prefix=> input-file=< post-file=< body-file=< load-cookies=< save-cookies=> execute! config! " +
    "use-askpass! quiet verbose no-verbose server-response spider timeout= tries= wait= waitretry= random-wait user= password= http-user= http-password= " +
    "header= user-agent= no-check-certificate ca-certificate=< certificate=< private-key=< continue timestamping no-clobber recursive level= mirror " +
    "page-requisites convert-links no-parent no-directories no-host-directories cut-dirs= accept= reject= accept-regex= reject-regex= domains= " +
    "exclude-domains= include-directories= exclude-directories= span-hosts max-redirect= method= body-data= post-data= inet4-only inet6-only progress= " +
    "show-progress limit-rate= content-disposition trust-server-names no-cache no-cookies keep-session-cookies adjust-extension backups= delete-after quota= " +
    "retry-connrefused retry-on-http-error= default-page= restrict-file-names= ignore-case hsts-file=> no-hsts https-only secure-protocol= compression= " +
    "xattr no-config help version background",
);

function judgeWget(args: Word[], sit: Situation): Judgement {
  const parsed = parseArgs("wget", args, WGET_OPTIONS);
  if (parsed.problem) return judge("unknown", parsed.problem);
  return worst([judge("write"), ...valueRisks("wget", parsed, sit)]);
}

function judgeMake(args: Word[], sit: Situation): Judgement {
  for (let k = 0; k < args.length; k++) {
    const t = args[k]!.text;
    if (/^--eval(=|$)/.test(t) || /^-[A-Za-z]*E/.test(t)) return judge("unknown", "make --eval runs makefile text given on the command line");
    const file = /^--(?:file|makefile)=(.*)$/.exec(t)?.[1] ?? (t === "-f" || t === "--file" || t === "--makefile" ? args[k + 1]?.text : /^-f(.+)$/.exec(t)?.[1]);
    if (file === "-") return judge("unknown", "make -f - reads a makefile from stdin");
    const dir = /^--directory=(.*)$/.exec(t)?.[1] ?? (t === "-C" || t === "--directory" ? args[k + 1]?.text : /^-C(.+)$/.exec(t)?.[1]);
    if (dir !== undefined) {
      const outside = pathRisk([args[k + 1]?.text === dir ? args[k + 1]! : literalWord(dir)], sit, "reads");
      if (outside) return judge("unknown", `make -C ${dir} runs a makefile outside the project root`);
    }
  }
  return judge("write");
}

// ---------------------------------------------------------------------------------------------------------------
// Shells, interpreters and the programs that run other programs

/** The script a shell or interpreter reads from stdin: piped content is remote code, a here-document is judged. */
function stdinCode(name: string, cmd: SimpleCommand, sit: Situation, posix: boolean): Judgement {
  if (cmd.piped) return judge("destructive", `pipes content into ${name}, which runs it as code`);
  const heredoc = cmd.redirects.find((r) => r.op.replace(/^0/, "") === "<<" || r.op.replace(/^0/, "") === "<<-" || r.op.replace(/^0/, "") === "<<<");
  if (heredoc && posix) {
    const text = heredoc.op.endsWith("<<<") ? (heredoc.target?.dynamic ? undefined : heredoc.target?.text) : heredoc.expands && /[$`]/.test(heredoc.body ?? "") ? undefined : heredoc.body;
    if (text !== undefined) return classifyWithin(text, { ...sit, depth: sit.depth + 1 });
  }
  return judge("unknown", `${name} runs code it reads from its input${heredoc ? " (a here-document)" : ""}`);
}

function judgeShell(name: string, args: Word[], cmd: SimpleCommand, sit: Situation): Judgement {
  const posix = POSIX_SHELLS.has(name);
  let command = false;
  let stdin = false;
  let k = 0;
  for (; k < args.length; k++) {
    const w = args[k]!;
    const t = w.text;
    if (w.dynamic) return judge("unknown", `${name} ${t}: an argument computed at run time`);
    if (t === "-" || t === "--") {
      k++;
      stdin = t === "-";
      break;
    }
    if (t.startsWith("--")) {
      if (["--norc", "--noprofile", "--posix", "--login", "--restricted", "--verbose", "--noediting", "--version", "--help"].includes(t)) continue;
      if (t === "--rcfile" || t === "--init-file") {
        k++;
        continue;
      }
      return judge("unknown", `${name} ${t} is not an option known to be safe`);
    }
    if (!/^[-+]/.test(t)) break;
    for (const c of t.slice(1)) {
      if (c === "c") command = true;
      else if (c === "s") stdin = true;
      else if (c === "o") {
        const option = args[++k]?.text ?? "";
        if (!SET_OPTIONS.has(option)) return judge("unknown", `${name} -o ${option} is not a shell option known to be safe`);
      } else if (c === "i") return judge("unknown", `${name} -i starts an interactive shell that reads commands from its input`);
      else if (!"aefhlmnpruvxBCDEHPT".includes(c)) return judge("unknown", `${name} ${t[0]}${c} is not an option known to be safe${c === "O" ? " (shell options such as expand_aliases change what commands mean)" : ""}`);
    }
  }
  const operands = args.slice(k);
  if (command) {
    const script = operands[0];
    if (!script) return judge("unknown", `${name} -c without a script`);
    if (script.dynamic) return judge("unknown", `${name} -c runs a script computed at run time`);
    if (!posix) return judge("unknown", `${name} -c runs a script in ${name}'s own syntax, which this check does not read`);
    return classifyWithin(script.text, { ...sit, depth: sit.depth + 1 });
  }
  if (stdin || !operands.length) return stdinCode(name, cmd, sit, posix);
  const outside = pathRisk(operands.slice(0, 1), sit, "reads");
  return outside ? judge("unknown", `runs the script ${operands[0]!.text} outside the project root`) : judge("write", `runs the shell script ${operands[0]!.text}`);
}

function judgeInterpreter(name: string, args: Word[], cmd: SimpleCommand, sit: Situation): Judgement {
  const inline = (how: string) => judge("unknown", `${name} ${how} runs code given on the command line`);
  const interactive = (how: string) => judge("unknown", `${name} ${how} starts an interactive interpreter that runs what it reads`);
  let script: Word | undefined;
  let noScriptNeeded = false;
  let inPlace = false;
  const family = /^python|^pypy/.test(name) ? "python" : name === "nodejs" ? "node" : name === "luajit" ? "lua" : name;

  if (family === "bun" || family === "deno") {
    const sub = args.find((w) => !w.text.startsWith("-"));
    for (const w of args) {
      if (w === sub) break;
      if (/^(-e|-p|--eval|--print)(=|$)/.test(w.text) || /^-[a-z]*[ep]$/.test(w.text)) return inline(w.text);
    }
    if (!sub) return family === "deno" && args.length === 0 ? interactive("without arguments") : judge("write");
    if (sub.dynamic) return judge("unknown", `${name} ${sub.text}: computed at run time`);
    if (sub.text === "repl") return interactive("repl");
    if (sub.text === "eval" || sub.text === "exec") return inline(sub.text);
    if (sub.text === "x") {
      const inner = args.slice(args.indexOf(sub) + 1);
      const start = inner.findIndex((w) => !w.text.startsWith("-"));
      return judgeRunner(name, { words: start < 0 ? [] : inner.slice(start) }, sit);
    }
    if (sub.text === "run") {
      const target = args.slice(args.indexOf(sub) + 1).find((w) => !w.text.startsWith("-") || w.text === "-");
      if (target?.text === "-") return stdinCode(name, cmd, sit, false);
      if (args.slice(args.indexOf(sub) + 1).some((w) => /^(-e|--eval|-p|--print)(=|$)/.test(w.text))) return inline("run --eval");
    }
    return judge("write");
  }

  for (let k = 0; k < args.length; k++) {
    const w = args[k]!;
    const t = w.text;
    if (w.dynamic && (w.leadDynamic || w.split)) return judge("unknown", `${name} ${t}: an argument computed at run time`);
    if (t === "-") return stdinCode(name, cmd, sit, false);
    if (t === "--") {
      script = args[k + 1];
      break;
    }
    if (!t.startsWith("-")) {
      if (family === "R" && t === "CMD") noScriptNeeded = true;
      script = w;
      break;
    }
    switch (family) {
      case "python": {
        if (t.startsWith("--")) {
          if (!["--version", "--help", "--help-env", "--help-xoptions", "--help-all"].includes(t) && !t.startsWith("--check-hash-based-pycs")) return judge("unknown", `${name} ${t} is not an option known to be safe`);
          noScriptNeeded ||= t.startsWith("--help") || t === "--version";
          continue;
        }
        for (let c = 1; c < t.length; c++) {
          const letter = t[c]!;
          if (letter === "c") return inline("-c");
          if (letter === "i") return interactive("-i");
          if (letter === "m") return judge("write", `${name} -m runs a module`);
          if (letter === "W" || letter === "X") {
            if (c === t.length - 1) k++;
            break;
          }
          if (!"bBdEhIOPqsSuvVxR".includes(letter)) return judge("unknown", `${name} -${letter} is not an option known to be safe`);
          noScriptNeeded ||= letter === "V" || letter === "h";
        }
        continue;
      }
      case "node": {
        if (/^(-e|-p|--eval|--print)(=|$)/.test(t) || /^-[a-z]*[ep]$/.test(t)) return inline(t);
        if (t === "-i" || t === "--interactive") return interactive(t);
        if (["-r", "--require", "--import", "--loader", "--experimental-loader", "-C", "--conditions", "--input-type", "--title", "--watch-path", "--env-file"].includes(t)) {
          if (t === "--env-file") {
            const j = pathRisk(args.slice(k + 1, k + 2), sit, "reads");
            if (j) return j;
          }
          k++;
        }
        if (/^--env-file=/.test(t)) {
          const j = pathRisk([literalWord(t.slice("--env-file=".length))], sit, "reads");
          if (j) return j;
        }
        noScriptNeeded ||= ["-v", "--version", "-h", "--help", "--test", "--run", "-c", "--check"].includes(t) || t.startsWith("--test") || t.startsWith("--run=");
        continue;
      }
      case "perl":
      case "ruby": {
        if (t.startsWith("--")) continue;
        if (/[eE]/.test(t.slice(1)) && !(family === "ruby" && /^-E/.test(t))) return inline(t);
        if (family === "perl" && /^-d/.test(t)) return judge("unknown", "perl -d runs a debugger module");
        if (family === "perl" && /^-[mM]/.test(t) && !/^-[mM]-?[\w:]+(=[\w,:]*)?$/.test(t)) return judge("unknown", `perl ${t} runs code in the module import`);
        if (family === "ruby" && /^-C/.test(t)) return judge("unknown", "ruby -C changes directory");
        if (/^-[a-zA-Z]*i/.test(t)) inPlace = true;
        if (/^-(I|r|E|C)$/.test(t)) k++;
        noScriptNeeded ||= /^-[a-zA-Z]*[vVh]$/.test(t) || t === "-c";
        continue;
      }
      case "php": {
        if (/^-[a-zA-Z]*[rBRE]/.test(t) && !/^-[a-zA-Z]*[dc]/.test(t)) return inline(t);
        if (/^-[a-zA-Z]*a/.test(t)) return interactive(t);
        if (/^-[a-zA-Z]*[dc]/.test(t)) return judge("unknown", `php ${t} changes the interpreter's configuration (auto_prepend_file, …)`);
        if (/^-[fFtSz]$/.test(t)) {
          if (t === "-f" || t === "-F") script = args[k + 1];
          noScriptNeeded ||= t === "-S";
          k++;
          if (script) break;
        }
        noScriptNeeded ||= /^-[a-zA-Z]*[vhilm]$/.test(t);
        continue;
      }
      case "lua": {
        if (/^-[a-zA-Z]*e/.test(t)) return inline(t);
        if (t === "-i") return interactive(t);
        if (t === "-l") k++;
        noScriptNeeded ||= t === "-v";
        continue;
      }
      case "R":
      case "Rscript": {
        if (t === "-e" || t.startsWith("--expr")) return inline(t);
        if (t === "-f" || t.startsWith("--file=")) {
          script = t === "-f" ? args[k + 1] : literalWord(t.slice("--file=".length));
          break;
        }
        noScriptNeeded ||= t === "--version" || t === "--help";
        continue;
      }
      case "julia": {
        if (/^(-e|-E|--eval|--print)(=|$)/.test(t)) return inline(t);
        if (t === "-i") return interactive(t);
        if (t === "-L" || t === "--load") {
          const j = pathRisk(args.slice(k + 1, k + 2), sit, "reads");
          if (j) return j;
          k++;
        }
        noScriptNeeded ||= t === "-v" || t === "--version" || t === "-h" || t === "--help";
        continue;
      }
    }
    if (script) break;
  }
  if (!script) return noScriptNeeded ? judge("write") : stdinCode(name, cmd, sit, false);
  if (noScriptNeeded && script.text === "CMD") return judge("write");
  const outside = pathRisk([script], sit, "reads");
  if (outside) return judge("unknown", `${name} runs ${script.text}, which is outside the project root or only known at run time`);
  if (inPlace) {
    const files = args.slice(args.indexOf(script) + 1);
    return worst([judge("write"), pathRisk(files, sit, "touches")]);
  }
  return judge("write", `${name} runs ${script.text}`);
}

/** The command a package runner (npx, uv run, bundle exec, …) starts, or undefined when `name` is not one. An empty
 *  list means the runner gets an option this check does not know (it may take a value). */
function runnerInner(name: string, args: Word[]): { words: Word[]; problem?: string } | undefined {
  let rest: Word[];
  let table: OptionTable;
  const sub = args[0]?.text;
  if (["npx", "pnpx", "bunx"].includes(name)) rest = args;
  else if (["npm", "pnpm", "yarn"].includes(name) && ["exec", "x", "dlx"].includes(sub ?? "")) rest = args.slice(1);
  else if (name === "yarn" && sub === "node") return { words: args };
  else if (name === "uv" && sub === "run") rest = args.slice(1);
  else if (name === "uvx") rest = args;
  else if (["poetry", "pipenv", "pipx", "pdm"].includes(name) && sub === "run") rest = args.slice(1);
  else if (name === "bundle" && sub === "exec") rest = args.slice(1);
  else if (name === "conda" && sub === "run") rest = args.slice(1);
  else return undefined;
  switch (name) {
    case "uv":
    case "uvx":
      table = options("qvp:", "with= with-requirements= python= extra= group= index= index-url= from= no-project isolated frozen locked no-sync all-extras dev no-dev quiet verbose active offline no-cache exact inexact env-file=<");
      break;
    case "conda":
      table = options("vn:p:", "name= prefix= no-capture-output live-stream verbose");
      break;
    case "pipx":
      table = options("", "spec= python= pip-args= no-cache verbose quiet");
      break;
    case "poetry":
    case "pipenv":
    case "pdm":
      table = options("qvn", "quiet verbose no-interaction no-ansi");
      break;
    case "bundle":
      table = options("", "keep-file-descriptors");
      break;
    default:
      table = options("yqsrp:w:F:c!", "yes no quiet silent ws workspaces include-workspace-root bun recursive parallel package= workspace= filter= call! shell-mode! prefix=");
  }
  let k = 0;
  while (k < rest.length && rest[k]!.text.startsWith("-") && !rest[k]!.dynamic && rest[k]!.text !== "--") {
    const t = rest[k]!.text;
    const kind = t.startsWith("--") ? table.long.get(t.slice(2).split("=")[0]!) : table.short.get(t[1] ?? "");
    if (!kind || kind === "deny") return { words: [], problem: `${name} ${t} is not an option known to be safe${kind === "deny" ? " (it runs a shell command string)" : ""}` };
    k += kind === "flag" || t.includes("=") || (!t.startsWith("--") && t.length > 2) ? 1 : 2;
  }
  if (rest[k]?.text === "--") k++;
  return { words: rest.slice(k) };
}

function judgeRunner(name: string, inner: { words: Word[]; problem?: string }, sit: Situation): Judgement {
  if (inner.problem) return judge("unknown", inner.problem);
  if (!inner.words.length) return judge("write");
  const j = judgeCommand(synthetic(inner.words), sit);
  // a package's own program: project code, like npm test
  if (j.unrecognised) return judge("write", `${name} runs ${basename(inner.words[0]!.text)}, a package's program`);
  return j;
}

// ---------------------------------------------------------------------------------------------------------------
// git

function judgeGit(args: Word[], outer: Situation): Judgement {
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

// ---------------------------------------------------------------------------------------------------------------
// A whole line

/** Names this line assigns to values that could hold code (anything but a plain number). */
function collectSuspicious(commands: SimpleCommand[], into: Set<string>): void {
  for (const cmd of commands) {
    for (const name of cmd.assigns) into.add(name);
    const words = cmd.words;
    const first = words.findIndex((w) => !isAssignment(w) && !LEADING_KEYWORDS.has(w.text));
    const head = words[first]?.text;
    for (const w of words) {
      const m = ASSIGNMENT.exec(w.text);
      if (m && !w.leadDynamic) {
        const value = w.text.slice(m[0].length);
        if (w.dynamic || !/^[-+]?\d+$/.test(value)) into.add(m[1]!);
      }
    }
    if ((head === "for" || head === "select") && words[first + 1]) {
      const name = words[first + 1]!.text;
      const list = words[first + 2]?.text === "in" ? words.slice(first + 3) : undefined;
      if (!list || list.some((w) => w.dynamic || w.glob || w.braces || !/^[-+]?\d+$/.test(w.text))) into.add(name);
    }
    if (head === "read" || head === "mapfile" || head === "readarray") for (const w of words.slice(first + 1)) if (/^[A-Za-z_]\w*$/.test(w.text)) into.add(w.text);
    if (head === "printf" && words[first + 1]?.text === "-v" && words[first + 2]) into.add(words[first + 2]!.text);
    if (head === "set" && words.slice(first + 1).some((w) => !w.text.startsWith("-") && !w.text.startsWith("+"))) into.add("@");
  }
}

function classifyWithin(line: string, outer: Situation): Judgement {
  if (outer.depth > MAX_DEPTH) return judge("unknown", "commands nested too deeply");
  let commands: SimpleCommand[];
  try {
    commands = parseCommandLine(line);
  } catch (error) {
    return judge("unknown", `could not parse the command: ${(error as Error).message}`);
  }
  const suspicious = new Set(outer.suspicious);
  collectSuspicious(commands, suspicious);
  const sit: Situation = { ...outer, suspicious };

  const judgements: Judgement[] = [];
  // the working directory: followed through `cd` only along `&&`, restored when a subshell or substitution ends
  let tentative = false;
  let active: number[] = [];
  const saved = new Map<number, { cwd: string | undefined; tentative: boolean }>();
  for (const cmd of commands) {
    let common = 0;
    while (common < active.length && common < cmd.scope.length && active[common] === cmd.scope[common]) common++;
    for (let k = active.length - 1; k >= common; k--) {
      const state = saved.get(active[k]!);
      if (state) ({ cwd: sit.cwd, tentative } = state);
    }
    for (let k = common; k < cmd.scope.length; k++) saved.set(cmd.scope[k]!, { cwd: sit.cwd, tentative });
    active = cmd.scope;
    if (tentative && cmd.prev && cmd.prev !== "&&") {
      sit.cwd = undefined;
      tentative = false;
    }
    const j = judgeCommand(cmd, sit);
    judgements.push(j);
    if (j.chdir !== undefined) {
      sit.cwd = j.chdir ?? undefined;
      tentative = sit.cwd !== undefined;
    }
  }
  const result = worst(judgements);
  // keep every reason of the worst level, so the approval prompt lists all of them
  const reasons = judgements.filter((j) => j.level === result.level && j.reason).map((j) => j.reason!);
  return { level: result.level, reason: [...new Set(reasons)].join("; ") || undefined };
}

/** Classifies a command line that would run with `root` as its working directory. */
export function classifyCommand(command: string, root: string, home = homedir()): CommandRisk {
  if (!command.trim()) return { level: "unknown", reasons: ["empty command"], programs: [] };
  const programs: string[] = [];
  const result = classifyWithin(command, { root, cwd: root, home, suspicious: new Set(), programs, depth: 0 });
  return { level: result.level, reasons: result.reason ? result.reason.split("; ") : [], programs: [...new Set(programs)] };
}

/** Whether writing to the stdin of a process started with `command` can steer what it runs: it runs a shell, an
 *  interpreter or another program that executes its input, or it needed approval to start. */
export function inputRisk(command: string, root: string, home = homedir()): CommandRisk | undefined {
  const risk = classifyCommand(command, root, home);
  const reader = risk.programs.find((p) => READS_CODE.has(p) || INTERPRETER.test(p));
  if (reader) return { level: "unknown", reasons: [`the process runs ${reader}, which executes what it reads; sending it input requires approval`], programs: risk.programs };
  if (risk.level === "unknown" || risk.level === "destructive") {
    return { level: "unknown", reasons: [`the process runs a command of ${risk.level} risk (${risk.reasons[0] ?? "?"}); its input may steer it`], programs: risk.programs };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Command patterns for approvals and configured rules

const STOP = "[^;&|`<>\\n]";

/** A command pattern as a regular expression: `*` and `?` never match `; & | $( \` > <` or a newline. */
export function commandPatternRegExp(pattern: string): RegExp {
  let re = "";
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") {
      while (pattern[i + 1] === "*") i++;
      re += `(?:(?!\\$\\()${STOP})*`;
    } else if (c === "?") re += `(?!\\$\\()${STOP}`;
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        let body = pattern.slice(i + 1, end).replace(/\\/g, "\\\\");
        if (body.startsWith("!")) body = `^${body.slice(1)}`;
        re += `(?![;&|\`<>\\n])[${body}]`;
        i = end;
      }
    } else if (c === "{") {
      braces++;
      re += "(?:";
    } else if (c === "}" && braces > 0) {
      braces--;
      re += ")";
    } else if (c === "," && braces > 0) re += "|";
    else if (c === "\\" && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.+^$()|\\/[\]{}*?]/g, "\\$&");
    else re += c.replace(/[.+^$()|\\/[\]{}*?]/g, "\\$&");
  }
  return new RegExp(`^${re}${")".repeat(braces)}$`, "s");
}

const commandText = (cmd: SimpleCommand) => cmd.words.map((w) => w.text).join(" ");

/** Whether an approval or allow rule written as `pattern` covers a whole command line: every simple command in it
 *  matches, and it has no command substitution and no redirection outside the root. */
export function commandGrantCovers(pattern: string, line: string, root: string): boolean {
  if (pattern.trim() === line.trim()) return true;
  let commands: SimpleCommand[];
  try {
    commands = parseCommandLine(line);
  } catch {
    return false;
  }
  const re = commandPatternRegExp(pattern.trim());
  const sit: Situation = { root, cwd: root, home: homedir(), suspicious: new Set(), programs: [], depth: 0 };
  const moves = commands.some((c) => c.words.some((w) => ["cd", "pushd", "popd"].includes(w.text)));
  if (moves) sit.cwd = undefined;
  for (const cmd of commands) {
    if (cmd.substitution || cmd.hazards.length || cmd.arithmetic.length || cmd.assigns.length) return false;
    const redirects = judgeRedirects(cmd.redirects, sit);
    if (redirects && redirects.level !== "write" && redirects.level !== "read-only") return false;
    if (!cmd.words.length) continue;
    if (cmd.words.some((w) => w.dynamic && /\$\(|`|^[<>]\(/.test(w.text))) return false;
    if (!re.test(commandText(cmd))) return false;
  }
  return commands.length > 0;
}

/** Whether a deny or ask rule written as `pattern` applies to a command line: the whole line matches it (as before),
 *  or any simple command in it does, also with its wrappers (env, timeout, sudo, …) removed or inside `sh -c`. */
export function commandRuleApplies(pattern: string, line: string, depth = 0): boolean {
  if (globMatches(pattern, line, { pathMode: false })) return true;
  if (depth > 4) return false;
  let commands: SimpleCommand[];
  try {
    commands = parseCommandLine(line);
  } catch {
    return false;
  }
  for (const cmd of commands) {
    let words = cmd.words.flatMap(expandWord);
    for (let guard = 0; guard < 8 && words.length; guard++) {
      if (globMatches(pattern, words.map((w) => w.text).join(" "), { pathMode: false })) return true;
      const name = basename(words[0]!.text);
      if (isAssignment(words[0]!) || LEADING_KEYWORDS.has(words[0]!.text)) words = words.slice(1);
      else if (["env", "sudo", "doas", "nohup", "time", "command", "builtin", "exec", "nice", "stdbuf", "setsid", "xargs", "watch", "npx", "bunx", "uvx"].includes(name)) {
        words = words.slice(1);
        while (words.length && (words[0]!.text.startsWith("-") || isAssignment(words[0]!))) words = words.slice(1);
      } else if (name === "timeout") {
        words = words.slice(1);
        while (words.length && words[0]!.text.startsWith("-")) words = words.slice(1);
        words = words.slice(1);
      } else if ((POSIX_SHELLS.has(name) || OTHER_SHELLS.has(name)) && words.some((w) => /^-[a-z]*c[a-z]*$/.test(w.text))) {
        const at = words.findIndex((w) => /^-[a-z]*c[a-z]*$/.test(w.text));
        const script = words[at + 1];
        if (script && commandRuleApplies(pattern, script.text, depth + 1)) return true;
        break;
      } else break;
    }
  }
  return false;
}
