// One FIFO per conversation: turns on the same conversation run one after another (their messages never
// interleave); turns on different conversations run in parallel. A turn cancelled while it waits leaves the queue
// at once; the turns behind it still wait for everything ahead of them.

export class ConversationQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** How many conversations have a turn running or waiting. */
  get busy(): number {
    return this.tails.size;
  }

  async run<T>(key: string, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    const ahead = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = ahead.then(() => mine);
    this.tails.set(key, tail);
    try {
      await untilAborted(ahead, signal);
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
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
