// Catalog commands are argument vectors, never shell strings. This file turns a command line a human wrote into one
// (words and quotes only: anything a shell would interpret is refused, since no shell will ever see it), shows a
// vector as a line again, and fills {{placeholders}} with checked values — each inside its own argument.
import { Type as T, type TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { AppError } from "../kernel/errors";
import type { CommandParameter } from "./schema";

const invalid = (field: string, message: string) => new AppError("VALIDATION_ERROR", message, { fields: [{ field, message }] });

/** Splits a line into words: whitespace separates, '…' and "…" group (no escapes inside '…'; \" and \\ inside "…"). */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'" || c === '"') {
      const end = findClosing(line, i, c);
      if (end < 0) throw invalid("command", `unclosed ${c} quote`);
      const inner = line.slice(i + 1, end);
      word += c === '"' ? inner.replace(/\\(["\\])/g, "$1") : inner;
      inWord = true;
      i = end;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else if (c === "{" && PLACEHOLDER_AT.test(line.slice(i))) {
      // a {{name}} placeholder: filled with a checked value at execution
      const placeholder = line.slice(i).match(PLACEHOLDER_AT)![0];
      word += placeholder;
      inWord = true;
      i += placeholder.length - 1;
    } else if ("|;&<>`$(){}\\*?~#!".includes(c)) {
      throw invalid(
        "command",
        `'${c}' would be interpreted by a shell, and catalog commands run without one: write a single program with its arguments (no pipes, redirections, variables, globs or command lists)`,
      );
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  if (!words.length) throw invalid("command", "the command is empty");
  return words;
}

function findClosing(line: string, start: number, quote: string): number {
  for (let i = start + 1; i < line.length; i++) {
    if (quote === '"' && line[i] === "\\") i++;
    else if (line[i] === quote) return i;
  }
  return -1;
}

/** The vector as one line for display (and as the resource a permission rule or approval sees). */
export const joinArgv = (argv: readonly string[]): string => argv.map(quoteWord).join(" ");

function quoteWord(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./{}-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

const PLACEHOLDER_AT = /^\{\{[A-Za-z_][A-Za-z0-9_]*\}\}/;
const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g;

/** The placeholder names the arguments use. */
export const placeholdersOf = (argv: readonly string[]): string[] => [...new Set(argv.flatMap((a) => [...a.matchAll(PLACEHOLDER)].map((m) => m[1]!)))];

/** Every placeholder declared, every declaration used: a mismatch is a mistake in the entry. */
export function checkDeclarations(argv: readonly string[], parameters: Record<string, CommandParameter>): void {
  const used = placeholdersOf(argv);
  const undeclared = used.filter((name) => !parameters[name]);
  if (undeclared.length) throw invalid("parameters", `placeholders without a declaration in parameters: ${undeclared.join(", ")}`);
  const unused = Object.keys(parameters).filter((name) => !used.includes(name));
  if (unused.length) throw invalid("parameters", `parameters no argument uses (write {{${unused[0]}}} in an argument): ${unused.join(", ")}`);
  if (argv[0]?.includes("{{")) throw invalid("command", "the program itself cannot be a placeholder");
  for (const [name, p] of Object.entries(parameters)) {
    if (p.pattern !== undefined) {
      try {
        new RegExp(p.pattern, "u");
      } catch (error) {
        throw invalid(`parameters.${name}.pattern`, `not a valid regular expression: ${(error as Error).message}`);
      }
    }
  }
}

function schemaOf(p: CommandParameter): TSchema {
  if (p.type === "integer") return T.Integer({ minimum: p.minimum, maximum: p.maximum });
  if (p.enum) return T.Union(p.enum.map((v) => T.Literal(v)));
  return T.String({ maxLength: p.maxLength ?? 1024, ...(p.pattern !== undefined ? { pattern: `^(?:${p.pattern})$` } : {}) });
}

/** The argument vector with every placeholder replaced by its checked value (given, else its default). */
export function fillArgv(argv: readonly string[], parameters: Record<string, CommandParameter>, args: Record<string, string | number> = {}): string[] {
  const unknown = Object.keys(args).filter((name) => !parameters[name]);
  if (unknown.length) throw invalid(`args.${unknown[0]}`, `this command takes no parameter '${unknown[0]}'${Object.keys(parameters).length ? ` (it takes: ${Object.keys(parameters).join(", ")})` : ""}`);
  const values: Record<string, string> = {};
  for (const [name, p] of Object.entries(parameters)) {
    let value = args[name] ?? p.default;
    if (value === undefined) throw invalid(`args.${name}`, `missing value for parameter '${name}'${p.description ? ` (${p.description})` : ""}`);
    if (p.type === "integer" && typeof value === "string" && /^-?\d+$/.test(value)) value = Number(value);
    const check = TypeCompiler.Compile(schemaOf(p));
    if (!check.Check(value)) {
      const first = check.Errors(value).First();
      throw invalid(`args.${name}`, `invalid value for '${name}': ${first?.message ?? "does not match its schema"}`);
    }
    const text = String(value);
    if (p.type === "string" && text.startsWith("-")) throw invalid(`args.${name}`, `'${name}' may not start with '-' (it would be read as an option)`);
    if (text.includes("\0")) throw invalid(`args.${name}`, `'${name}' may not contain NUL`);
    values[name] = text;
  }
  return argv.map((arg) => arg.replace(PLACEHOLDER, (_, name: string) => values[name]!));
}
