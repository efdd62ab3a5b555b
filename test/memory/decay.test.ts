// Decay numbers (src/core/memory/decay.ts), on the memory service with a clock the test moves:
//   importance × 2^(−idle / (half_life × (1 + ln(1 + access_count)))), idle counted from the memory's last decay or use.
// Runs do not compound, access slows the decay, and only memories below the floor (unused for a day) are deleted.
import { beforeEach, describe, expect, test } from "bun:test";
import { createInProcessBus, type BusEvent } from "../../src/core/kernel/bus";
import { createEventRegistry } from "../../src/core/kernel/event-registry";
import { createLogger } from "../../src/core/kernel/log";
import { Memories } from "../../src/core/memory/memories";
import { MemoryChanged } from "../../src/core/memory/schema";
import { memorySettings, type MemoryFileSettings } from "../../src/config/memory";
import { openDatabase } from "../../src/core/store/db";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
let now = T0;
let memories: Memories;
let events: BusEvent[];

function start(settings: MemoryFileSettings = {}) {
  now = T0;
  events = [];
  // The event's declaration is checked on every publish.
  const bus = createInProcessBus({ registry: createEventRegistry([MemoryChanged]), validate: true });
  bus.subscribe((e) => events.push(e));
  memories = new Memories({
    db: openDatabase(":memory:"),
    bus,
    log: createLogger({ silent: true }),
    settings: memorySettings({ decay_half_life_days: 30, decay_floor: 0.05, ...settings }, {}),
    clock: () => now,
    embedder: null,
  });
}

const store = async (content: string, importance: number) => (await memories.create({ content, importance }, null)).memory.id;
const importanceOf = (id: string) => memories.get(id).importance;

beforeEach(() => start());

describe("memory decay", () => {
  test("an unused memory keeps half its importance after one half-life; a second run a second later changes nothing", async () => {
    const id = await store("The staging cluster runs in eu-west-1.", 0.8);
    now = T0 + 30 * DAY;
    const first = memories.decay();
    expect(first).toMatchObject({ decayed: 1, deleted: 0, previous_run_at: null, half_life_days: 30, floor: 0.05 });
    expect(importanceOf(id)).toBeCloseTo(0.4, 6);

    now += 1000;
    const second = memories.decay();
    expect(second.previous_run_at).toBe(new Date(T0 + 30 * DAY).toISOString());
    // 2^(−1 s / 30 days) = 1 − 2.7·10⁻⁷: too small to write, so nothing changed …
    expect(second.decayed).toBe(0);
    expect(importanceOf(id)).toBeCloseTo(0.4, 6);
    // … and that second is not lost: thirty more days from the first run halve it again, exactly.
    now = T0 + 60 * DAY;
    memories.decay();
    expect(importanceOf(id)).toBeCloseTo(0.2, 6);
  });

  test("daily runs for a month end exactly where one run after the month does", async () => {
    const daily = await store("Deployments happen on Tuesdays.", 0.9);
    for (let day = 1; day <= 30; day++) {
      now = T0 + day * DAY;
      expect(memories.decay().decayed).toBe(1);
    }
    const afterDailyRuns = importanceOf(daily);

    start();
    const once = await store("Deployments happen on Tuesdays.", 0.9);
    now = T0 + 30 * DAY;
    memories.decay();
    expect(afterDailyRuns).toBeCloseTo(0.45, 6);
    expect(importanceOf(once)).toBeCloseTo(0.45, 6);
  });

  test("being recalled slows decay (access count) and restarts its clock (last use)", async () => {
    const used = await store("The user prefers dark mode in every editor.", 0.8);
    const idle = await store("The office plant needs water on Mondays.", 0.8);
    // three searches at T0 find the first memory only: access_count 3
    for (let i = 0; i < 3; i++) expect((await memories.searchScoped("dark mode editor", { scope: undefined, limit: 5 }))[0]!.id).toBe(used);
    expect(memories.get(used).access_count).toBe(3);

    now = T0 + 30 * DAY;
    memories.decay();
    expect(importanceOf(idle)).toBeCloseTo(0.4, 6);
    // half-life 30 × (1 + ln 4) = 71.59 days: 0.8 × 2^(−30 / 71.59) = 0.5983
    expect(importanceOf(used)).toBeCloseTo(0.8 * 2 ** (-30 / (30 * (1 + Math.log(4)))), 6);
    expect(importanceOf(used)).toBeCloseTo(0.5983, 4);

    // used again on day 59: the next run (day 60) counts one idle day, not thirty
    const before = importanceOf(used);
    now = T0 + 59 * DAY;
    await memories.searchScoped("dark mode editor", { scope: undefined, limit: 5 });
    now = T0 + 60 * DAY;
    memories.decay();
    expect(importanceOf(used)).toBeCloseTo(before * 2 ** (-1 / (30 * (1 + Math.log(5)))), 5);
  });

  test("one run decays everyone's memories; a user key is told only about its own", async () => {
    const ada = (await memories.create({ content: "Ada's build uses Bazel.", importance: 0.8 }, "ada")).memory.id;
    const bob = (await memories.create({ content: "Bob's build uses Make.", importance: 0.8 }, "bob")).memory.id;
    now = T0 + 30 * DAY;
    expect(memories.decay({ user: "ada", role: "user" })).toMatchObject({ decayed: 1, deleted: 0 });
    expect(importanceOf(ada)).toBeCloseTo(0.4, 6);
    expect(importanceOf(bob)).toBeCloseTo(0.4, 6);
    now = T0 + 300 * DAY;
    expect(memories.decay({ user: "bob", role: "user" })).toMatchObject({ decayed: 0, deleted: 1 });
    expect(memories.stats().total).toBe(0);
  });

  test("only memories that fall below the floor, unused for a day, are deleted", async () => {
    const faint = await store("A note that mattered little.", 0.1);
    const strong = await store("The user's name is Ada.", 0.9);
    now = T0 + 60 * DAY;
    const fresh = await store("Just stored, barely important.", 0.01);
    const result = memories.decay();
    // 0.1 × 2^(−2) = 0.025 < 0.05: deleted; 0.9 × 2^(−2) = 0.225: kept; the fresh one is below the floor but new
    expect(result).toMatchObject({ decayed: 1, deleted: 1 });
    expect(() => memories.get(faint)).toThrow("not found");
    expect(importanceOf(strong)).toBeCloseTo(0.225, 6);
    expect(importanceOf(fresh)).toBeCloseTo(0.01, 6);
    expect(events.filter((e) => (e.data as { change: string }).change === "deleted").map((e) => (e.data as { memory_id: string }).memory_id)).toEqual([faint]);
    expect(memories.stats().last_decay_at).toBe(new Date(now).toISOString());

    // a floor of 0 never deletes
    start({ decay_floor: 0 });
    const kept = await store("A note that mattered little.", 0.1);
    now = T0 + 365 * DAY;
    expect(memories.decay()).toMatchObject({ deleted: 0, decayed: 1 });
    expect(importanceOf(kept)).toBeGreaterThan(0);
  });
});
