// The generic behaviour every resource shares: validation against its definition,
// defaults, policy, quotas, standard attributes, tags, If-Match revisions, and one
// transaction per request with events after commit. A resource's own service subclasses
// this and overrides the hooks (beforeCreate, afterCreate, beforeUpdate, beforeDelete,
// extend, scope, filters) for its behaviour.
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { RequestContext } from '../api/context.ts';
import { badRequest, conflict, NeutronError, notAuthorized, notFound, revisionMismatch } from '../api/errors.ts';
import { invalidAttr, validateAttribute } from '../api/validation.ts';
import type { Resource } from '../definitions/registry.ts';
import type { Tx } from '../db/index.ts';
import type { App } from '../app.ts';
import { Repository, type Item, type ListQuery, type Query } from './repository.ts';
import { storageOf } from '../definitions/types.ts';

export type { Item, ListQuery };

/** Neutron's timestamp form: 2016-03-08T20:19:41Z. */
export const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

const TAG_MAX = 255;

export interface CreateOptions {
  /** Created by another service on the caller's behalf: skip the caller's policy checks. */
  internal?: boolean;
}

export class ResourceService {
  readonly resource: Resource;
  readonly repo: Repository;
  /** SQL filters for attributes that are not plain columns: name → (query, values) → query. */
  protected customFilters: Record<string, (q: Query, values: unknown[]) => Query> = {};

  constructor(
    readonly app: App,
    collection: string,
  ) {
    this.resource = app.registry.resource(collection);
    this.repo = new Repository(this.resource, app.database.dialect);
  }

  get member(): string {
    return this.resource.member;
  }

  protected notFound(id: string): NeutronError {
    return notFound(this.member, id);
  }

  // ------------------------------------------------------------------ hooks

  /** Restricts a non-admin's list to what they may see (default: their own project). */
  protected scope(ctx: RequestContext, q: Query): Query {
    return q.where(`${this.resource.table}.project_id`, '=', ctx.projectId);
  }

  /** May ctx see this item at all (404 otherwise)? */
  protected async canSee(_trx: Tx, ctx: RequestContext, item: Item): Promise<boolean> {
    return this.app.policy.enforce(ctx, `get_${this.member}`, item);
  }

  /** Validates and completes item (API form) before its row is inserted. */
  protected async beforeCreate(_trx: Transaction<any>, _ctx: RequestContext, _item: Item): Promise<void> {}

  /** Writes rows that reference the new item (its id exists now). */
  protected async afterCreate(_trx: Transaction<any>, _ctx: RequestContext, _item: Item): Promise<void> {}

  /** Validates changes (API form) against current; may add derived changes. */
  protected async beforeUpdate(_trx: Transaction<any>, _ctx: RequestContext, _current: Item, _changes: Item): Promise<void> {}

  protected async afterUpdate(_trx: Transaction<any>, _ctx: RequestContext, _updated: Item, _changes: Item): Promise<void> {}

  /** Vetoes (throws) or cleans up before the row is deleted. */
  protected async beforeDelete(_trx: Transaction<any>, _ctx: RequestContext, _current: Item): Promise<void> {}

  /**
   * The target policy checks of create/update/delete see: the item, plus what Neutron adds
   * from related resources (e.g. `network:tenant_id` for subnets and ports).
   */
  protected async policyTarget(_trx: Tx, item: Item): Promise<Item> {
    return item;
  }

  /** Fills computed attributes of items, in one batch. */
  protected async extend(_q: Tx, _ctx: RequestContext, _items: Item[]): Promise<void> {}

  // ------------------------------------------------------------------ read

  async list(ctx: RequestContext, query: ListQuery): Promise<Item[]> {
    const db = this.app.database.db;
    const table = this.resource.table;
    let q: Query = db.selectFrom(table).selectAll(table);
    if (!ctx.isAdmin) q = this.scope(ctx, q);
    const { q: filtered, rest } = this.repo.applyFilters(q, query.filters);
    q = filtered;
    for (const [name, values] of Object.entries(rest)) {
      const custom = this.customFilters[name];
      if (!custom) throw badRequest(`[${name}] is invalid attribute for filtering`);
      q = custom(q, values);
    }
    q = this.repo.applyTagFilters(q, query.tags);
    q = await this.repo.applyOrderAndMarker(db, q, query);
    if (query.limit) q = q.limit(query.limit);
    const rows = await q.execute();
    let items = rows.map((r) => this.repo.fromRow(r));
    if (query.pageReverse) items.reverse();
    if (!ctx.isAdmin) {
      const visible = await Promise.all(items.map((i) => this.canSee(db, ctx, i)));
      items = items.filter((_, i) => visible[i]);
    }
    await this.render(db, ctx, items);
    return items;
  }

