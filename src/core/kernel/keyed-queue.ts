// One FIFO per key: work on the same key runs one piece after another, work on different keys runs in parallel.
// Users: the engine (a conversation's turns never interleave their messages), checkpoints (a conversation's snapshots
// and file restores), git snapshots (one writer per git directory). A piece of work that fails never blocks the ones
// behind it. With a signal, work still waiting leaves the queue as soon as the signal aborts (it then runs at once,
// and sees the aborted signal); the work behind it still waits for everything ahead of it.

export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** How many keys have work running or waiting. */
  get busy(): number {
    return this.tails.size;
  }

  /** Whether the key has work running or waiting. */
  has(key: string): boolean {
    return this.tails.has(key);
  }

  /** Runs `work` once everything queued earlier under `key` has finished (whatever its outcome). */
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
  /** The same, but stops waiting when `signal` aborts. */
  run<T>(key: string, signal: AbortSignal, work: () => Promise<T>): Promise<T>;
  async run<T>(key: string, signalOrWork: AbortSignal | (() => Promise<T>), maybeWork?: () => Promise<T>): Promise<T> {
    const [signal, work] = typeof signalOrWork === "function" ? [undefined, signalOrWork] : [signalOrWork, maybeWork!];
    const ahead = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = ahead.then(() => mine);
    this.tails.set(key, tail);
    try {
      await (signal ? untilAborted(ahead, signal) : ahead);
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Resolves once the work queued so far, on every key, has finished. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.tails.values()]);
  }
}

/** Resolves when `promise` settles or `signal` aborts, whichever comes first. */
function untilAborted(promise: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done, { once: true });
    promise.then(done, done);
  });
}
