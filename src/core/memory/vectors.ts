// Vector search without a vector database. Every stored vector is unit length (cosine = dot product) and has a
// signature: one sign bit per dimension. The signatures of all memories stay in memory (48 bytes per memory at 384
// dimensions, 192 at 1536); a query is compared with all of them by Hamming distance — a few milliseconds for 100,000
// memories — and only the closest candidates are read back from SQLite and ranked by their exact cosine. Sign bits
// estimate the angle between vectors (random-hyperplane LSH), so a generous candidate count keeps the true nearest
// neighbours; with fewer memories than candidates, every vector is compared exactly.

/** The vector scaled to unit length (a zero vector stays zero). */
export function unitVector(values: ArrayLike<number>): Float32Array {
  const v = Float32Array.from(values as ArrayLike<number>);
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s0 = 0;
  let s1 = 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += a[i]! * b[i]!;
    s1 += a[i + 1]! * b[i + 1]!;
  }
  if (i < n) s0 += a[i]! * b[i]!;
  return s0 + s1;
}

/** One bit per dimension (set when the value is positive), packed into 32-bit words. */
export function signatureOf(vector: Float32Array): Uint32Array {
  const words = new Uint32Array(Math.ceil(vector.length / 32));
  for (let i = 0; i < vector.length; i++) if (vector[i]! > 0) words[i >>> 5]! |= 1 << (i & 31);
  return words;
}

/** A float32 vector as stored (little-endian bytes) and back. */
export const vectorBytes = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
export const signatureBytes = (s: Uint32Array): Buffer => Buffer.from(s.buffer, s.byteOffset, s.byteLength);

export function vectorFrom(bytes: Uint8Array): Float32Array {
  // A view needs 4-byte alignment; SQLite's buffers usually have it, a copy covers the rest.
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Float32Array(bytes.slice().buffer);
}

export function signatureFrom(bytes: Uint8Array): Uint32Array {
  if (bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Uint32Array(bytes.slice().buffer);
}

/** Set bits of a 32-bit word. */
function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

const NO_OWNER = -1;
const FREE = -2;

/**
 * The signatures of one embedding model and dimension, by memory (seq) and owner. Slots of deleted memories are
 * reused; the arrays grow by doubling.
 */
export class SignatureIndex {
  readonly words: number;
  private capacity = 0;
  private used = 0;
  private seqs = new Float64Array(0);
  private owners = new Int32Array(0);
  private bits = new Uint32Array(0);
  private distances = new Uint16Array(0);
  private readonly slotOf = new Map<number, number>();
  private readonly free: number[] = [];
  private readonly ownerCodes = new Map<string, number>();

  constructor(
    readonly model: string,
    readonly dimensions: number,
  ) {
    this.words = Math.ceil(dimensions / 32);
  }

  get size(): number {
    return this.slotOf.size;
  }

  has(seq: number): boolean {
    return this.slotOf.has(seq);
  }

  set(seq: number, owner: string | null, signature: Uint32Array): void {
    let slot = this.slotOf.get(seq);
    if (slot === undefined) {
      slot = this.free.pop() ?? this.grow();
      this.slotOf.set(seq, slot);
    }
    this.seqs[slot] = seq;
    this.owners[slot] = this.codeOf(owner, true);
    this.bits.set(signature.subarray(0, this.words), slot * this.words);
  }

  remove(seq: number): void {
    const slot = this.slotOf.get(seq);
    if (slot === undefined) return;
    this.slotOf.delete(seq);
    this.owners[slot] = FREE;
    this.free.push(slot);
  }

  /**
   * The memories whose signatures are closest to the query's, at most `count`, closest first; only the owner's when
   * `owner` is given (null: memories without an owner), every memory when it is undefined.
   */
  nearest(query: Uint32Array, count: number, owner?: string | null): number[] {
    const only = owner === undefined ? undefined : this.codeOf(owner, false);
    if (only === FREE) return [];
    const { words, bits, owners, distances } = this;
    // Distances are small integers (0 … dimensions): a histogram finds the cut-off without sorting.
    const histogram = new Uint32Array(this.dimensions + 2);
    for (let slot = 0; slot < this.used; slot++) {
      const code = owners[slot]!;
      if (code === FREE || (only !== undefined && code !== only)) {
        distances[slot] = 0xffff;
        continue;
      }
      let h = 0;
      const o = slot * words;
      for (let k = 0; k < words; k++) h += popcount(bits[o + k]! ^ query[k]!);
      distances[slot] = h;
      histogram[h]!++;
    }
    let cut = 0;
    let below = 0;
    while (cut <= this.dimensions && below + histogram[cut]! < count) below += histogram[cut++]!;
    // Every slot closer than `cut`, then as many at exactly `cut` as there is room for.
    const chosen: { seq: number; d: number }[] = [];
    let atCut = count - below;
    for (let slot = 0; slot < this.used; slot++) {
      const d = distances[slot]!;
      if (d < cut || (d === cut && atCut-- > 0)) chosen.push({ seq: this.seqs[slot]!, d });
    }
    return chosen.sort((a, b) => a.d - b.d).map((c) => c.seq);
  }

  private grow(): number {
    if (this.used === this.capacity) {
      const capacity = Math.max(1024, this.capacity * 2);
      const seqs = new Float64Array(capacity);
      seqs.set(this.seqs);
      const owners = new Int32Array(capacity).fill(FREE);
      owners.set(this.owners);
      const bits = new Uint32Array(capacity * this.words);
      bits.set(this.bits);
      this.seqs = seqs;
      this.owners = owners;
      this.bits = bits;
      this.distances = new Uint16Array(capacity);
      this.capacity = capacity;
    }
    return this.used++;
  }

  /** The number an owner is stored as; FREE for an owner the index has never seen (when not adding). */
  private codeOf(owner: string | null, add: boolean): number {
    if (owner === null) return NO_OWNER;
    let code = this.ownerCodes.get(owner);
    if (code === undefined) {
      if (!add) return FREE;
      code = this.ownerCodes.size;
      this.ownerCodes.set(owner, code);
    }
    return code;
  }
}
