// What a service is given: narrow dependencies, declared here below the composition root
// (app.ts builds them), so no service imports the App and app.ts is the only place that
// knows every service.
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { NeutrinoConfig } from '../config/index.ts';
import type { Database, Tx } from '../db/index.ts';
import type { Registry } from './registry.ts';
import type { ResourceEvent } from '../events/index.ts';
import type { PolicyEngine } from '../policy/index.ts';
import type { ServiceLookup } from './lookup.ts';
import type { WiringGraph } from './wiring.ts';

export type { ServiceLookup };
import type { QuotaService } from './quotas.ts';
import type { RbacObjectTypes } from './rbac/object-types.ts';

/** An object's state before a change, as the change feed needs it. */
export interface FeedBefore {
  revision: number;
  projectId: string | null;
  /** Binding host for resources that have one ('' = unbound), else null. */
  host: string | null;
}

/**
 * The change feed as services write it (src/feed/feed.ts implements it; ARCHITECTURE.md
 * "Backend seam"). Changes recorded in a transaction are written when it ends.
 */
export interface ChangeRecorder {
  /** before: the object before this transaction changed it; after: its state now, when known (saves a read). */
  record(trx: Tx, resource: string, id: string, kind: 'created' | 'updated' | 'deleted' | 'status', before?: FeedBefore, after?: FeedBefore): void;
  /** The feed's view of a stored item (API form), for record(…, before/after). */
  before(resource: string, item: Record<string, any>): FeedBefore;
  /** The columns rowState() reads, for RETURNING clauses. */
  stateColumns(resource: string): string[];
  /** The feed's view of a row (columns as stateColumns names them). */
  rowState(resource: string, row: Record<string, any>): FeedBefore;
  /** Records the deletion of rows deleted with SQL (read with RETURNING stateColumns()). */
  recordDeletedRows(trx: Tx, resource: string, rows: Record<string, any>[]): void;
  /** Records the deletion of rows about to be deleted with SQL rather than through their service. */
  recordDeletesWhere(trx: Tx, resource: string, where: Record<string, string>): Promise<void>;
  /** Records the deletion of the children a database cascade deletes with an object. */
  recordCascadedDeletes(trx: Tx, resource: string, id: string): Promise<void>;
}

export interface ServiceDeps {
  readonly config: NeutrinoConfig;
  readonly database: Database;
  readonly log: Logger;
  /** The resources this deployment serves. */
  readonly registry: Registry;
  readonly policy: PolicyEngine;
  /** The wiring graph: other features' edges on a resource's lifecycle (wiring.ts). */
  readonly wiring: WiringGraph;
  readonly quotas: QuotaService;
  /** Object types RBAC policies can share (services register theirs). */
  readonly rbac: RbacObjectTypes;
  readonly services: ServiceLookup;
  /** The durable change feed (backend seam). */
  readonly feed: ChangeRecorder;
  /** One transaction; the events it queued are emitted after it commits. */
  transact<T>(fn: (trx: Transaction<any>) => Promise<T>): Promise<T>;
  /** Queues an event to emit once the transaction `trx` commits. */
  queueEvent(trx: Tx, event: ResourceEvent): void;
}
