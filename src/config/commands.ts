// The `[[commands]]` tables of the config file: saved prompts run as a turn of an agent by POST /v1/commands.
// Declared beside the domain that reads them; src/config.ts only mounts them (one key, one field).
import { Type as T, type Static } from "@sinclair/typebox";

export const SavedCommandEntry = T.Object(
  {
    /** What POST /v1/commands {"command": name} calls (case-insensitive); it may take over a built-in name such as
     *  "weather" when an agent has what it needs (e.g. an MCP weather tool). */
    name: T.String({ minLength: 1, maxLength: 100, pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]*$" }),
    description: T.Optional(T.String({ maxLength: 1000 })),
    /** The message the agent receives; {{arg}} placeholders are filled from the request's args. */
    prompt: T.String({ minLength: 1, maxLength: 100_000 }),
    /** The agent that answers (default: "default"). */
    agent: T.Optional(T.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type SavedCommandEntry = Static<typeof SavedCommandEntry>;

export const CommandsFileSettings = T.Array(SavedCommandEntry);

export interface SavedCommand {
  name: string;
  description: string;
  prompt: string;
  agent: string;
}

export function savedCommands(entries: SavedCommandEntry[] | undefined): SavedCommand[] {
  const seen = new Set<string>();
  const out: SavedCommand[] = [];
  for (const entry of entries ?? []) {
    const key = entry.name.toLowerCase();
    if (seen.has(key)) throw new Error(`[[commands]]: the name "${entry.name}" is defined twice`);
    seen.add(key);
    out.push({ name: entry.name, description: entry.description ?? "", prompt: entry.prompt, agent: entry.agent ?? "default" });
  }
  return out;
}
