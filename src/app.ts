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
import { cascadesOf, extensionsOf, loadFeatures, migrationsOf, policyParentsOf, policyRulesOf } from './framework/discovery.ts';
import type { Feature } from './framework/feature.ts';
import { identityMigrations } from './identity/migrations/index.ts';
import { WiringGraph } from './framework/wiring.ts';
import type { ServiceDeps } from './framework/deps.ts';
import { RbacObjectTypes } from './framework/rbac/object-types.ts';
import { ChangeFeed } from './feed/feed.ts';
import { feedMigrations } from './feed/migrations/index.ts';
import { feedResources } from './feed/resources.ts';
import { Watch } from './feed/watch.ts';
import { createBackend, type BackendDriver } from './backends/index.ts';
import { StatusReports } from './backends/status.ts';
import { adminContext } from './foundation/context.ts';

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
  /** Backend seam: the durable change feed, its watch API, the driver and status write-back. */
  readonly feed: ChangeFeed;
  readonly watch: Watch;
  readonly backend: BackendDriver;
  readonly statusReports: StatusReports;
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
    this.feed = new ChangeFeed(database, feedResources(this.registry, cascadesOf(features)), config.feed, log, config.database.url);
    this.backend = createBackend(config.backend.driver, { agentDownTime: config.agents.agent_down_time, backend: config.backend });
    this.quotas = new QuotaService(this);
    createServices(this, this.services, features);
    this.statusReports = new StatusReports({
      database,
      feed: this.feed,
      resource: (collection) => this.registry.resources.get(collection),
      transact: (fn) => this.transact(fn),
      backend: config.backend.driver,
    });
    this.feed.afterCompaction.push(() => this.statusReports.prune());
    this.watch = new Watch({
      feed: this.feed,
      collections: new Map(this.services.all().map((s) => [s.resource.collection, s.resource.path ?? s.resource.collection.replace(/_/g, '-')])),
      visible: async (ctx, collection, ids) => {
        const service = this.services.get(collection);
        if (!service) return new Map();
        const items = await service.list(ctx, { filters: { id: ids }, sort: [] });
        return new Map(items.map((item) => [item.id as string, item]));
      },
    });
  }

  /**
   * One transaction; the changes it recorded are written to the change feed at its end
   * (one insert), and the events it queued are emitted after it commits.
   */
  async transact<T>(fn: (trx: Transaction<any>) => Promise<T>): Promise<T> {
    let events: ResourceEvent[] = [];
    let fed = false;
    const result = await this.database.transaction(async (trx) => {
      events = [];
      this.pending.set(trx, events);
      this.feed.begin(trx);
      const out = await fn(trx);
      fed = await this.feed.flush(trx);
      return out;
    });
    if (fed) this.feed.committed();
    for (const e of events) this.events.emit(e, (err) => this.log.error({ err, event: e.resource }, 'event listener failed'));
    return result;
  }

  queueEvent(trx: Tx, event: ResourceEvent): void {
    const list = this.pending.get(trx);
    if (list) list.push(event);
    else this.events.emit(event);
  }

  /** Starts what runs for the server's life: the feed's wake-ups and compaction, the backend driver. */
  async start(): Promise<void> {
    await this.feed.start();
    await this.backend.start?.({
      feed: this.feed,
      reportStatus: (reports) => this.statusReports.applyTrusted(reports),
      list: async (collection, filters = {}) => (await this.services.get(collection)?.list(adminContext(), { filters, sort: [] })) ?? [],
      log: this.log,
      heartbeatAgents: async (agents) => {
        for (const agent of agents) await this.services.agents?.reportState(agent);
      },
    });
  }

  async close(): Promise<void> {
    await this.backend.stop?.();
    await this.feed.stop();
    await this.database.close();
  }
}

/** The service's logger: JSON lines on stdout with ISO-8601 timestamps. */
export function createLogger(config: NeutrinoConfig): Logger {
  return pino({ level: config.log.level, timestamp: pino.stdTimeFunctions.isoTime });
}

/** Every schema migration by name: each feature's, the embedded identity's and the change feed's. */
export async function allMigrations(): Promise<Record<string, Migration>> {
  return { ...identityMigrations, ...feedMigrations, ...migrationsOf(await loadFeatures()) };
}

export async function createApp(config: NeutrinoConfig, options: { log?: Logger } = {}): Promise<App> {
  const log = options.log ?? createLogger(config);
  const features = await loadFeatures();
  const database = await openDatabase(config.database.url, { poolSize: config.database.pool_size, preparedStatements: config.database.prepared_statements, migrations: await allMigrations() });
  return new App(config, database, log, features);
}
