// Shapes of POST /v1/commands (a named command) and POST /v1/commands/parse (free text → a structured command).
import { type Static, Type as T } from "@sinclair/typebox";
import { Nullable, Timestamp } from "../kernel/shapes";

export const RunCommandRequest = T.Object(
  {
    command: T.String({ minLength: 1, maxLength: 200, description: "help, briefing, a catalog command's id or name, or a saved command of the config file" }),
    args: T.Optional(T.Record(T.String(), T.Union([T.String({ maxLength: 10_000 }), T.Number(), T.Boolean()]), { description: "the command's arguments" })),
  },
  { additionalProperties: false },
);
export type RunCommandRequest = Static<typeof RunCommandRequest>;

export const CommandStatus = T.Union([T.Literal("completed"), T.Literal("failed"), T.Literal("awaiting_approval")]);

export const CommandResponse = T.Object({
  command: T.String({ description: "the command that ran (its canonical name)" }),
  status: CommandStatus,
  result: T.Record(T.String(), T.Unknown()),
  executed_at: Timestamp(),
});
export type CommandResponse = Static<typeof CommandResponse>;

export const CommandKind = T.Union([T.Literal("builtin"), T.Literal("saved_prompt"), T.Literal("catalog"), T.Literal("integration")]);

export const CommandDescription = T.Object({
  name: T.String(),
  description: T.String(),
  kind: CommandKind,
  arguments: T.Array(T.String()),
  available: T.Boolean({ description: "false: it needs something this server does not have (see `needs`)" }),
  needs: T.Optional(T.String()),
});
export type CommandDescription = Static<typeof CommandDescription>;

export const ParseRequest = T.Object({ input: T.String({ minLength: 1, maxLength: 4000 }) }, { additionalProperties: false });

/** What the model must answer (validated before anything is returned). */
export const ModelParseAnswer = T.Object({
  command: Nullable(
    T.Object({
      type: T.String({ minLength: 1, maxLength: 200 }),
      args: T.Optional(T.Record(T.String(), T.Union([T.String(), T.Number(), T.Boolean()]))),
    }),
  ),
  confidence: T.Number({ minimum: 0, maximum: 1 }),
});
export type ModelParseAnswer = Static<typeof ModelParseAnswer>;

export const ParseResponse = T.Object({
  parsed: T.Boolean({ description: "true when the text maps to a command this server knows" }),
  command: Nullable(
    T.Object({
      type: T.String({ description: "the command's name (a catalog command's id)" }),
      kind: T.Optional(CommandKind),
      args: T.Record(T.String(), T.Unknown()),
    }),
  ),
  confidence: T.Number(),
  requires_approval: T.Boolean({ description: "whether running it would ask a human first" }),
});
export type ParseResponse = Static<typeof ParseResponse>;
