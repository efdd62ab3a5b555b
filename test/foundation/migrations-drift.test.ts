// The SQL migrations and the drizzle schema describe the same database twice; this keeps them from drifting apart
// (and checks what an upgrade does to rows stored before it).
// The migrations are applied to a fresh database, and every table and column the drizzle schema declares must exist
// there with the same name, SQL type, NOT NULL, primary key and default; a table the schema declares may not hold
// columns the schema does not know either. The checker itself is shown to catch each kind of drift.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { is } from "drizzle-orm";
import { getTableConfig, integer, SQLiteTable, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { applyMigrations } from "../../src/core/store/db";
import { migrations } from "../../src/core/store/migrations";
import * as schema from "../../src/core/store/schema";

interface ColumnInfo {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}

/** A drizzle default as the SQL literal a migration writes for it (undefined: a default drizzle cannot state in SQL). */
function sqlLiteral(value: unknown): string | undefined {
  if (typeof value === "string") return `'${value.replaceAll("'", "''")}'`;
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "1" : "0";
  if (value !== null && typeof value === "object" && !("queryChunks" in value)) return sqlLiteral(JSON.stringify(value));
  return undefined;
}

/** Every way the tables differ from the database; empty when they agree. */
function driftOf(db: Database, tables: SQLiteTable[]): string[] {
  const problems: string[] = [];
  for (const table of tables) {
    const config = getTableConfig(table);
    const columns = db.query<ColumnInfo, []>(`PRAGMA table_info("${config.name}")`).all();
    if (columns.length === 0) {
      problems.push(`table ${config.name}: declared in the drizzle schema, missing from the migrations`);
      continue;
    }
    const compositeKey = new Set(config.primaryKeys.flatMap((key) => key.columns.map((c) => c.name)));
    for (const column of config.columns) {
      const where = `${config.name}.${column.name}`;
      const actual = columns.find((c) => c.name === column.name);
      if (!actual) {
        problems.push(`${where}: declared in the drizzle schema, missing from the migrations`);
        continue;
      }
      if (actual.type.toUpperCase() !== column.getSQLType().toUpperCase()) problems.push(`${where}: type ${actual.type} in SQL, ${column.getSQLType()} in drizzle`);
      const primary = column.primary || compositeKey.has(column.name);
      if ((actual.pk > 0) !== primary) problems.push(`${where}: primary key ${actual.pk > 0} in SQL, ${primary} in drizzle`);
      // SQLite lets a primary key column hold NULL unless it says NOT NULL; drizzle counts it as not null.
      if (!primary && (actual.notnull === 1) !== column.notNull) problems.push(`${where}: NOT NULL ${actual.notnull === 1} in SQL, ${column.notNull} in drizzle`);
      const expected = column.hasDefault ? sqlLiteral(column.default) : undefined;
      if (expected !== undefined && actual.dflt_value !== expected) problems.push(`${where}: default ${actual.dflt_value} in SQL, ${expected} in drizzle`);
    }
    for (const actual of columns) {
      if (!config.columns.some((c) => c.name === actual.name)) problems.push(`${config.name}.${actual.name}: in the migrations, missing from the drizzle schema`);
    }
  }
  return problems;
}

const drizzleTables = Object.values(schema as Record<string, unknown>).filter((value): value is SQLiteTable => is(value, SQLiteTable));
let db: Database;

beforeAll(() => {
  db = new Database(":memory:", { strict: true });
  applyMigrations(db, migrations);
});
afterAll(() => db.close());

describe("migrations and drizzle schema", () => {
  test("every drizzle table and column exists in the migrated database, as declared", () => {
    expect(drizzleTables.length).toBeGreaterThanOrEqual(8);
    expect(driftOf(db, drizzleTables)).toEqual([]);
  });

  test("the check catches a column added to a drizzle table without a migration", () => {
    // Like the real `conversations` table, plus one column no migration creates.
    const config = getTableConfig(schema.conversations);
    const withExtra = sqliteTable("conversations", {
      ...Object.fromEntries(config.columns.map((c) => [c.name, text(c.name)])),
      archivedAt: integer("archived_at"),
    });
    expect(driftOf(db, [withExtra])).toContain("conversations.archived_at: declared in the drizzle schema, missing from the migrations");
  });

  test("the check catches a missing table, a changed type, a lost NOT NULL, a column only SQL knows, a default only drizzle knows", () => {
    const missingTable = sqliteTable("not_migrated", { id: text("id").primaryKey() });
    const changed = sqliteTable("session_bindings", {
      sessionId: text("session_id").primaryKey(),
      directory: integer("directory").notNull(),
      createdAt: integer("created_at"),
      owner: text("owner"),
    });
    const problems = driftOf(db, [missingTable, changed]);
    expect(problems).toEqual([
      "table not_migrated: declared in the drizzle schema, missing from the migrations",
      "session_bindings.directory: type TEXT in SQL, integer in drizzle",
      "session_bindings.created_at: NOT NULL true in SQL, false in drizzle",
    ]);
    const withoutColumn = sqliteTable("session_bindings", { sessionId: text("session_id").primaryKey(), directory: text("directory").notNull(), owner: text("owner") });
    expect(driftOf(db, [withoutColumn])).toEqual(["session_bindings.created_at: in the migrations, missing from the drizzle schema"]);
    const withDefault = sqliteTable("session_bindings", {
      sessionId: text("session_id").primaryKey(),
      directory: text("directory").notNull().default("/srv"),
      createdAt: integer("created_at").notNull(),
      owner: text("owner"),
    });
    expect(driftOf(db, [withDefault])).toEqual(["session_bindings.directory: default null in SQL, '/srv' in drizzle"]);
  });
});

describe("upgrading a database", () => {
  test("0015 marks the copies earlier branches and archives started with (older than their conversation), not the rest", () => {
    const old = new Database(":memory:");
    applyMigrations(old, migrations.filter((m) => m.version < 15));
    const conversation = (id: string, at: number) => old.query("INSERT INTO conversations (id, session_id, created_at, updated_at) VALUES (?, ?, ?, ?)").run(id, id, at, at);
    const message = (id: string, conversationId: string, seq: number, at: number) =>
      old.query("INSERT INTO messages (id, conversation_id, seq, role, content, status, message_type, created_at) VALUES (?, ?, ?, 'assistant', '', 'complete', 'message', ?)").run(id, conversationId, seq, at);
    conversation("original", 1000);
    message("asked", "original", 1, 1100);
    conversation("branch", 2000);
    message("copy", "branch", 1, 1100);
    message("own", "branch", 2, 2100);
    expect(applyMigrations(old, migrations)).toEqual([15]);
    const copied = old.query<{ id: string; copied: number }, []>("SELECT id, copied FROM messages ORDER BY id").all();
    expect(copied).toEqual([
      { id: "asked", copied: 0 },
      { id: "copy", copied: 1 },
      { id: "own", copied: 0 },
    ]);
  });
});
