// One write (create, update or delete of one item) as an explicit object passed through
// its whole lifecycle: the owner's steps (ResourceService.beforeCreate, afterCreate, ...)
// and the wiring graph's edges (wiring.ts) all receive the same Operation, so whatever
// one step prepares for a later one travels in it (`plan`), never in a side table.
import type { Transaction } from 'kysely';
import type { RequestContext } from '../foundation/context.ts';
import type { Target } from '../policy/index.ts';
import type { Item } from './repository.ts';

/** Policy targets of parent objects loaded during one request, by `<collection>:<id>`. */
export type ParentTargets = Map<string, Target>;

/**
 * What a request already knows about the items it renders, so that extensions need not ask
 * the database again: their parents' targets (a port's network, loaded to authorize) and
 * whether the items were just created (nothing refers to them yet: no subnets on a new
 * network, no trunk on a new port, no tags).
 */
export interface RenderOptions {
  /** Parent targets already loaded in this request (`networks:<id>` → the network's fields). */
  parents?: ParentTargets;
  /** The items were just created. */
  created?: boolean;
  /** The request's Batch, when its write steps may have left what the response shows (Batch.shared). */
  batch?: Batch;
}

/**
 * What the operations of one request share: a bulk create's items (a network's 100 new
 * ports load it once) and per-request bookkeeping (the rule fingerprints of one POST).
 */
export class Batch {
  /** Parents loaded (and checked visible) to authorize; creating a child changes neither their owner nor their sharing. */
  readonly parents: ParentTargets = new Map();
  private readonly memo = new Map<string, unknown>();

  /** The request's value under key, made by init the first time. */
  shared<T>(key: string, init: () => T): T {
    if (!this.memo.has(key)) this.memo.set(key, init());
    return this.memo.get(key) as T;
  }
}

export interface WriteOptions {
  /** Done by a service on the caller's behalf: the caller's policy checks and quotas are skipped. */
  internal?: boolean;
  /**
   * Which feature does an internal write, for the edges that must tell (L3 deleting its
   * own router ports: `by: 'l3'`; the default security group: `by: 'default-security-group'`).
   */
  by?: string;
  /** The request this write belongs to (bulk siblings share it); a new one by default. */
  batch?: Batch;
  /** If-Match revision numbers (updates and deletes). */
  ifMatch?: number[];
}

interface OperationBase<Plan> {
  readonly collection: string;
  readonly trx: Transaction<any>;
  readonly ctx: RequestContext;
  /**
   * create: the item being created, in API form (before-steps may complete it; after the
   * insert it has its id); update: the item as it becomes (stored + changes); delete: the item as stored.
   */
  item: Item;
  /** Policy targets of parents loaded in this request (the batch's). */
  readonly parents: ParentTargets;
  /** What a before-step planned for the after-step (a port's addresses to claim). */
  plan?: Plan;
  readonly options: WriteOptions;
  readonly batch: Batch;
}

export interface CreateOp<Plan = unknown> extends OperationBase<Plan> {
  readonly kind: 'create';
}

export interface UpdateOp<Plan = unknown> extends OperationBase<Plan> {
  readonly kind: 'update';
  /** The item as stored before the change. */
  readonly current: Item;
  /** The validated changes; before-steps may add derived ones. */
  readonly changes: Item;
}

export interface DeleteOp<Plan = unknown> extends OperationBase<Plan> {
  readonly kind: 'delete';
}

export type Operation = CreateOp | UpdateOp | DeleteOp;

/** The operation's changes (updates), or undefined. */
export const changesOf = (op: Operation): Item | undefined => (op.kind === 'update' ? op.changes : undefined);
