// Commands (PiSovereign API: /v1/commands*): named commands, free text parsed into a command, and the host command
// catalog — list, search, count, read, add and delete (admin keys only), execute, and the recorded result of an
// execution. Thin translation over core.commands and core.catalog.
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import {
  CatalogCommand,
  CatalogCount,
  CatalogListQuery,
  CatalogParams,
  CatalogSearchQuery,
  CommandExecution,
  ExecuteRequest,
  ExecutionListQuery,
  ExecutionParams,
  NewCatalogCommand,
} from "../src/core/catalog/schema";
import { CommandResponse, ParseRequest, ParseResponse, RunCommandRequest } from "../src/core/commands/schema";
import { parseCommand } from "../src/core/commands/parse";
import { callerOf } from "../src/http/auth";
import { ownerOf } from "../src/core/kernel/viewer";
import { ErrorEnvelope, queryOf } from "../src/http/schemas";

const EXECUTE_DESCRIPTION =
  "Runs the entry's argument vector (placeholders filled with the checked `args`) without a shell, in the sandbox, in the active root, " +
  "judged by the permission policy as process.execute. Network-category commands see the host's network, and only after approval. " +
  "200 with the finished execution; 202 with an execution awaiting approval when the entry requires approval, its risk level is not safe, " +
  "it needs the network or the policy asks: answer `approval_request_id` through /api/v1/approvals/{id}/approve (it then runs exactly once) " +
  "or /deny (it never runs), and read the result at GET /v1/commands/executions/{id}. 403 when the policy denies it.";

export const commandsPlugin = (core: Core) => {
  const { catalog, commands } = core;
  // The parse call's usage is kept for the caller (it stores no message).
  const parseDeps = (request: Request) => ({ models: core.models, named: commands, catalog, usage: core.conversations.repository, owner: ownerOf(callerOf(request)) });
  return new Elysia({ name: "commands", detail: { tags: ["commands"] } })
    .post(
      "/v1/commands",
      async ({ body, request, set }) => {
        const outcome = await commands.run(body.command, body.args, callerOf(request));
        set.status = outcome.status;
        return outcome.body;
      },
      {
        body: RunCommandRequest,
        response: { 200: CommandResponse, 202: CommandResponse, 403: ErrorEnvelope, 404: ErrorEnvelope, 422: ErrorEnvelope, 501: ErrorEnvelope },
        detail: {
          summary: "Run a named command",
          description:
            "`help` lists the commands; `briefing` summarises the workspace (running and recent tasks, pending approvals, recent conversations, the " +
            "active root's git status); a saved command of the config file ([[commands]] name, prompt, agent) runs as a turn of its agent; a catalog " +
            "command runs by id or name (202 while it waits for approval, as for /catalog/{id}/execute). `weather`, `calendar` and `emails` answer 501 " +
            "naming what to configure.",
        },
      },
    )
    .post("/v1/commands/parse", ({ body, request }) => parseCommand(body.input, parseDeps(request)), {
      body: ParseRequest,
      response: { 200: ParseResponse, 422: ErrorEnvelope, 502: ErrorEnvelope, 503: ErrorEnvelope },
      detail: {
        summary: "Parse free text into a command without executing it",
        description:
          "The current model maps the text to a named or catalog command and answers JSON that is validated before it is returned. `parsed` is " +
          "false when nothing fits or the model names a command the server does not know. A model answer that is not the expected JSON is a 502.",
      },
    })
    .get("/v1/commands/catalog", ({ query }) => catalog.list(query), {
      query: queryOf(CatalogListQuery),
      response: { 200: t.Array(CatalogCommand), 422: ErrorEnvelope },
      detail: { summary: "List the host command catalog", description: "Seeded on first start with 32 read-only commands (system, memory, disks, processes, network, git)." },
    })
    .get("/v1/commands/catalog/search", ({ query }) => catalog.search(query.q, query.limit), {
      query: queryOf(CatalogSearchQuery),
      response: { 200: t.Array(CatalogCommand), 422: ErrorEnvelope },
      detail: { summary: "Search the catalog", description: "Every word of q must appear in the name, description, category or command (case-insensitive)." },
    })
    .get("/v1/commands/catalog/count", () => ({ count: catalog.count() }), {
      response: { 200: CatalogCount },
      detail: { summary: "How many commands the catalog holds" },
    })
    .get("/v1/commands/catalog/:id", ({ params }) => catalog.get(params.id), {
      params: CatalogParams,
      response: { 200: CatalogCommand, 404: ErrorEnvelope },
      detail: { summary: "One catalog command" },
    })
    .post(
      "/v1/commands/catalog",
      ({ body, request, set }) => {
        const created = catalog.create(body, callerOf(request));
        set.status = 201;
        return created;
      },
      {
        body: NewCatalogCommand,
        response: { 201: CatalogCommand, 403: ErrorEnvelope, 409: ErrorEnvelope, 422: ErrorEnvelope },
        detail: {
          summary: "Add a command to the catalog (admin keys)",
          description:
            "`command` is split into arguments (quotes group words; anything a shell would interpret is refused) or `argv` gives them as a list. " +
            "{{name}} placeholders must be declared in `parameters` with their schema.",
        },
      },
    )
    .delete(
      "/v1/commands/catalog/:id",
      ({ params, request, set }) => {
        catalog.delete(params.id, callerOf(request));
        set.status = 204;
      },
      {
        params: CatalogParams,
        response: { 204: t.Void(), 403: ErrorEnvelope, 404: ErrorEnvelope },
        detail: { summary: "Delete a catalog command (admin keys)" },
      },
    )
    .post(
      "/v1/commands/catalog/:id/execute",
      async ({ params, body, request, set }) => {
        const { execution, ran } = await catalog.execute(params.id, body?.args, callerOf(request));
        set.status = ran ? 200 : 202;
        return execution;
      },
      {
        params: CatalogParams,
        body: t.Optional(ExecuteRequest),
        response: { 200: CommandExecution, 202: CommandExecution, 403: ErrorEnvelope, 404: ErrorEnvelope, 422: ErrorEnvelope },
        detail: { summary: "Execute a catalog command", description: EXECUTE_DESCRIPTION },
      },
    )
    .get("/v1/commands/executions", ({ query, request }) => catalog.executions({ ...query, viewer: callerOf(request) }), {
      query: queryOf(ExecutionListQuery),
      response: { 200: t.Array(CommandExecution), 422: ErrorEnvelope },
      detail: { summary: "Recent catalog executions, newest first", description: "A user key lists only its own." },
    })
    .get("/v1/commands/executions/:id", ({ params, request }) => catalog.execution(params.id, callerOf(request)), {
      params: ExecutionParams,
      response: { 200: CommandExecution, 404: ErrorEnvelope },
      detail: { summary: "The recorded result of a catalog execution", description: "A user key sees only its own executions." },
    });
};
