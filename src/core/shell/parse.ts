// The bash command-line parser: splits a line the way bash does (quotes, ANSI-C strings, escapes, operators,
// subshells, `$(…)`, backticks, `${…}`, arithmetic, redirections, here-documents) into a flat list of simple commands,
// including those nested in substitutions, and performs brace expansion on their words.

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
export const MAX_DEPTH = 8;
/** Characters brace and pathname expansion treat specially; escaped in Word.pattern when they were quoted. */
const PATTERN_SPECIAL = "{},\\*?[]";
export const escapePattern = (text: string) => [...text].map((c) => (PATTERN_SPECIAL.includes(c) ? `\\${c}` : c)).join("");

interface WordBuilder {
  w: Word;
}

export const emptyWord = (): Word => ({ text: "", dynamic: false, glob: false, split: false, leadDynamic: false, leadGlob: false, quoted: false, pattern: "", braces: false });

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
export function globInfo(pattern: string): { glob: boolean; leadGlob: boolean } {
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

export const unescapePattern = (pattern: string) => pattern.replace(/\\(.)/gs, "$1");

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
export function expandWord(word: Word): Word[] {
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