  /** Filters a resource accepts beyond its column attributes (for filter-validation). */
  isFilterable(name: string): boolean {
    const def = this.resource.attributes[name];
    if (name in this.customFilters) return true;
    return !!def && def.filter !== false && storageOf(def) === 'column' && def.visible !== false;
  }

  async show(ctx: RequestContext, id: string): Promise<Item> {
    return this.showIn(this.app.database.db, ctx, id);
  }

  async showIn(trx: Tx, ctx: RequestContext, id: string): Promise<Item> {
    const item = await this.getVisible(trx, ctx, id);
    await this.render(trx, ctx, [item]);
    return item;
  }

  /** The item in stored form, or 404 when it does not exist or ctx may not see it. */
  async getVisible(trx: Tx, ctx: RequestContext, id: string): Promise<Item> {
    const item = await this.repo.findById(trx, id);
    if (!item || (!ctx.isAdmin && !(await this.canSee(trx, ctx, item)))) throw this.notFound(id);
    return item;
  }

  /** Sub-resources: 404 unless the parent is visible to ctx and, given an id, holds that item. */
  async checkParent(ctx: RequestContext, parentId: string, id?: string): Promise<void> {
    const parent = this.resource.parent;
    if (!parent) return;
    const db = this.app.database.db;
    await this.app.services.get(parent.collection)!.getVisible(db, ctx, parentId);
    if (id === undefined) return;
    const item = await this.repo.findById(db, id);
    if (!item || item[parent.column] !== parentId) throw this.notFound(id);
  }

  /** The item in stored form, or 404; no visibility check (for services' internal use). */
  async get(trx: Tx, id: string): Promise<Item> {
    const item = await this.repo.findById(trx, id);
    if (!item) throw this.notFound(id);
    return item;
  }

  /** Completes items for a response: tags, computed attributes, and policy-hidden attributes removed. */
  async render(q: Tx, ctx: RequestContext, items: Item[]): Promise<void> {
    if (items.length === 0) return;
    if (this.resource.hasTags) await this.loadTags(q, items);
    await this.extend(q, ctx, items);
    await this.app.hooks.extend(this.resource.collection, q, ctx, items);
    for (const [name, def] of Object.entries(this.resource.attributes)) {
      if (def.visible === false) {
        for (const item of items) delete item[name];
      } else if (def.enforcePolicy && !ctx.isAdmin) {
        for (const item of items) {
          if (!this.app.policy.enforce(ctx, `get_${this.member}:${name}`, item)) delete item[name];
        }
      }
    }
  }

