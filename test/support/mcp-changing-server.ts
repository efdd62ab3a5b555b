// A small MCP server for the tests of what server-everything cannot show on demand: a tool list that changes
// (notifications/tools/list_changed) and a server that exits. Built on the official SDK's low-level Server, over stdio:
//   add_tool   registers the tool `extra` and tells the client its tool list changed
//   extra      answers "extra here"
//   exit       ends the process (after answering), as a crashing server would
// Started as `bun test/support/mcp-changing-server.ts <marker>`; the marker lets a test find the process.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const server = new Server({ name: "changing", version: "1.0.0" }, { capabilities: { tools: { listChanged: true } } });
const noArguments = { type: "object" as const, properties: {} };
let extra = false;

server.setRequestHandler(ListToolsRequestSchema, () => ({
  tools: [
    { name: "add_tool", description: "Adds the tool extra", inputSchema: noArguments },
    { name: "exit", description: "Ends the server process", inputSchema: noArguments },
    ...(extra ? [{ name: "extra", description: "A tool added at run time", inputSchema: noArguments }] : []),
  ],
}));

server.setRequestHandler(CallToolRequestSchema, async (request) => {
  switch (request.params.name) {
    case "add_tool":
      extra = true;
      setTimeout(() => void server.sendToolListChanged(), 10);
      return { content: [{ type: "text", text: "added extra" }] };
    case "extra":
      return { content: [{ type: "text", text: "extra here" }] };
    case "exit":
      setTimeout(() => process.exit(3), 50);
      return { content: [{ type: "text", text: "exiting" }] };
    default:
      return { content: [{ type: "text", text: `no tool ${request.params.name}` }], isError: true };
  }
});

console.error(`changing MCP server started (${process.argv[2] ?? "no marker"})`);
await server.connect(new StdioServerTransport());
