// What keeps password logins from stalling the service or guessing at speed:
// - password checks run off the event loop (scrypt on the thread pool), outside any
//   database transaction, at most `password_hash_concurrency` at once; at most
//   `password_hash_queue` more wait (503 beyond: the service is saturated);
// - an unknown user is checked against a dummy hash, so timing does not reveal who exists;
// - each source address may fail `source_failure_burst` logins, then regains
//   `source_failures_per_minute` (a token bucket; 429 with Retry-After when empty);
// - Keystone's lockout (`lockout_failure_attempts` failures in a row lock the user for
//   `lockout_duration` seconds; off by default, as in Keystone);
// - each user may be issued `user_tokens_per_minute` tokens a minute (429 beyond).
// Counters live in this process (several API servers each apply their own).
import type { NeutrinoConfig } from '../config/index.ts';
import { KeystoneError, unauthorized } from './errors.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

/** A token bucket: `burst` tokens, refilled at `perMinute`. */
class Buckets {
  private buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst: () => number,
    private readonly perMinute: () => number,
    private readonly limit = 100_000,
  ) {}

  private refill(key: string, now: number): { tokens: number; at: number } {
    const burst = this.burst();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.limit) this.prune(now);
      b = { tokens: burst, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 60_000) * this.perMinute());
    b.at = now;
    return b;
  }

  /** Seconds until one token is available (0 when one is). */
  wait(key: string, now = Date.now()): number {
    if (this.burst() <= 0) return 0;
    const b = this.refill(key, now);
    if (b.tokens >= 1) return 0;
    const rate = this.perMinute();
    return rate > 0 ? Math.ceil(((1 - b.tokens) * 60) / rate) : 60;
  }

  take(key: string, now = Date.now()): void {
    if (this.burst() <= 0) return;
    const b = this.refill(key, now);
    b.tokens = Math.max(0, b.tokens - 1);
  }

  /** Gives back a token taken for an attempt that turned out not to count. */
  give(key: string, now = Date.now()): void {
    if (this.burst() <= 0) return;
    const b = this.refill(key, now);
    b.tokens = Math.min(this.burst(), b.tokens + 1);
  }

  /** Forgets full buckets (they are the default state). */
  private prune(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 60_000) * this.perMinute() >= this.burst()) this.buckets.delete(key);
    }
    if (this.buckets.size >= this.limit) this.buckets.clear();
  }
}

const THROTTLED_ANSWER_DELAY_MS = 1000;

export const tooManyRequests = (seconds: number, what: string) => Object.assign(new KeystoneError(429, `${what} Retry after ${seconds} seconds.`), { retryAfter: seconds });

export class LoginGuard {
  private running = 0;
  private waiting: (() => void)[] = [];
  private readonly failures: Buckets;
  private readonly tokens: Buckets;
  private readonly lockouts = new Map<string, { count: number; last: number }>();
  private dummy: Promise<string> | undefined;

  constructor(private readonly config: () => NeutrinoConfig['auth']) {
    this.failures = new Buckets(
      () => this.config().source_failure_burst,
      () => this.config().source_failures_per_minute,
    );
    this.tokens = new Buckets(
      () => this.config().user_tokens_per_minute,
      () => this.config().user_tokens_per_minute,
    );
  }

  /**
   * 429 when the source has used up its failed logins. Otherwise the attempt takes one of
   * them now (so a burst of concurrent attempts cannot queue more hashes than the source
   * may fail); succeeded() gives it back.
   */
  async checkSource(source: string): Promise<void> {
    const wait = this.failures.wait(source);
    if (wait > 0) {
      // Answered a second late: a throttled client looping on 429s cannot flood the server
      // with cheap requests (it holds a connection instead, which costs no CPU).
      await new Promise((r) => setTimeout(r, THROTTLED_ANSWER_DELAY_MS));
      throw tooManyRequests(wait, 'Too many failed authentication attempts from this address.');
    }
    this.failures.take(source);
  }

  /** 401 while the user is locked out (Keystone's lockout_failure_attempts). */
  checkLockout(userId: string | undefined): void {
    const { lockout_failure_attempts: attempts, lockout_duration: duration } = this.config();
    if (!userId || attempts <= 0) return;
    const state = this.lockouts.get(userId);
    if (!state || state.count < attempts) return;
    if (Date.now() - state.last < duration * 1000) throw unauthorized(`The account is locked for user: ${userId}.`);
    this.lockouts.delete(userId);
  }

  /** A failed password check (its source's token was taken by checkSource). */
  failed(_source: string, userId: string | undefined): void {
    if (!userId || this.config().lockout_failure_attempts <= 0) return;
    const state = this.lockouts.get(userId) ?? { count: 0, last: 0 };
    if (this.lockouts.size >= 100_000 && !this.lockouts.has(userId)) this.lockouts.clear();
    this.lockouts.set(userId, { count: state.count + 1, last: Date.now() });
  }

  succeeded(source: string, userId: string): void {
    this.failures.give(source);
    this.lockouts.delete(userId);
  }

  /** 429 when the user has been issued its tokens for this minute; counts one. */
  takeToken(userId: string): void {
    const wait = this.tokens.wait(userId);
    if (wait > 0) throw tooManyRequests(wait, 'Too many tokens issued to this user.');
    this.tokens.take(userId);
  }

  /**
   * Checks password against stored (a dummy hash of the same cost when the user is
   * unknown), in a bounded number of concurrent hashing slots.
   */
  async verify(password: string, stored: string | null | undefined): Promise<boolean> {
    await this.acquire();
    try {
      const hash = stored ?? (await (this.dummy ??= hashPassword('not a password: unknown users are checked against this')));
      const ok = await verifyPassword(password, hash);
      return ok && !!stored;
    } finally {
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    const { password_hash_concurrency: slots, password_hash_queue: queue } = this.config();
    if (this.running < Math.max(1, slots)) {
      this.running++;
      return;
    }
    if (this.waiting.length >= queue) {
      throw Object.assign(new KeystoneError(503, 'Too many authentication requests in progress; retry later.'), { retryAfter: 1 });
    }
    // The slot is handed over by release() (running stays counted).
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
