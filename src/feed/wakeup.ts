// Wakes long-polling watchers when the feed may have grown. A generation counter closes
// the race between "read the feed, found nothing" and "start waiting": a watcher notes the
// generation before reading and waits only if it is still the same.

export class Wakeup {
  private gen = 0;
  private waiters = new Set<() => void>();

  get generation(): number {
    return this.gen;
  }

  wake(): void {
    this.gen++;
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const w of waiters) w();
  }

  /**
   * Resolves at the next wake after generation `since` (at once if one happened already),
   * after ms, or when signal aborts; whichever comes first.
   */
  wait(since: number, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.gen !== since || ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Waiters currently parked (for tests and metrics). */
  get waiting(): number {
    return this.waiters.size;
  }
}
