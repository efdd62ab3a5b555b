// An MCP server's tool as a registry tool: named <server>_<tool>, described for the model, its JSON Schema as the
// parameters (the registry checks plain JSON Schema), judged by the permission policy as operation
// mcp.<server>.<tool> on its arguments, and its result (text, images, resources, structured content) turned into
// what the model reads.
import type { TSchema } from "@sinclair/typebox";
import type { CallToolResult, ContentBlock, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { ToolDefinition, ToolOutput } from "../tools/types";

/** How long a description the model is given (some servers write pages). */
const MAX_DESCRIPTION = 2000;
const MAX_NAME = 64;

/** The registry name of a server's tool: <server>_<tool> with what a function name may not hold replaced. */
export function registryName(server: string, tool: string): string {
  const name = `${server}_${tool}`.replace(/[^A-Za-z0-9_-]/g, "_");
  if (name.length <= MAX_NAME) return name;
  // cut, with a short hash of the whole so two long names stay apart
  const hash = new Bun.CryptoHasher("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, MAX_NAME - 9)}_${hash}`;
}

/** The tool's input schema as the provider and the registry's JSON Schema check take it: an object schema. */
function parametersOf(tool: Tool): Record<string, unknown> {
  const { $schema: _draft, ...schema } = (tool.inputSchema ?? {}) as Record<string, unknown>;
  return { ...schema, type: "object", properties: schema.properties ?? {} };
}

/** Longer arguments are cut in what approvals and the audit log show, with a hash so no two calls look the same. */
const MAX_RESOURCE = 4000;

/**
 * What the permission policy judges, an approval shows and the audit log keeps: the tool's name on the server, then
 * its arguments as JSON (`echo {"message":"hi"}`). Approving the pattern `echo *` allows the tool with any arguments
 * for the session; a session approval covers exactly this call.
 */
export function callResource(tool: string, args: unknown): string {
  const text = `${tool} ${JSON.stringify(args)}`;
  if (text.length <= MAX_RESOURCE) return text;
  const hash = new Bun.CryptoHasher("sha256").update(text).digest("hex").slice(0, 16);
  return `${text.slice(0, MAX_RESOURCE)}… (sha256 ${hash})`;
}

export interface McpToolCaller {
  /** Calls the tool on the server; rejects when the server is not connected, the call fails or is cancelled. */
  call(tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult>;
}

export function mcpToolDefinition(server: string, tool: Tool, caller: McpToolCaller, timeoutMs: number): ToolDefinition {
  const about = (tool.description ?? tool.title ?? "").trim();
  const description = `${about.length > MAX_DESCRIPTION ? about.slice(0, MAX_DESCRIPTION) + "…" : about}${about ? " " : ""}(Tool "${tool.name}" of the MCP server "${server}".)`;
  const readOnly = tool.annotations?.readOnlyHint === true;
  return {
    name: registryName(server, tool.name),
    description,
    parameters: parametersOf(tool) as unknown as TSchema,
    category: "mcp",
    operation: `${server}.${tool.name}`,
    resource: (args) => callResource(tool.name, args),
    // read-only mode lets through only what the server annotates as read-only (it runs the server's code anyway)
    assess: () => (readOnly ? { level: "read-only", reasons: [], programs: [] } : undefined),
    // the SDK's own timeout answers first, with the server named
    timeoutMs: timeoutMs + 5000,
    async run(args, ctx) {
      return toolOutput(await caller.call(tool.name, args as Record<string, unknown>, ctx.signal));
    },
  };
}

/** What the model reads from a tool result: its text, images for vision models, and marks for what it cannot read. */
export function toolOutput(result: CallToolResult): ToolOutput {
  const parts: string[] = [];
  const images: NonNullable<ToolOutput["images"]> = [];
  for (const block of (result.content ?? []) as ContentBlock[]) {
    switch (block.type) {
      case "text":
        parts.push(block.text);
        break;
      case "image":
        images.push({ mediaType: block.mimeType, base64: block.data });
        parts.push(`[image ${block.mimeType}]`);
        break;
      case "audio":
        parts.push(`[audio ${block.mimeType}, not shown]`);
        break;
      case "resource": {
        const r = block.resource;
        parts.push("text" in r && typeof r.text === "string" ? `[resource ${r.uri}]\n${r.text}` : `[binary resource ${r.uri}${r.mimeType ? ` (${r.mimeType})` : ""}, not shown]`);
        break;
      }
      case "resource_link":
        parts.push(`[resource link ${block.name}: ${block.uri}]`);
        break;
    }
  }
  const structured = result.structuredContent;
  if (!parts.length && structured !== undefined) parts.push(JSON.stringify(structured, null, 2));
  const output = parts.join("\n") || (result.isError ? "The tool failed and said nothing more." : "(no output)");
  const data: Record<string, unknown> = {};
  if (structured !== undefined) data.structured_content = structured;
  return { ok: !result.isError, output, ...(Object.keys(data).length ? { data } : {}), ...(images.length ? { images } : {}) };
}
