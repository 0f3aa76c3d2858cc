// Cross-service hooks on another resource's lifecycle, inside its transaction: how a
// service reacts to (or vetoes) changes of resources it does not own without reaching
// into that service. E.g. security groups validate and bind `ports.security_groups`,
// L3 refuses to delete a subnet a router interface uses. A hook vetoes by throwing a
// NeutronError; the whole request then fails and changes nothing.
import type { Transaction } from 'kysely';
import type { RequestContext } from '../foundation/context.ts';
import type { Tx } from '../db/index.ts';
import type { Item, Query } from './repository.ts';

export type Phase = 'beforeCreate' | 'afterCreate' | 'beforeUpdate' | 'afterUpdate' | 'beforeDelete';

/**
 * item: the resource in API form (for beforeCreate, not yet stored: hooks may complete it;
 * for updates, the merged result). changes: the validated changes (updates only).
 */
export type Hook = (trx: Transaction<any>, ctx: RequestContext, item: Item, changes?: Item) => Promise<void>;
/** Fills attributes another extension adds to a resource, for a batch of items. */
export type ExtendHook = (q: Tx, ctx: RequestContext, items: Item[]) => Promise<void>;
/** A list filter on an attribute another extension adds (values: any of them), for the caller ctx. */
export type FilterHook = (q: Query, values: unknown[], ctx: RequestContext) => Query;

export class Hooks {
  private readonly hooks = new Map<string, Hook[]>();
  private readonly extenders = new Map<string, ExtendHook[]>();
  private readonly filters = new Map<string, FilterHook>();

  on(collection: string, phase: Phase, hook: Hook): void {
    const key = `${collection}:${phase}`;
    this.hooks.set(key, [...(this.hooks.get(key) ?? []), hook]);
  }

  onExtend(collection: string, hook: ExtendHook): void {
    this.extenders.set(collection, [...(this.extenders.get(collection) ?? []), hook]);
  }

  onFilter(collection: string, attribute: string, filter: FilterHook): void {
    this.filters.set(`${collection}:${attribute}`, filter);
  }

  filter(collection: string, attribute: string): FilterHook | undefined {
    return this.filters.get(`${collection}:${attribute}`);
  }

  async run(collection: string, phase: Phase, trx: Transaction<any>, ctx: RequestContext, item: Item, changes?: Item): Promise<void> {
    for (const hook of this.hooks.get(`${collection}:${phase}`) ?? []) await hook(trx, ctx, item, changes);
  }

  async extend(collection: string, q: Tx, ctx: RequestContext, items: Item[]): Promise<void> {
    for (const hook of this.extenders.get(collection) ?? []) await hook(q, ctx, items);
  }
}
