// Small helpers for moving values between the database and API views.
import { sql } from "drizzle-orm";

/** A stored timestamp (epoch milliseconds) as the API shows it. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** The same for a timestamp that may not be set yet (absent, null or 0 → null). */
export const isoOrNull = (ms: number | null | undefined): string | null => (ms ? iso(ms) : null);

/**
 * A named placeholder where drizzle's types expect a value. Drizzle wraps it with the column's encoder (so JSON
 * columns are still serialised) and fills it in when the prepared statement runs.
 */
export const ph = <T>(name: string): T => sql.placeholder(name) as unknown as T;
