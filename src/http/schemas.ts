// TypeBox pieces every plugin shares: the error envelope (DESIGN.md §4), and the adaptation of a domain's query
// shape to query strings. Domain shapes live in src/core/<domain>/schema.ts.
import { FormatRegistry, Kind, OptionalKind, Type, type TObject, type TProperties, type TSchema } from "@sinclair/typebox";
import { t } from "elysia";
import { ERROR_CODES, SUGGESTED_ACTIONS } from "../core/kernel/errors";
import { MAX_QUERY_INTEGER } from "../core/kernel/shapes";

export { Id, maybe } from "../core/kernel/shapes";

export const ErrorCode = t.Union(
  ERROR_CODES.map((code) => t.Literal(code)),
  { description: "VALIDATION_ERROR lists the fields in details.fields[]; RATE_LIMITED gives details.retry_after" },
);

export const ErrorEnvelope = t.Object(
  {
    error: t.Object({
      code: ErrorCode,
      message: t.String(),
      details: t.Record(t.String(), t.Unknown()),
      request_id: t.String(),
      recoverable: t.Boolean({ description: "Whether the same request may succeed later without changes" }),
      suggested_action: t.Union(
        SUGGESTED_ACTIONS.map((action) => t.Literal(action)),
        { description: "What the client should do: e.g. retry_later, fix_request, authenticate, check_agent_id, configure_provider" },
      ),
    }),
    detail: t.String(),
  },
  { description: "The error envelope" },
);

/**
 * An integer query field, as text or number, within its bounds. The bounds are checked while the text is validated
 * (a string format per range), so `?limit=1e308`, `-1` or `1.5` is a 422 naming the field; Elysia's own `t.Integer`
 * checks them only while decoding, where the field's name is lost.
 */
function queryInteger(limits: { minimum: number; maximum: number; [option: string]: unknown }): TSchema {
  const { minimum, maximum } = limits;
  // The format's name is what a failed check reports: "should be one of: 'integer from 1 to 500', 'integer'".
  const format = `integer from ${minimum} to ${maximum}`;
  if (!FormatRegistry.Has(format)) FormatRegistry.Set(format, (text) => /^-?\d+$/.test(text) && Number(text) >= minimum && Number(text) <= maximum);
  return t
    .Transform(t.Union([t.String({ format }), Type.Integer(limits)], limits))
    .Decode((value) => Number(value))
    .Encode((value) => value);
}

/**
 * A domain's query shape as query strings arrive: Elysia reads numbers and booleans from text by itself, integers
 * not, so integer fields are swapped for queryInteger (same limits and default). An integer without bounds gets
 * 0 – MAX_QUERY_INTEGER: a number SQLite cannot take is a 422, never a database error.
 */
export function queryOf<P extends TProperties>(schema: TObject<P>): TObject<P> {
  const fromText = (field: TSchema): TSchema => {
    if (field[Kind] !== "Integer") return field;
    const { [Kind]: _kind, [OptionalKind]: optional, type: _type, ...limits } = field as TSchema & { [OptionalKind]?: string };
    const bounded = queryInteger({ minimum: 0, maximum: MAX_QUERY_INTEGER, ...limits });
    return optional ? t.Optional(bounded) : bounded;
  };
  const properties = Object.fromEntries(Object.entries(schema.properties).map(([name, field]) => [name, fromText(field)]));
  const { [Kind]: _kind, type: _type, properties: _properties, required: _required, ...options } = schema;
  return t.Object(properties, options) as unknown as TObject<P>;
}

/** A body whose `maybe` fields may be null → the same with those fields undefined, as the core expects. */
export function withoutNulls<T extends Record<string, unknown>>(body: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, v ?? undefined])) as { [K in keyof T]: Exclude<T[K], null> };
}
