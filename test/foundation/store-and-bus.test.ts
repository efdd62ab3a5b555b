import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInProcessBus, type BusEvent } from "../../src/core/kernel/bus";
import { EVENTS } from "../../src/core/events";
import { InvalidEventError } from "../../src/core/kernel/event-registry";
import { applyMigrations, openDatabase } from "../../src/core/store/db";
import { migrations } from "../../src/core/store/migrations";

const dbPath = () => join(mkdtempSync(join(tmpdir(), "penguin-db-")), "penguin.db");

describe("SQLite store", () => {
  test("opens in WAL mode with foreign keys and a busy timeout, every migration recorded", () => {
    const db = openDatabase(dbPath());
    const c = db.$client;
    expect(c.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()!.journal_mode).toBe("wal");
    expect(c.query<{ foreign_keys: number }, []>("PRAGMA foreign_keys").get()!.foreign_keys).toBe(1);
    expect(c.query<{ timeout: number }, []>("PRAGMA busy_timeout").get()!.timeout).toBe(5000);
    const versions = c.query<{ version: number }, []>("SELECT version FROM schema_version ORDER BY version").all().map((r) => r.version);
    expect(versions).toEqual(migrations.map((m) => m.version).sort((a, b) => a - b));
    c.close();
  });

  test("re-opening applies nothing twice; a new migration is applied once, atomically", () => {
    const file = dbPath();
    openDatabase(file).$client.close();
    const c = new Database(file);
    expect(applyMigrations(c, migrations)).toEqual([]);
    const extra = { version: 9000, name: "probe", sql: "CREATE TABLE probe (id INTEGER PRIMARY KEY);" };
    expect(applyMigrations(c, [...migrations, extra])).toEqual([9000]);
    expect(applyMigrations(c, [...migrations, extra])).toEqual([]);
    const broken = { version: 9001, name: "broken", sql: "CREATE TABLE half (id INTEGER); THIS IS NOT SQL;" };
    expect(() => applyMigrations(c, [...migrations, extra, broken])).toThrow();
    expect(c.query("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeNull();
    c.close();
  });

  test("a database newer than this build is refused with a clear message", () => {
    const file = dbPath();
    openDatabase(file).$client.close();
    const c = new Database(file);
    c.query("INSERT INTO schema_version (version, name, applied_at) VALUES (99999, 'future', 0)").run();
    expect(() => applyMigrations(c, migrations)).toThrow(/newer than this Penguin knows/);
    c.close();
  });

  test("foreign keys cascade: deleting a conversation deletes its messages", () => {
    const db = openDatabase(dbPath());
    const c = db.$client;
    c.query("INSERT INTO conversations (id, session_id, created_at, updated_at) VALUES ('c1', 's1', 0, 0)").run();
    c.query("INSERT INTO messages (id, conversation_id, seq, role, created_at) VALUES ('m1', 'c1', 1, 'user', 0)").run();
    expect(() => c.query("INSERT INTO messages (id, conversation_id, seq, role, created_at) VALUES ('m2', 'nope', 1, 'user', 0)").run()).toThrow();
    c.query("DELETE FROM conversations WHERE id = 'c1'").run();
    expect(c.query("SELECT count(*) AS n FROM messages").get()).toEqual({ n: 0 });
    c.close();
  });
});

describe("event bus", () => {
  test("delivers typed events to subscribers, filtered by type, until unsubscribed", () => {
    const bus = createInProcessBus();
    const all: BusEvent[] = [];
    const some: BusEvent[] = [];
    const offAll = bus.subscribe((e) => all.push(e));
    bus.subscribe((e) => some.push(e), ["conversation.created"]);
    bus.publish("conversation.created", { conversation_id: "c1" });
    bus.publish("message.appended", { message_id: "m1", role: "user", conversation_id: "c1" });
    offAll();
    bus.publish("conversation.deleted", { conversation_id: "c1" });
    expect(all.map((e) => e.type)).toEqual(["conversation.created", "message.appended"]);
    expect(some.map((e) => e.type)).toEqual(["conversation.created"]);
    expect(all[0]!.data).toEqual({ conversation_id: "c1" });
    expect(bus.listenerCount).toBe(1);
  });

  test("a throwing subscriber does not break the producer or other subscribers", () => {
    const errors: unknown[] = [];
    const bus = createInProcessBus((e) => errors.push(e));
    const seen: string[] = [];
    bus.subscribe(() => {
      throw new Error("bad listener");
    });
    bus.subscribe((e) => seen.push(e.type));
    expect(() => bus.publish("conversation.created", { conversation_id: "c" })).not.toThrow();
    expect(seen).toEqual(["conversation.created"]);
    expect(errors).toHaveLength(1);
  });

  test("every event gets an increasing id, across types", () => {
    const bus = createInProcessBus();
    const seen: BusEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    const first = bus.publish("conversation.created", { conversation_id: "c1" });
    bus.publish("message.appended", { message_id: "m1", role: "user", conversation_id: "c1" });
    bus.publish("conversation.deleted", { conversation_id: "c1" });
    expect(seen.map((e) => e.id)).toEqual([first.id, first.id + 1, first.id + 2]);
    expect(bus.lastId).toBe(first.id + 2);
  });

  test("a filter's `where` delivers only events whose payload has those values", () => {
    const bus = createInProcessBus();
    const mine: string[] = [];
    const off = bus.subscribe((e) => mine.push(e.data.message_id), { types: ["message.appended"], where: { conversation_id: "c1", role: "user" } });
    bus.publish("message.appended", { message_id: "m1", role: "user", conversation_id: "c1" });
    bus.publish("message.appended", { message_id: "m2", role: "assistant", conversation_id: "c1" });
    bus.publish("message.appended", { message_id: "m3", role: "user", conversation_id: "c2" });
    bus.publish("message.appended", { message_id: "m4", role: "user" });
    bus.publish("conversation.created", { conversation_id: "c1" });
    off();
    bus.publish("message.appended", { message_id: "m5", role: "user", conversation_id: "c1" });
    expect(mine).toEqual(["m1"]);
  });

  test("under test, a payload that does not match its declaration is refused loudly", () => {
    const bus = createInProcessBus({ registry: EVENTS });
    const seen: string[] = [];
    bus.subscribe((e) => seen.push(e.type));
    expect(() => bus.publish("message.appended", { message_id: "m1" } as never)).toThrow(InvalidEventError);
    expect(() => bus.publish("message.appended", { message_id: "m1" } as never)).toThrow(/message.appended.*role/);
    expect(() => bus.publish("task.updated", { task_id: "t", status: "sleeping", project_id: null } as never)).toThrow(/status/);
    expect(() => bus.publish("no.such.event" as never, {} as never)).toThrow(/not declared/);
    expect(seen).toEqual([]);
    // Validation is a switch: off, the bus trusts the types.
    const trusting = createInProcessBus({ registry: EVENTS, validate: false });
    expect(() => trusting.publish("message.appended", { message_id: "m1" } as never)).not.toThrow();
  });

  test("the registry describes every event for the OpenAPI document", () => {
    const { schemas, events } = EVENTS.openApi();
    const names = EVENTS.definitions.map((d) => d.name);
    expect(names).toContain("turn.event");
    expect(names).toContain("approval.required");
    expect(names).toContain("task.event");
    expect(new Set(names).size).toBe(names.length);
    expect(events.map((e) => e.name)).toEqual(names);
    for (const e of events) {
      expect(e.schema.$ref).toBe(`#/components/schemas/${e.name}`);
      expect(schemas[e.name]).toMatchObject({ type: "object" });
    }
    // The turn frames are all described, so clients can generate their types from the document.
    const frames = (schemas["turn.event"] as { properties: { event: { anyOf: { properties: { event: { const: string } } }[] } } }).properties.event.anyOf;
    expect(frames.map((f) => f.properties.event.const)).toEqual([
      "start",
      "token",
      "reasoning",
      "progress",
      "tool_start",
      "tool_result",
      "approval_required",
      "approval_resolved",
      "complete",
      "error",
    ]);
  });
});
