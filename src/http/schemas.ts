// TypeBox pieces every plugin shares: the error envelope (DESIGN.md §4), and the adaptation of a domain's query
// shape to query strings. Domain shapes live in src/core/<domain>/schema.ts.
import { Kind, OptionalKind, type TObject, type TProperties, type TSchema } from "@sinclair/typebox";
import { t } from "elysia";
import { ERROR_CODES } from "../core/kernel/errors";

export { Id, maybe } from "../core/kernel/shapes";

export const ErrorCode = t.Union(
  ERROR_CODES.map((code) => t.Literal(code)),
  { description: "VALIDATION_ERROR lists the fields in details.fields[]; RATE_LIMITED gives details.retry_after" },
);

export const ErrorEnvelope = t.Object(
  {
    error: t.Object({ code: ErrorCode, message: t.String(), details: t.Record(t.String(), t.Unknown()), request_id: t.String() }),
    detail: t.String(),
  },
  { description: "The error envelope" },
);

/**
 * A domain's query shape as query strings arrive: Elysia reads numbers and booleans from text by itself, integers
 * only in its own `t.Integer`, so integer fields are swapped for that (same limits and default).
 */
export function queryOf<P extends TProperties>(schema: TObject<P>): TObject<P> {
  const fromText = (field: TSchema): TSchema => {
    if (field[Kind] !== "Integer") return field;
    const { [Kind]: _kind, [OptionalKind]: optional, type: _type, ...limits } = field as TSchema & { [OptionalKind]?: string };
    return optional ? t.Optional(t.Integer(limits)) : t.Integer(limits);
  };
  const properties = Object.fromEntries(Object.entries(schema.properties).map(([name, field]) => [name, fromText(field)]));
  const { [Kind]: _kind, type: _type, properties: _properties, required: _required, ...options } = schema;
  return t.Object(properties, options) as unknown as TObject<P>;
}

/** A body whose `maybe` fields may be null → the same with those fields undefined, as the core expects. */
export function withoutNulls<T extends Record<string, unknown>>(body: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, v ?? undefined])) as { [K in keyof T]: Exclude<T[K], null> };
}
