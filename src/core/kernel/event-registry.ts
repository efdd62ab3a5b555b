// defineEvent(name, schema): every bus event is declared once, with a TypeBox schema, in its domain's schema.ts.
// The registry built from those declarations types the bus (EventMap is derived from it), checks payloads when they
// are published in tests and debug runs, and describes every event in the OpenAPI document: the docs, the types and
// what is really sent cannot drift apart.
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";

export interface EventDefinition<N extends string = string, S extends TSchema = TSchema> {
  readonly name: N;
  readonly schema: S;
}

export function defineEvent<const N extends string, S extends TSchema>(name: N, schema: S): EventDefinition<N, S> {
  return { name, schema };
}

/** Fields that let a stream route an event to the right client; payloads add them where they apply. */
export const ScopeFields = {
  conversation_id: Type.Optional(Type.String()),
  session_id: Type.Optional(Type.String()),
  agent_id: Type.Optional(Type.String()),
  /** The id of the turn (one user message and everything the agent did for it). */
  turn_id: Type.Optional(Type.String({ description: "The turn (one user message and everything the agent did for it)" })),
  /** The user the event belongs to, where the producer knows it; streams show an event only to its owner and admins. */
  owner: Type.Optional(Type.String({ description: "The user the event belongs to (whose key started the turn, task or message)" })),
};
export const Scope = Type.Object(ScopeFields);
export type Scope = Static<typeof Scope>;

/** The payload type of each event, by name. */
export type EventMapOf<D extends readonly EventDefinition[]> = { [E in D[number] as E["name"]]: Static<E["schema"]> };

/**
 * Every bus event's payload, by name. Empty here on purpose: the kernel knows the mechanism, not the domains. Each
 * domain adds its events in its schema.ts by module augmentation:
 *
 *   declare module "../kernel/event-registry" { interface EventMap extends EventMapOf<[typeof MyEvent]> {} }
 *
 * and src/core/events.ts gathers the same definitions into the registry the bus validates against (a compile error
 * there names any event that was added here but not gathered).
 */
export interface EventMap {}

/** A payload that does not match its event's declaration (raised on publish when validation is on). */
export class InvalidEventError extends Error {
  override readonly name = "InvalidEventError";
}

export interface EventRegistry<D extends readonly EventDefinition[] = readonly EventDefinition[]> {
  readonly definitions: D;
  /** Throws InvalidEventError naming the first problem: an undeclared event, a missing or mistyped field. */
  assertValid(name: string, data: unknown): void;
  /** Every event for the OpenAPI document: component schemas named for the events, and the `x-events` list. */
  openApi(): { schemas: Record<string, unknown>; events: { name: string; description?: string; schema: { $ref: string } }[] };
}

export function createEventRegistry<const D extends readonly EventDefinition[]>(definitions: D): EventRegistry<D> {
  const byName = new Map<string, EventDefinition>();
  for (const d of definitions) {
    if (byName.has(d.name)) throw new Error(`event '${d.name}' is declared twice`);
    byName.set(d.name, d);
  }
  // Compiled on first use: only tests and debug runs validate.
  const checks = new Map<string, TypeCheck<TSchema>>();
  return {
    definitions,
    assertValid(name, data) {
      const definition = byName.get(name);
      if (!definition) throw new InvalidEventError(`event '${name}' is not declared (declare it with defineEvent in its domain's schema.ts)`);
      let check = checks.get(name);
      if (!check) checks.set(name, (check = TypeCompiler.Compile(definition.schema)));
      if (check.Check(data)) return;
      const first = check.Errors(data).First();
      const field = first?.path.replace(/^\//, "").replaceAll("/", ".") || "(payload)";
      throw new InvalidEventError(`event '${name}' does not match its declaration: ${field}: ${first?.message ?? "is invalid"}`);
    },
    openApi() {
      const schemas: Record<string, unknown> = {};
      const events = definitions.map((d) => {
        // A plain JSON copy: TypeBox's symbol keys mean nothing to OpenAPI.
        schemas[d.name] = JSON.parse(JSON.stringify(d.schema));
        const description = (d.schema as { description?: string }).description;
        return { name: d.name, ...(description ? { description } : {}), schema: { $ref: `#/components/schemas/${d.name}` } };
      });
      return { schemas, events };
    },
  };
}
