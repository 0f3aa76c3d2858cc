// The composition root: one App holds the configuration, the database, the resolved
// resource definitions, policy, events and every service. The HTTP layer, the CLI and
// tests all build it the same way (createApp).
import type { Migration, Transaction } from 'kysely';
import pino, { type Logger } from 'pino';
import type { NeutrinoConfig } from './config/index.ts';
import { openDatabase, type Database, type Tx } from './db/index.ts';
import { Registry } from './framework/registry.ts';
import { EventBus, type ResourceEvent } from './events/index.ts';
import { createPolicy, type PolicyEngine } from './policy/index.ts';
import { QuotaService } from './framework/quotas.ts';
import { createServices, Services } from './framework/services.ts';
import { extensionsOf, loadFeatures, migrationsOf, policyParentsOf, policyRulesOf } from './framework/discovery.ts';
import type { Feature } from './framework/feature.ts';
import { identityMigrations } from './identity/migrations/index.ts';
import { WiringGraph } from './framework/wiring.ts';
import type { ServiceDeps } from './framework/deps.ts';
import { RbacObjectTypes } from './framework/rbac/object-types.ts';

export class App implements ServiceDeps {
  readonly registry: Registry;
  readonly events = new EventBus();
  readonly quotas: QuotaService;
  policy: PolicyEngine;
  /** Object types RBAC policies can share (services register theirs). */
  readonly rbac = new RbacObjectTypes();
  readonly services = new Services();
  /** Every feature's edges on other resources' lifecycles, assembled in feature order. */
  readonly wiring = new WiringGraph(this.services);
  private pending = new WeakMap<object, ResourceEvent[]>();

  constructor(
    readonly config: NeutrinoConfig,
    readonly database: Database,
    readonly log: Logger,
    /** The features found in src/extensions/, in build order. */
    readonly features: Feature[],
  ) {
    this.registry = new Registry(extensionsOf(features), policyParentsOf(features));
    this.policy = createPolicy(config.auth.policy_file, policyRulesOf(features));
    this.quotas = new QuotaService(this);
    createServices(this, this.services, features);
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

/** Every schema migration: each feature's and the embedded identity's, by name. */
export async function allMigrations(): Promise<Record<string, Migration>> {
  return { ...identityMigrations, ...migrationsOf(await loadFeatures()) };
}

export async function createApp(config: NeutrinoConfig, options: { log?: Logger } = {}): Promise<App> {
  const log = options.log ?? pino({ level: config.log.level });
  const features = await loadFeatures();
  const database = await openDatabase(config.database.url, { poolSize: config.database.pool_size, migrations: await allMigrations() });
  return new App(config, database, log, features);
}
