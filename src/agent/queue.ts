// A keyed work queue with per-key rate-limited retries, in the shape of client-go's
// workqueue that kubernetes/sample-controller uses: a key is queued at most once, never
// processed by two workers at once (a key added while it is processed is queued again when
// it is done), and a failing key is retried with exponential backoff without blocking the
// others. Forget() resets a key's backoff after a success.

export interface RateLimiterOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, NodeJS.Timeout>();
  private waiters: (() => void)[] = [];
  private shuttingDown = false;

  constructor(private readonly limits: RateLimiterOptions = { baseDelayMs: 50, maxDelayMs: 30_000 }) {}

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.wake();
  }

  /** Adds the key after its backoff (base · 2^failures, capped). */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = Math.min(this.limits.baseDelayMs * 2 ** n, this.limits.maxDelayMs);
    this.addAfter(key, delay);
  }

  addAfter(key: string, ms: number): void {
    if (this.shuttingDown || this.delayed.has(key)) return;
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, timer);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to process, or null once shut down. */
  async get(): Promise<string | null> {
    while (this.queue.length === 0) {
      if (this.shuttingDown) return null;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    const key = this.queue.shift()!;
    this.processing.add(key);
    this.dirty.delete(key);
    return key;
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.queue.push(key);
      this.wake();
    }
  }

  get length(): number {
    return this.queue.length;
  }

  /** Nothing queued, in progress or waiting for a retry. */
  get idle(): boolean {
    return this.queue.length === 0 && this.processing.size === 0 && this.delayed.size === 0;
  }

  shutdown(): void {
    this.shuttingDown = true;
    for (const t of this.delayed.values()) clearTimeout(t);
    this.delayed.clear();
    this.wake(true);
  }

  private wake(all = false): void {
    const waiters = all ? this.waiters.splice(0) : this.waiters.splice(0, 1);
    for (const w of waiters) w();
  }
}
