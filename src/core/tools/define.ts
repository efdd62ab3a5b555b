// Helpers for writing tools: typed arguments from the TypeBox schema, a file tool's `path` resolved against the
// call's root (and the files a call declares it will change), byte-safe clipping and content sniffing.
import type { Static, TObject, TOptional, TProperties, TSchema, TString } from "@sinclair/typebox";
import { statSync, type Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, resolve } from "node:path";
import type { CommandRisk } from "../shell";
import { displayPath } from "../fs/paths";
import type { ToolContext, ToolDefinition, ToolOutput } from "./types";

export interface TypedTool<S extends TSchema> extends Omit<ToolDefinition<S>, "resource" | "run" | "assess" | "changes"> {
  resource(args: Static<S>, ctx: ToolContext): string;
  assess?(args: Static<S>, ctx: ToolContext): CommandRisk | undefined;
  run(args: Static<S>, ctx: ToolContext): Promise<ToolOutput>;
  changes?(args: Static<S>, ctx: ToolContext): string[];
}

/** Declares a tool whose resource() and run() receive arguments already validated against `parameters`. */
export function defineTool<S extends TSchema>(tool: TypedTool<S>): ToolDefinition {
  return tool as unknown as ToolDefinition;
}

/** Where a file tool's `path` argument lands. */
export interface PathTarget {
  /** absolute */
  path: string;
  /** for messages: relative to the root when inside it */
  shown: string;
  /** undefined when nothing is there */
  info: Stats | undefined;
}

/**
 * A filesystem tool judged on its `path` argument (the root when omitted); run() receives that path resolved and
 * stat'ed, and so does changes() (the files a call will change: declared by the tools that write, move or delete).
 */
export function defineFileTool<P extends TProperties & { path: TString | TOptional<TString> }>(
  tool: Omit<TypedTool<TObject<P>>, "category" | "resource" | "run" | "changes"> & {
    run(args: Static<TObject<P>>, ctx: ToolContext, target: PathTarget): Promise<ToolOutput>;
    changes?(args: Static<TObject<P>>, ctx: ToolContext, target: PathTarget): string[];
  },
): ToolDefinition {
  const pathOf = (args: Static<TObject<P>>, ctx: ToolContext) => pathIn(ctx, (args as { path?: string }).path);
  const { changes } = tool;
  return defineTool<TObject<P>>({
    ...tool,
    category: "filesystem",
    resource: pathOf,
    async run(args, ctx) {
      const path = pathOf(args, ctx);
      const info = await stat(path).catch(() => undefined);
      return tool.run(args, ctx, { path, shown: displayPath(path, ctx.root), info });
    },
    changes: changes
      ? (args, ctx) => {
          const path = pathOf(args, ctx);
          let info: Stats | undefined;
          try {
            info = statSync(path);
          } catch {
            /* nothing there yet */
          }
          return changes(args, ctx, { path, shown: displayPath(path, ctx.root), info });
        }
      : undefined,
  });
}

/** A model-supplied path made absolute against the call's root (the permission layer judges where it lands). */
function pathIn(ctx: ToolContext, path: string | undefined): string {
  const p = (path ?? ".").trim() || ".";
  // the model means the home directory, as a shell would; the policy judges it like any other path
  if (p === "~" || p.startsWith("~/")) return resolve(homedir(), p.slice(2));
  return isAbsolute(p) ? resolve(p) : resolve(ctx.root, p);
}

export const ok = (output: string, data?: Record<string, unknown>): ToolOutput => ({ ok: true, output, data });
export const fail = (output: string, data?: Record<string, unknown>): ToolOutput => ({ ok: false, output, data });

/** Cuts text to at most `maxBytes` UTF-8 bytes on a character boundary. */
export function clipBytes(text: string, maxBytes: number): { text: string; clipped: boolean } {
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return { text, clipped: false };
  let out = Buffer.from(text).subarray(0, maxBytes).toString("utf8");
  // drop a trailing replacement character left by a cut multi-byte sequence
  if (out.endsWith("\uFFFD")) out = out.slice(0, -1);
  return { text: out, clipped: true };
}

/** Heuristic binary test on the first bytes: NUL bytes or mostly non-text control characters. */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  if (n === 0) return false;
  let odd = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0) return true;
    if (b < 7 || (b > 13 && b < 32 && b !== 27)) odd++;
  }
  return odd / n > 0.1;
}

/** Image formats a vision model accepts, recognised from their first bytes. */
export function sniffImage(bytes: Uint8Array): string | undefined {
  const at = (i: number, ...values: number[]) => values.every((v, k) => bytes[i + k] === v);
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "image/png";
  if (at(0, 0xff, 0xd8, 0xff)) return "image/jpeg";
  if (at(0, 0x47, 0x49, 0x46, 0x38) && (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61) return "image/gif";
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return "image/webp";
  return undefined;
}
