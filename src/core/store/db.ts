import { Database } from "bun:sqlite";
import { drizzle, type BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { migrations as allMigrations, type Migration } from "./migrations";
import * as schema from "./schema";

export type Db = BunSQLiteDatabase<typeof schema> & { $client: Database };

/** Opens (creating if needed) the SQLite file in WAL mode and applies pending migrations. */
export function openDatabase(file: string, migrations: Migration[] = allMigrations): Db {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const client = new Database(file, { create: true, strict: true });
  client.exec("PRAGMA journal_mode = WAL");
  client.exec("PRAGMA synchronous = NORMAL");
  client.exec("PRAGMA foreign_keys = ON");
  client.exec("PRAGMA busy_timeout = 5000");
  applyMigrations(client, migrations);
  return drizzle({ client, schema }) as Db;
}

/** The schema_version table records every applied migration; each pending one runs in its own transaction. */
export function applyMigrations(client: Database, migrations: Migration[]): number[] {
  client.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set(client.query<{ version: number }, []>("SELECT version FROM schema_version").all().map((r) => r.version));
  const newest = Math.max(0, ...applied);
  const ran: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    if (m.version < newest) throw new Error(`migration ${m.version} (${m.name}) is older than the database's schema version ${newest}`);
    client.transaction(() => {
      client.exec(m.sql);
      client.query("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)").run(m.version, m.name, Date.now());
    })();
    ran.push(m.version);
  }
  const known = Math.max(0, ...migrations.map((m) => m.version));
  if (newest > known) throw new Error(`the database has schema version ${newest}, newer than this Penguin knows (${known}); upgrade Penguin`);
  return ran;
}
