// The composition root: one App holds the configuration, the database, the resolved
// resource definitions, policy, events and every service. The HTTP layer, the CLI and
// tests all build it the same way (createApp).
import type { Transaction } from 'kysely';
import pino, { type Logger } from 'pino';
import type { NeutrinoConfig } from './config/index.ts';
import { openDatabase, type Database, type Tx } from './db/index.ts';
import { Registry } from './definitions/registry.ts';
import { enabledExtensions } from './definitions/index.ts';
import { EventBus, type ResourceEvent } from './events/index.ts';
import { createPolicy, type PolicyEngine } from './policy/index.ts';
import { QuotaService } from './services/quotas/quota-service.ts';
import { createServices, type Services } from './services/index.ts';
import { Hooks } from './services/hooks.ts';
import type { ServiceDeps } from './services/deps.ts';
import { RbacObjectTypes } from './services/rbac/object-types.ts';

export class App implements ServiceDeps {
  readonly registry: Registry;
  readonly events = new EventBus();
  readonly hooks = new Hooks();
  readonly quotas: QuotaService;
  policy: PolicyEngine;
  /** Object types RBAC policies can share (services register theirs). */
  readonly rbac = new RbacObjectTypes();
  readonly services: Services;
  private pending = new WeakMap<object, ResourceEvent[]>();

  constructor(
    readonly config: NeutrinoConfig,
    readonly database: Database,
    readonly log: Logger,
  ) {
    this.registry = new Registry(enabledExtensions(config));
    this.policy = createPolicy(config.auth.policy_file);
    this.quotas = new QuotaService(this);
    this.services = createServices(this);
  }

  /** One transaction; the events it queued are emitted after it commits. */
  async transact<T>(fn: (trx: Transaction<any>) => Promise<T>): Promise<T> {
    let events: ResourceEvent[] = [];
    const result = await this.database.transaction(async (trx) => {
      events = [];
      this.pending.set(trx, events);
      return fn(trx);
    });
    for (const e of events) this.events.emit(e, (err) => this.log.error({ err, event: e.resource }, 'event listener failed'));
    return result;
  }

  queueEvent(trx: Tx, event: ResourceEvent): void {
    const list = this.pending.get(trx);
    if (list) list.push(event);
    else this.events.emit(event);
  }

  async close(): Promise<void> {
    await this.database.close();
  }
}

/** The service's logger: JSON lines on stdout with ISO-8601 timestamps. */
export function createLogger(config: NeutrinoConfig): Logger {
  return pino({ level: config.log.level, timestamp: pino.stdTimeFunctions.isoTime });
}

export async function createApp(config: NeutrinoConfig, options: { log?: Logger } = {}): Promise<App> {
  const log = options.log ?? createLogger(config);
  const database = await openDatabase(config.database.url, { poolSize: config.database.pool_size });
  return new App(config, database, log);
}
