// What automatic checkpoints cost a turn: conversations.append() timed on two databases side by side, one with the
// checkpoint subscriber attached and one without (appends alternate, so machine noise hits both alike), at several
// conversation lengths. Prints medians and means; asserts nothing.
//   bun test/checkpoints/bench-hot-path.ts          (RUNS=… appends per case, default 3000)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInProcessBus } from "../../src/core/kernel/bus";
import { Checkpoints } from "../../src/core/checkpoints/checkpoints";
import { Conversations } from "../../src/core/conversation/conversations";
import { openDatabase } from "../../src/core/store/db";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function setup(frequency: number, length: number, withCheckpoints: boolean) {
  const dir = mkdtempSync(join(tmpdir(), "penguin-bench-"));
  const db = openDatabase(join(dir, "penguin.db"));
  const bus = createInProcessBus();
  const conversations = new Conversations(db, bus);
  const checkpoints = new Checkpoints(db, bus, conversations, { enabled: true, frequency, retentionHours: 24, maxAgeDays: 30 });
  const { id } = conversations.create();
  conversations.atomically(() => {
    for (let i = 0; i < length; i++) conversations.append(id, { role: i % 2 ? "assistant" : "user", content: `message ${i}` });
  });
  if (withCheckpoints) checkpoints.start();
  return {
    times: [] as number[],
    append(i: number) {
      const t0 = Bun.nanoseconds();
      conversations.append(id, { role: i % 2 ? "assistant" : "user", content: `timed ${i}` });
      this.times.push((Bun.nanoseconds() - t0) / 1e6);
    },
    close() {
      checkpoints.stop();
      db.$client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const runs = Number(process.env.RUNS ?? 3000);
for (const frequency of [1, 5]) {
  for (const length of [10, 2000, 20000]) {
    const without = setup(frequency, length, false);
    const withCp = setup(frequency, length, true);
    for (let i = 0; i < runs; i++) {
      without.append(i);
      withCp.append(i);
    }
    const row = (f: (xs: number[]) => number) => `${f(without.times).toFixed(3)} → ${f(withCp.times).toFixed(3)} ms (+${(f(withCp.times) - f(without.times)).toFixed(3)})`;
    console.log(`frequency ${frequency}, ${String(length).padStart(5)} messages: append median ${row(median)}, mean ${row(mean)}`);
    without.close();
    withCp.close();
  }
}
