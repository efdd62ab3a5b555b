// TypeBox pieces every plugin shares: the error envelope (DESIGN.md §4) and common field shapes.
import { t } from "elysia";

export const ErrorEnvelope = t.Object(
  {
    error: t.Object({ code: t.String(), message: t.String(), details: t.Record(t.String(), t.Unknown()), request_id: t.String() }),
    detail: t.String(),
  },
  { description: "The error envelope" },
);

/** An optional field that also accepts null (Python clients send None for "not given"). */
export const maybe = <S extends Parameters<typeof t.Optional>[0]>(schema: S) => t.Optional(t.Union([schema, t.Null()]));

/** An id in a path or body. */
export const Id = t.String({ minLength: 1, maxLength: 200 });

/** A body whose `maybe` fields may be null → the same with those fields undefined, as the core expects. */
export function withoutNulls<T extends Record<string, unknown>>(body: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, v ?? undefined])) as { [K in keyof T]: Exclude<T[K], null> };
}
