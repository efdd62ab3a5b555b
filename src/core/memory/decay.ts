// Decay: memories nobody uses lose importance over time; memories that are used keep it longer.
//
//   idle       = now − max(last decay of this memory, its last use)        (last use: last recalled, or last changed)
//   half_life  = decay_half_life_days × (1 + ln(1 + access_count))         (used 10×: ≈3.4× as long; 100×: ≈5.6×)
//   importance ← importance × 2^(−idle / half_life)
//
// Each memory's clock starts where its last decay (or use) left it, so runs do not compound: two runs a second apart
// lower importance by a factor of 2^(−1 s / half_life) (≈ 1 − 2.7·10⁻⁷ for 30 days), and daily runs for a month end
// exactly where one run after a month would. A change too small to matter is not written, and that memory's clock
// keeps running from its older start. After decaying, a memory whose importance is below decay_floor and that has not
// been used for a day is deleted; nothing at or above the floor is ever deleted.
const DAY_MS = 86_400_000;
/** Changes smaller than this factor are left unwritten (the time is counted at the next run instead). */
const NEGLIGIBLE = 1e-6;
/** A memory used or changed within this time is never deleted, whatever its importance. */
export const DELETE_GRACE_MS = DAY_MS;

export interface DecayCandidate {
  importance: number;
  accessCount: number;
  /** Epoch ms of the last recall or change. */
  lastUsedAt: number;
  decayedAt: number | null;
}

export type DecayOutcome = { action: "keep" } | { action: "lower"; importance: number } | { action: "delete"; importance: number };

export function decayOf(memory: DecayCandidate, now: number, halfLifeDays: number, floor: number): DecayOutcome {
  const since = Math.max(memory.decayedAt ?? 0, memory.lastUsedAt);
  const idle = Math.max(0, now - since);
  const halfLife = halfLifeDays * DAY_MS * (1 + Math.log(1 + Math.max(0, memory.accessCount)));
  const factor = 2 ** (-idle / halfLife);
  const importance = memory.importance * factor;
  if (importance < floor && now - memory.lastUsedAt >= DELETE_GRACE_MS) return { action: "delete", importance };
  if (1 - factor < NEGLIGIBLE) return { action: "keep" };
  return { action: "lower", importance };
}