  private async loadTags(q: Tx, items: Item[]): Promise<void> {
    const byId = new Map<string, Item>();
    for (const item of items) {
      item.tags = [];
      byId.set(item.id, item);
    }
    const ids = [...byId.keys()];
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await q.selectFrom('tags').select(['resource_id', 'tag']).where('resource_id', 'in', ids.slice(i, i + 500)).orderBy('tag').execute();
      for (const r of rows) byId.get(r.resource_id)!.tags.push(r.tag);
    }
  }

  // ------------------------------------------------------------------ write

  async create(ctx: RequestContext, bodies: Item[]): Promise<Item[]> {
    return this.app.transact(async (trx) => {
      const out: Item[] = [];
      for (const body of bodies) out.push(await this.createIn(trx, ctx, body));
      return out;
    });
  }

  /** Validates body against the definition and returns the item with defaults applied. */
  protected parseCreate(ctx: RequestContext, body: Item): Item {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`Body contains invalid data`);
    const attrs = this.resource.attributes;
    const unknown = Object.keys(body).filter((k) => !(k in attrs));
    if (unknown.length) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
    const item: Item = {};
    for (const [name, value] of Object.entries(body)) {
      const def = attrs[name];
      if (!def.allowPost) throw badRequest(`Attribute '${name}' not allowed in POST`);
      item[name] = validateAttribute(name, def, value);
    }
    // project_id and tenant_id are one attribute under two names.
    if (this.resource.hasProject) {
      if (item.project_id !== undefined && item.tenant_id !== undefined && item.project_id !== item.tenant_id) {
        throw badRequest(`'project_id' and 'tenant_id' do not match`);
      }
      const project = item.project_id ?? item.tenant_id ?? ctx.projectId;
      delete item.tenant_id;
      if (project === null || project === undefined) throw badRequest(`Running without keystone AuthN requires that tenant_id is specified`);
      item.project_id = project;
    }
    for (const [name, def] of Object.entries(attrs)) {
      if (!def.allowPost || name in item || name === 'tenant_id' || name === 'project_id') continue;
      if (def.required) throw badRequest(`Failed to parse request. Required attribute '${name}' not specified`);
      if (def.default !== undefined) {
        const value = typeof def.default === 'function' ? (def.default as (c: { projectId: string | null }) => unknown)(ctx) : structuredClone(def.default);
        item[name] = value;
      }
    }
    return item;
  }

  /** Policy for create: the action itself and every admin-only attribute given explicitly. */
  protected authorizeCreate(ctx: RequestContext, body: Item, item: Item): void {
    const action = `create_${this.member}`;
    if (!this.app.policy.enforce(ctx, action, item)) throw notAuthorized(action);
    for (const [name, def] of Object.entries(this.resource.attributes)) {
      if (def.enforcePolicy && name in body && !this.app.policy.enforce(ctx, `${action}:${name}`, item)) throw notAuthorized(`${action}:${name}`);
    }
  }

  async createIn(trx: Transaction<any>, ctx: RequestContext, body: Item, options: CreateOptions = {}): Promise<Item> {
    const item = this.parseCreate(ctx, body);
    if (!options.internal) this.authorizeCreate(ctx, body, await this.policyTarget(trx, item));
    // Like Neutron, quotas limit what callers create, not what services create for them.
    if (this.resource.quota && this.resource.hasProject && !options.internal) await this.app.quotas.reserve(trx, item.project_id, this.resource.quota, 1);
    await this.beforeCreate(trx, ctx, item);
    await this.app.hooks.run(this.resource.collection, 'beforeCreate', trx, ctx, item);
    item.id ??= randomUUID();
    if (this.resource.hasTimestamps) item.created_at = item.updated_at = now();
    if (this.resource.hasRevision) item.revision_number = 0;
    await this.repo.insert(trx, item);
    await this.afterCreate(trx, ctx, item);
    await this.app.hooks.run(this.resource.collection, 'afterCreate', trx, ctx, item);
    const rendered = await this.repo.findById(trx, item.id);
    await this.render(trx, ctx, [rendered!]);
    this.app.queueEvent(trx, { resource: this.resource.collection, action: 'created', id: item.id, body: rendered!, context: ctx });
    return rendered!;
  }

  async update(ctx: RequestContext, id: string, body: Item, ifMatch?: number[]): Promise<Item> {
    return this.app.transact((trx) => this.updateIn(trx, ctx, id, body, { ifMatch }));
  }

  protected parseUpdate(body: Item): Item {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`Body contains invalid data`);
    const attrs = this.resource.attributes;
    const unknown = Object.keys(body).filter((k) => !(k in attrs));
    if (unknown.length) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
    const changes: Item = {};
    for (const [name, value] of Object.entries(body)) {
      const def = attrs[name];
      if (!def.allowPut) throw badRequest(`Cannot update read-only attribute ${name}`);
      changes[name] = validateAttribute(name, def, value);
    }
    return changes;
  }

  /** Loads the item for a change: 404 if invisible, 403 if visible but not changeable, 412 on revision mismatch. */
  protected async loadForChange(trx: Tx, ctx: RequestContext, id: string, verb: 'update' | 'delete', ifMatch?: number[], internal = false): Promise<Item> {
    await this.app.database.lock(trx, this.resource.table, 'id', id);
    const current = internal ? await this.get(trx, id) : await this.getVisible(trx, ctx, id);
    if (!internal) {
      const action = `${verb}_${this.member}`;
      if (!this.app.policy.enforce(ctx, action, await this.policyTarget(trx, current))) throw notAuthorized(action);
    }
    if (ifMatch?.length && this.resource.hasRevision && !ifMatch.includes(current.revision_number)) {
      throw revisionMismatch(ifMatch[0], current.revision_number);
    }
    return current;
  }

  async updateIn(trx: Transaction<any>, ctx: RequestContext, id: string, body: Item, options: CreateOptions & { ifMatch?: number[] } = {}): Promise<Item> {
    const changes = this.parseUpdate(body);
    const current = await this.loadForChange(trx, ctx, id, 'update', options.ifMatch, options.internal);
    if (!options.internal) {
      const target = await this.policyTarget(trx, current);
      for (const [name, def] of Object.entries(this.resource.attributes)) {
        const action = `update_${this.member}:${name}`;
        if (def.enforcePolicy && name in changes && !this.app.policy.enforce(ctx, action, target)) throw notAuthorized(action);
      }
    }
    await this.beforeUpdate(trx, ctx, current, changes);
    await this.app.hooks.run(this.resource.collection, 'beforeUpdate', trx, ctx, { ...current, ...changes }, changes);
    await this.writeChanges(trx, id, changes);
    await this.afterUpdate(trx, ctx, { ...current, ...changes }, changes);
    await this.app.hooks.run(this.resource.collection, 'afterUpdate', trx, ctx, { ...current, ...changes }, changes);
    const rendered = await this.repo.findById(trx, id);
    await this.render(trx, ctx, [rendered!]);
    this.app.queueEvent(trx, { resource: this.resource.collection, action: 'updated', id, body: rendered!, context: ctx });
    return rendered!;
  }

  /** Stores changes and bumps revision_number and updated_at. */
  async writeChanges(trx: Tx, id: string, changes: Item): Promise<void> {
    await this.repo.updateColumns(trx, id, changes);
    await this.touch(trx, id);
  }

  /** A change to the resource or something it contains: revision + 1, updated_at = now. */
  async touch(trx: Tx, id: string): Promise<void> {
    const set: Record<string, unknown> = {};
    if (this.resource.hasTimestamps) set.updated_at = now();
    if (this.resource.hasRevision) {
      await trx
        .updateTable(this.resource.table)
        .set((eb: any) => ({ ...set, revision_number: eb('revision_number', '+', 1) }))
        .where('id', '=', id)
        .execute();
    } else if (Object.keys(set).length) {
      await trx.updateTable(this.resource.table).set(set).where('id', '=', id).execute();
    }
  }

  async delete(ctx: RequestContext, id: string, ifMatch?: number[]): Promise<void> {
    await this.app.transact((trx) => this.deleteIn(trx, ctx, id, { ifMatch }));
  }

  async deleteIn(trx: Transaction<any>, ctx: RequestContext, id: string, options: CreateOptions & { ifMatch?: number[] } = {}): Promise<void> {
    const current = await this.loadForChange(trx, ctx, id, 'delete', options.ifMatch, options.internal);
    await this.beforeDelete(trx, ctx, current);
    await this.app.hooks.run(this.resource.collection, 'beforeDelete', trx, ctx, current);
    if (this.resource.hasTags) await trx.deleteFrom('tags').where('resource_id', '=', id).execute();
    await this.repo.deleteById(trx, id);
    this.app.queueEvent(trx, { resource: this.resource.collection, action: 'deleted', id, body: current, context: ctx });
  }

  // ------------------------------------------------------------------ tags

  private checkTag(tag: unknown): string {
    if (typeof tag !== 'string' || tag.length === 0 || tag.length > TAG_MAX) throw invalidAttr('tags', `'${String(tag)}' is not a valid tag`);
    return tag;
  }

  /** Tags of a visible item. */
  async getTags(ctx: RequestContext, id: string): Promise<string[]> {
    const item = await this.showIn(this.app.database.db, ctx, id);
    return item.tags as string[];
  }

  async hasTag(ctx: RequestContext, id: string, tag: string): Promise<boolean> {
    return (await this.getTags(ctx, id)).includes(tag);
  }

  /** Replaces (mode 'set'), adds one (mode 'add'), removes one ('remove') or all ('clear'). */
  async changeTags(ctx: RequestContext, id: string, mode: 'set' | 'add' | 'remove' | 'clear', tags: unknown[] = []): Promise<string[]> {
    const list = tags.map((t) => this.checkTag(t));
    return this.app.transact(async (trx) => {
      await this.loadForChange(trx, ctx, id, 'update');
      const existing = (await trx.selectFrom('tags').select('tag').where('resource_id', '=', id).execute()).map((r: { tag: string }) => r.tag);
      if (mode === 'remove' && !existing.includes(list[0])) throw new NeutronError(404, 'TagNotFound', `Tag ${list[0]} could not be found for ${this.member} ${id}.`);
      let next: string[];
      if (mode === 'set') next = [...new Set(list)];
      else if (mode === 'add') next = [...new Set([...existing, ...list])];
      else if (mode === 'remove') next = existing.filter((t: string) => t !== list[0]);
      else next = [];
      await trx.deleteFrom('tags').where('resource_id', '=', id).execute();
      if (next.length) await trx.insertInto('tags').values(next.map((tag) => ({ resource_id: id, resource_type: this.resource.collection, tag }))).execute();
      await this.touch(trx, id);
      return next.sort();
    });
  }

  /** 409 with Neutron's type when a row still references this item. */
  protected inUse(type: string, message: string): NeutronError {
    return conflict(type, message);
  }
}
