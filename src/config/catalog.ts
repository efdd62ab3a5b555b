// The `[catalog]` block of the config file: how long one catalog command may run and how much output is kept.
// Declared beside the domain that reads it; src/config.ts only mounts it (one key in the file schema, one field).
import { Type as T, type Static } from "@sinclair/typebox";

export const CatalogFileSettings = T.Object(
  {
    /** Seconds before a running catalog command is killed (its execution ends as failed, "timed out"). */
    timeout_seconds: T.Optional(T.Number({ exclusiveMinimum: 0, maximum: 3600 })),
    /** Kilobytes of output (stdout and stderr merged) kept per execution; the rest is drained and `truncated` set. */
    max_output_kb: T.Optional(T.Integer({ minimum: 1, maximum: 10_240 })),
  },
  { additionalProperties: false },
);
export type CatalogFileSettings = Static<typeof CatalogFileSettings>;

export interface CatalogSettings {
  timeoutMs: number;
  maxOutputBytes: number;
}

export const catalogSettings = (file: CatalogFileSettings | undefined): CatalogSettings => ({
  timeoutMs: Math.round((file?.timeout_seconds ?? 30) * 1000),
  maxOutputBytes: (file?.max_output_kb ?? 64) * 1024,
});
