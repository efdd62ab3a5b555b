// TypeBox pieces every domain's schema.ts shares. Plain TypeBox (no HTTP here): the plugins feed these same schemas
// to Elysia for validation and OpenAPI, and the web UI derives its types from them.
import { Type as T, type TSchema } from "@sinclair/typebox";

/** An id in a path, a query or a body. */
export const Id = T.String({ minLength: 1, maxLength: 200 });

/** A value or null. */
export const Nullable = <S extends TSchema>(schema: S, options?: { description?: string }) => T.Union([schema, T.Null()], options);

/** An optional field that also accepts null (Python clients send None for "not given"). */
export const maybe = <S extends TSchema>(schema: S) => T.Optional(Nullable(schema));

/** The largest offset or count a list query accepts: beyond it a query is a 422, never a database error. */
export const MAX_QUERY_INTEGER = 2_147_483_647;

/** How many items a list skips. */
export const Offset = T.Integer({ minimum: 0, maximum: MAX_QUERY_INTEGER, default: 0 });

/** A point in time as the API shows it. */
export const Timestamp = (description = "ISO 8601") => T.String({ description });
