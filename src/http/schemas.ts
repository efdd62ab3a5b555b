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
