// The embedded identity service as one object: the directory (domains, projects, users,
// roles, assignments), tokens and the catalog over the app's database. The identity
// HTTP API, the Networking API's authenticator, bootstrap and the CLI all use it.
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { NeutrinoConfig } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { Catalog } from './catalog.ts';
import { Directory } from './directory.ts';
import { IdentityStore } from './store.ts';
import { TokenProvider } from './tokens.ts';
import { LoginGuard } from './login-guard.ts';
import { TABLES } from './store.ts';

/** What the identity service needs of the application (app.ts provides it). */
export interface IdentityDeps {
  readonly config: NeutrinoConfig;
  readonly database: Database;
  readonly log: Logger;
  transact<T>(fn: (trx: Transaction<any>) => Promise<T>): Promise<T>;
}

export class Identity {
  readonly store: IdentityStore;
  readonly directory: Directory;
  readonly tokens: TokenProvider;
  readonly catalog: Catalog;
  /** Bounds on password checks and token minting (login-guard.ts). */
  readonly logins: LoginGuard;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(readonly app: IdentityDeps) {
    this.store = new IdentityStore(app.database.dialect);
    this.directory = new Directory(this.store);
    this.catalog = new Catalog(this.store);
    this.tokens = new TokenProvider(this.store, this.directory, () => ({
      ttlSeconds: app.config.auth.token_ttl_seconds,
      cacheSeconds: app.config.auth.token_cache_seconds,
    }));
    this.logins = new LoginGuard(() => app.config.auth);
  }

  /** Deletes expired tokens; returns how many. */
  async expireTokens(now = Date.now()): Promise<number> {
    const result = await this.db.deleteFrom(TABLES.token).where('expires_at', '<=', now).executeTakeFirst();
    return Number(result?.numDeletedRows ?? 0);
  }

  /** Starts deleting expired tokens every `auth.token_expiry_interval` seconds. */
  startExpiry(): void {
    const seconds = this.app.config.auth.token_expiry_interval;
    if (!(seconds > 0) || this.expiryTimer) return;
    this.expiryTimer = setInterval(() => {
      this.expireTokens().catch((err) => this.app.log.warn({ err: (err as Error).message }, 'expiring tokens failed'));
    }, seconds * 1000);
    this.expiryTimer.unref();
  }

  stopExpiry(): void {
    clearInterval(this.expiryTimer);
    this.expiryTimer = undefined;
  }

  /** A read (no transaction needed: one consistent query at a time). */
  get db() {
    return this.app.database.db;
  }

  /**
   * A change in one transaction. Cached token validations are dropped before and after,
   * so no request on this node can be authorized by state older than the change.
   */
  async write<T>(fn: (trx: Transaction<any>) => Promise<T>): Promise<T> {
    this.tokens.forget();
    try {
      return await this.app.transact(fn);
    } finally {
      this.tokens.forget();
    }
  }
}
