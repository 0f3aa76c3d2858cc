// The generic behaviour every resource shares: validation against its definition,
// defaults, policy, quotas, standard attributes, tags, If-Match revisions, and one
// transaction per request with events after commit. A resource's own service subclasses
// this and overrides the hooks (beforeCreate, afterCreate, beforeUpdate, beforeDelete,
// extend, scope, filters) for its behaviour.
import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { RequestContext } from '../foundation/context.ts';
import { badRequest, conflict, NeutronError, notAuthorized, notFound, revisionMismatch } from '../foundation/errors.ts';
import { invalidAttr, validateAttribute } from '../foundation/validation.ts';
import type { Resource } from './registry.ts';
import type { Tx } from '../db/index.ts';
import type { ServiceDeps } from './deps.ts';
import type { PolicyParent } from './definitions.ts';
import { Batch, type CreateOp, type DeleteOp, type Operation, type ParentTargets, type RenderOptions, type UpdateOp, type WriteOptions } from './operation.ts';
import { OWNER_FIRST, type Phase } from './wiring.ts';
import { Repository, type Item, type ListQuery, type Query } from './repository.ts';
import { storageOf } from './definitions.ts';
import { now } from '../foundation/time.ts';
import type { Target } from '../policy/index.ts';
import { grantsTo, ownedOrGranted } from './rbac/access.ts';
import { ParentFields, TargetBatch } from './policy-targets.ts';

export type { Item, ListQuery, ParentTargets, RenderOptions };

const TAG_MAX = 255;

const sameValue = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/** Options of createIn/updateIn/deleteIn (see WriteOptions). */
export type CreateOptions = WriteOptions;

declare module './lookup.ts' {
  interface ServiceLookup {
    /** The service of a collection. */
    get(collection: string): ResourceService | undefined;
    all(): ResourceService[];
  }
}

export class ResourceService {
  readonly resource: Resource;
  readonly repo: Repository;
  /** SQL filters for attributes that are not plain columns: name → (query, values) → query. */
  protected customFilters: Record<string, (q: Query, values: unknown[], ctx: RequestContext) => Query> = Object.create(null);

  constructor(
    readonly app: ServiceDeps,
    collection: string,
  ) {
    this.resource = app.registry.resource(collection);
    this.repo = new Repository(this.resource, app.database.dialect);
  }

  get member(): string {
    return this.resource.member;
  }

  /** The name in policy actions: Neutron prefixes sub-resources with their parent (`create_floatingip_port_forwarding`). */
  get policyName(): string {
    const parent = this.resource.parent;
    return parent ? `${parent.member}_${this.resource.member}` : this.resource.member;
  }

  protected notFound(id: string): NeutronError {
    return notFound(this.member, id);
  }

  // ------------------------------------------------------------------ hooks

  /**
   * Restricts a non-admin's list to what they may see: their own project's items and, for
   * objects shared by RBAC policies, those shared with the project or with everyone.
   */
  protected scope(ctx: RequestContext, q: Query): Query {
    const rbac = this.app.rbac.forCollection(this.resource.collection);
    if (rbac) return q.where((eb: any) => ownedOrGranted(eb, this.resource.table, rbac.type, ctx.projectId));
    return q.where(`${this.resource.table}.project_id`, '=', ctx.projectId);
  }

  /**
   * Which of items ctx may see at all (404 otherwise): the `get_<member>` policy on each
   * item's policy target, and for RBAC-shared objects also ownership or a grant.
   */
  protected async canSee(q: Tx, ctx: RequestContext, items: Item[], targets?: TargetBatch): Promise<boolean[]> {
    const batch = targets ?? (await this.targetBatch(q, ctx, items));
    const allowed = batch.enforceEach(this.app.policy, ctx, `get_${this.policyName}`);
    const privileged = this.isPrivileged(ctx);
    return items.map((item, i) => {
      const grants = batch.grants[i];
      const reachable = !grants || item.project_id === ctx.projectId || grants.size > 0 || privileged;
      return reachable && allowed[i];
    });
  }

  /**
   * What policy rules see for items: each item (with RBAC flags such as `shared` as ctx
   * sees them) plus its parents' fields as `<prefix>:<attribute>` (`network:tenant_id`).
   * With mustSeeParents, a parent ctx may not see answers its NotFound (creating a port on
   * an invisible network is NetworkNotFound). parents, when given, holds parent targets
   * already loaded in this request (collection:id → target) and receives those loaded now.
   */
  async policyTargets(q: Tx, ctx: RequestContext, items: Item[], mustSeeParents = false, parents: ParentTargets = new Map()): Promise<Target[]> {
    return (await this.targetBatch(q, ctx, items, mustSeeParents, parents)).all();
  }

  /**
   * The policy targets of items, built when needed (see policyTargets for the arguments).
   * rules, when given, are all the batch will be asked (enforceEach, no whole target): a
   * parent none of them reads (`<prefix>:…`) is not loaded (an admin's list of ports reads no
   * network's fields; the extensions load what they need themselves).
   */
  protected async targetBatch(q: Tx, ctx: RequestContext, items: Item[], mustSeeParents = false, parents: ParentTargets = new Map(), rules?: readonly string[]): Promise<TargetBatch> {
    // Each parent's fields are one ParentFields, shared by the targets of its children.
    const parentFields: (ParentFields | undefined)[] = items.map(() => undefined);
    for (const parent of this.policyParents()) {
      if (rules && !rules.some((rule) => this.app.policy.keysRead(rule).some((key) => key.startsWith(`${parent.prefix}:`)))) continue;
      const service = this.app.services.get(parent.collection);
      const ids = [...new Set(items.map((t) => t[parent.column]).filter((v): v is string => typeof v === 'string'))];
      if (!service || ids.length === 0) continue;
      const key = (id: string) => `${parent.collection}:${id}`;
      const toLoad = ids.filter((id) => !parents.has(key(id)));
      if (toLoad.length) {
        const rows = await service.repo.findWhere(q, { id: toLoad });
        const loaded = await service.targetBatch(q, ctx, rows);
        if (mustSeeParents && !ctx.isAdmin) {
          const visible = await service.canSee(q, ctx, rows, loaded);
          const seen = new Set(rows.filter((_, i) => visible[i]).map((r) => r.id));
          const missing = toLoad.find((id) => !seen.has(id));
          if (missing) await service.getVisible(q, ctx, missing); // throws the parent's NotFound
        }
        rows.forEach((row, i) => parents.set(key(row.id), loaded.target(i)));
      }
      const byId = new Map<string, ParentFields>();
      for (const id of ids) {
        const parentTarget = parents.get(key(id));
        if (parentTarget) byId.set(id, ParentFields.of(parent.prefix, parentTarget));
      }
      items.forEach((item, i) => {
        const fields = byId.get(item[parent.column]);
        if (fields) parentFields[i] = parentFields[i]?.concat(fields) ?? fields;
      });
    }
    const grants: (Set<string> | undefined)[] = items.map(() => undefined);
    const flags: (Target | undefined)[] = items.map(() => undefined);
    const rbac = this.app.rbac.forCollection(this.resource.collection);
    if (rbac && items.length) {
      const granted = await grantsTo(q, rbac.type, items.map((i) => i.id).filter((id): id is string => typeof id === 'string'), ctx.projectId, this.app.database.prepared);
      // RBAC-backed flags as the caller sees them: `shared` when shared with its project or everyone
      // (not those that are a global property of the object, such as router:external).
      const callerFlags = this.app.rbac.flagsOf(rbac, this.resource).filter((flag) => !flag.anyTarget);
      items.forEach((item, i) => {
        const actions = granted.get(item.id) ?? new Set<string>();
        grants[i] = actions;
        if (callerFlags.length) flags[i] = Object.fromEntries(callerFlags.map((flag) => [flag.attribute, actions.has(flag.action)]));
      });
    }
    return new TargetBatch(items, parentFields, grants, flags);
  }

  private policyParents(): PolicyParent[] {
    // Declared by the features that own the parents (PolicyParent), e.g. network → network_id.
    const parents = this.app.registry.policyParents.filter((p) => p.column in this.resource.attributes && p.collection !== this.resource.collection);
    if (this.resource.parent) parents.push({ prefix: 'ext_parent', column: this.resource.parent.column, collection: this.resource.parent.collection });
    return parents;
  }

  // The owner's steps of a write. Each gets the write's Operation; the wiring graph's edges
  // (other features) run after the owner's step, except before a delete (OWNER_FIRST).

  /** Validates and completes op.item (API form) before its row is inserted. */
  protected async beforeCreate(_op: CreateOp): Promise<void> {}

  /** Writes rows that reference the new item (op.item.id exists now). */
  protected async afterCreate(_op: CreateOp): Promise<void> {}

  /** Validates op.changes against op.current; may add derived changes. */
  protected async beforeUpdate(_op: UpdateOp): Promise<void> {}

  /** After the change is stored (op.item is the updated item). */
  protected async afterUpdate(_op: UpdateOp): Promise<void> {}

  /** Vetoes (throws) or cleans up before the row of op.item is deleted. */
  protected async beforeDelete(_op: DeleteOp): Promise<void> {}

  /** Runs phase of op: the owner's step and the wiring graph's edges, in the order OWNER_FIRST declares. */
  private async step(phase: Phase, op: Operation): Promise<void> {
    const refresh = () => {
      // An update's item is the stored one with the changes so far (steps may add changes).
      if (op.kind === 'update') op.item = { ...op.current, ...op.changes };
    };
    const owner = async () => {
      refresh();
      await (this[phase] as (op: Operation) => Promise<void>).call(this, op);
    };
    const edges = async () => {
      refresh();
      await this.app.wiring.run(phase, op);
    };
    if (OWNER_FIRST[phase]) {
      await owner();
      await edges();
    } else {
      await edges();
      await owner();
    }
  }

  /** Fills computed attributes of items, in one batch (options: what the request already knows of them). */
  protected async extend(_q: Tx, _ctx: RequestContext, _items: Item[], _options: RenderOptions = {}): Promise<void> {}

  // ------------------------------------------------------------------ read

  async list(ctx: RequestContext, query: ListQuery): Promise<Item[]> {
    const db = this.app.database.db;
    let q: Query = this.repo.selectFrom(db);
    // Like Neutron's queries, admins and advanced services (advsvc) are not scoped to a project.
    if (!this.isPrivileged(ctx)) q = this.scope(ctx, q);
    // Custom and hook filters win over plain column ones (`shared` as the caller sees it).
    const customFilter = (name: string) => this.customFilters[name] ?? this.app.wiring.filter(this.resource.collection, name);
    const plain = Object.fromEntries(Object.entries(query.filters).filter(([name]) => !customFilter(name)));
    const { q: filtered, rest } = this.repo.applyFilters(q, plain);
    q = filtered;
    for (const [name, values] of Object.entries(query.filters)) {
      if (name in plain && !(name in rest)) continue;
      const custom = customFilter(name);
      if (!custom) throw badRequest(`[${name}] is invalid attribute for filtering`);
      q = custom(q, values, ctx);
    }
    q = this.repo.applyTagFilters(q, query.tags);
    q = await this.repo.applyOrderAndMarker(db, q, query);
    if (query.limit) q = q.limit(query.limit);
    const built = q;
    let items = await this.repo.selectItems(db, null, [], () => built);
    if (query.pageReverse) items.reverse();
    const parents: ParentTargets = new Map();
    let targets = await this.targetBatch(db, ctx, items, false, parents, this.readRules(ctx));
    if (!ctx.isAdmin) {
      const visible = await this.canSee(db, ctx, items, targets);
      items = items.filter((_, i) => visible[i]);
      targets = targets.filter(visible);
    }
    await this.render(db, ctx, items, targets, { parents });
    return items;
  }

  /** Filters a resource accepts beyond its column attributes (for filter-validation). */
  isFilterable(name: string): boolean {
    const def = this.resource.attributes[name];
    if (name in this.customFilters || this.app.wiring.filter(this.resource.collection, name)) return true;
    return !!def && def.filter !== false && storageOf(def) === 'column' && def.visible !== false;
  }

  async show(ctx: RequestContext, id: string): Promise<Item> {
    return this.showIn(this.app.database.db, ctx, id);
  }

  async showIn(trx: Tx, ctx: RequestContext, id: string): Promise<Item> {
    // getVisible and render, on one batch of targets (as list does).
    const item = await this.repo.findById(trx, id);
    if (!item) throw this.notFound(id);
    const parents: ParentTargets = new Map();
    const targets = await this.targetBatch(trx, ctx, [item], false, parents, this.readRules(ctx));
    if (!ctx.isAdmin && !(await this.canSee(trx, ctx, [item], targets))[0]) throw this.notFound(id);
    await this.render(trx, ctx, [item], targets, { parents });
    return item;
  }

  /** The rules a read (list, show) asks of its items' targets: canSee's (but for admins) and render's. */
  private readRules(ctx: RequestContext): string[] {
    const rules = this.attributeRules().flatMap(([, rule]) => (rule === null ? [] : [rule]));
    if (!ctx.isAdmin) rules.push(`get_${this.policyName}`);
    return rules;
  }

  private attributeRuleList?: [string, string | null][];

  /**
   * The attributes render may hide, each with its `get_<member>:<attribute>` rule, or null
   * for one never shown (visible: false). Fixed once the app is built (definitions, policy).
   */
  private attributeRules(): [string, string | null][] {
    if (!this.attributeRuleList) {
      this.attributeRuleList = [];
      for (const [name, def] of Object.entries(this.resource.attributes)) {
        const rule = `get_${this.policyName}:${name}`;
        if (def.visible === false) this.attributeRuleList.push([name, null]);
        else if (this.app.policy.hasRule(rule)) this.attributeRuleList.push([name, rule]);
      }
    }
    return this.attributeRuleList;
  }

  /** The item in stored form, or 404 when it does not exist or ctx may not see it; forUpdate: its row held until the transaction ends. */
  async getVisible(trx: Tx, ctx: RequestContext, id: string, forUpdate = false): Promise<Item> {
    const item = await this.repo.findById(trx, id, forUpdate);
    if (!item || (!ctx.isAdmin && !(await this.canSee(trx, ctx, [item]))[0])) throw this.notFound(id);
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

  /** The item in stored form, or 404; no visibility check (for services' internal use); forUpdate: as getVisible. */
  async get(trx: Tx, id: string, forUpdate = false): Promise<Item> {
    const item = await this.repo.findById(trx, id, forUpdate);
    if (!item) throw this.notFound(id);
    return item;
  }

  /**
   * Completes items for a response: tags, computed attributes, RBAC flags as ctx sees them,
   * and attributes removed that ctx may not see (a `get_<member>:<attribute>` rule that fails).
   */
  async render(q: Tx, ctx: RequestContext, items: Item[], targets?: TargetBatch, options: RenderOptions = {}): Promise<void> {
    if (items.length === 0) return;
    // The parents loaded for the targets serve the extensions too (a port's network).
    options = { ...options, parents: options.parents ?? new Map() };
    const batch = targets ?? (await this.targetBatch(q, ctx, items, false, options.parents));
    // Decided on the items as stored, before anything below changes them (the targets read the items).
    const hidden = this.attributeRules().map(([name, rule]): [string, boolean[] | null] => [name, rule === null ? null : batch.enforceEach(this.app.policy, ctx, rule)]);
    if (this.resource.hasTags) {
      if (options.created) for (const item of items) item.tags = []; // tags are not accepted on create
      else await this.loadTags(q, items);
    }
    await this.extend(q, ctx, items, options);
    await this.app.wiring.extend(this.resource.collection, q, ctx, items, options);
    items.forEach((item, i) => Object.assign(item, batch.flags[i]));
    // Hidden as undefined, which JSON leaves out: deleting a key turns an object into a slow
    // dictionary, and serializing 1,000 such rules took twice as long.
    for (const [name, allowed] of hidden) {
      items.forEach((item, i) => {
        if (!allowed?.[i]) item[name] = undefined;
      });
    }
  }

  private async loadTags(q: Tx, items: Item[]): Promise<void> {
    const byId = new Map<string, Item>();
    for (const item of items) {
      item.tags = [];
      byId.set(item.id, item);
    }
    const rows = await this.repo.prepared.runIn(q, 'tags', [], [...byId.keys()], (q, _arg, oneOf) => q.selectFrom('tags').select(['resource_id', 'tag']).where(oneOf('resource_id')).orderBy('tag'));
    for (const r of rows) byId.get(r.resource_id)!.tags.push(r.tag);
  }

  // ------------------------------------------------------------------ write

  async create(ctx: RequestContext, bodies: Item[]): Promise<Item[]> {
    return this.app.transact(async (trx) => {
      const out: Item[] = [];
      // The items of a bulk request share their parents (a network's 100 new ports load it once).
      const batch = new Batch();
      for (const body of bodies) out.push(await this.createIn(trx, ctx, body, { batch }));
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

  /**
   * For an item being created, its parent (e.g. the network of a port) as already loaded
   * and checked visible by authorizeCreate, or undefined (internal creates, parent missing).
   */
  protected createdParent(op: CreateOp, collection: string, id: string): Item | undefined {
    return op.parents.get(`${collection}:${id}`);
  }

  /** Admins, advanced services (role advsvc) and services (role service, as neutron-lib's is_service_role) act on other projects' behalf. */
  protected isPrivileged(ctx: RequestContext): boolean {
    return ctx.isAdmin || this.app.policy.enforce(ctx, 'context_is_advsvc', {}) || this.app.policy.enforce(ctx, 'service_api', {});
  }

  /**
   * Policy for create, as Neutron orders it: another project's id needs privileges (400),
   * the parent network must be visible (404) and the caller's own or shared (404), then
   * `create_<member>` and the rule of every attribute given with a non-default value (403).
   */
  protected async authorizeCreate(trx: Tx, ctx: RequestContext, body: Item, item: Item, parents: ParentTargets): Promise<void> {
    if (this.resource.hasProject && item.project_id !== ctx.projectId && !this.isPrivileged(ctx)) {
      throw badRequest(`Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin or advsvc privileges`);
    }
    const targetOf = async () => Object.assign((await this.policyTargets(trx, ctx, [item], true, parents))[0], item); // the values asked for
    let target = await targetOf();
    if ('network:project_id' in target && target['network:project_id'] !== item.project_id) {
      // Using another project's network: hold it, so that its sharing cannot be withdrawn
      // (which locks it too) until this request commits, and decide on the sharing as it is now.
      await this.app.database.lock(trx, 'networks', 'id', item.network_id);
      parents.clear(); // loaded before the lock: read it again
      target = await targetOf();
      if (target['network:shared'] !== true && !this.isPrivileged(ctx)) throw new NeutronError(404, 'HTTPNotFound', 'The resource could not be found.');
    }
    const explicit = Object.keys(body).filter((name) => {
      const def = this.resource.attributes[name];
      return !(def.default !== undefined && typeof def.default !== 'function' && sameValue(item[name], def.default));
    });
    this.enforceWithAttributes(ctx, `create_${this.policyName}`, target, explicit);
  }

  /**
   * Enforces action and, for each policy-guarded attribute (enforcePolicy, Neutron's
   * enforce_policy) changed, `<action>:<attribute>` (the `default` rule when none is
   * defined) and `<action>:<attribute>:<key>` where defined for keys given inside
   * list/dict values. 403 on the first refusal.
   */
  protected enforceWithAttributes(ctx: RequestContext, action: string, target: Target, attributes: string[]): void {
    this.enforceAll(ctx, this.policyChecksOf(action, target, attributes), target);
  }

  private enforceAll(ctx: RequestContext, rules: Iterable<string>, target: Target): void {
    for (const rule of rules) if (!this.app.policy.enforce(ctx, rule, target)) throw notAuthorized(rule);
  }

  /**
   * The rules a change is checked against, in order: the action, then `<action>:<attribute>`
   * for each policy-enforced attribute it sets, then `<action>:<attribute>:<key>` where the
   * policy names a key of the attribute's value (Neutron's sub-attribute rules).
   */
  private *policyChecksOf(action: string, values: Target, attributes: string[]): Generator<string> {
    yield action;
    for (const name of attributes) {
      if (!this.resource.attributes[name]?.enforcePolicy) continue;
      const rule = `${action}:${name}`;
      yield rule;
      const value = values[name];
      const entries = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : [];
      for (const entry of entries) {
        if (!entry || typeof entry !== 'object') continue;
        for (const key of Object.keys(entry)) if (this.app.policy.hasRule(`${rule}:${key}`)) yield `${rule}:${key}`;
      }
    }
  }

  async createIn(trx: Transaction<any>, ctx: RequestContext, body: Item, options: CreateOptions = {}): Promise<Item> {
    const item = this.parseCreate(ctx, body);
    // Parents loaded (and, for non-admins, found visible) to authorize the create also serve
    // beforeCreate and the response: creating a child changes neither their owner nor sharing.
    const batch = options.batch ?? new Batch();
    const parents = batch.parents;
    const op: CreateOp = { kind: 'create', collection: this.resource.collection, trx, ctx, item, parents, options, batch };
    if (!options.internal) await this.authorizeCreate(trx, ctx, body, item, parents);
    // Like Neutron, quotas limit what callers create, not what services create for them.
    if (this.resource.quota && this.resource.hasProject && !options.internal) await this.app.quotas.reserve(trx, item.project_id, this.resource.quota, 1, batch);
    await this.step('beforeCreate', op);
    item.id ??= randomUUID();
    if (this.resource.hasTimestamps) item.created_at = item.updated_at = now();
    if (this.resource.hasRevision) item.revision_number = 0;
    await this.repo.insert(trx, item);
    await this.step('afterCreate', op);
    const rendered = await this.repo.findById(trx, item.id);
    this.app.feed.record(trx, this.resource.collection, item.id, 'created', undefined, this.app.feed.before(this.resource.collection, rendered!)); // change feed
    await this.render(trx, ctx, [rendered!], undefined, { parents, created: true, batch });
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

  /**
   * Loads the item for a change: 404 if invisible, 403 if visible but not changeable
   * (`<verb>_<member>`, and for updates the rules of the attributes changed, on the item
   * as it would become), 412 on revision mismatch.
   */
  protected async loadForChange(trx: Tx, ctx: RequestContext, id: string, verb: 'update' | 'delete', ifMatch?: number[], internal = false, changes: Item = {}, parents?: ParentTargets): Promise<Item> {
    // The row is held (PostgreSQL) from the read on: concurrent changes of it queue here.
    const current = internal ? await this.get(trx, id, true) : await this.getVisible(trx, ctx, id, true);
    if (!internal) {
      // The rules see the item as changed; they get only the keys they read (building the whole
      // target, the item's fields and its parents' under their prefixes, is ~50 µs a port).
      const action = `${verb}_${this.policyName}`;
      const rules = [...this.policyChecksOf(action, changes, Object.keys(changes))];
      const batch = await this.targetBatch(trx, ctx, [current], false, parents);
      const target = { ...batch.partial(0, rules.flatMap((rule) => this.app.policy.keysRead(rule))), ...changes };
      this.enforceAll(ctx, rules, target);
    }
    if (ifMatch?.length && this.resource.hasRevision && !ifMatch.includes(current.revision_number)) {
      throw revisionMismatch(ifMatch[0], current.revision_number);
    }
    return current;
  }

  async updateIn(trx: Transaction<any>, ctx: RequestContext, id: string, body: Item, options: WriteOptions = {}): Promise<Item> {
    const changes = this.parseUpdate(body);
    // Parents loaded to authorize serve the response too (updates don't move items between parents).
    const batch = options.batch ?? new Batch();
    const parents = batch.parents;
    const current = await this.loadForChange(trx, ctx, id, 'update', options.ifMatch, options.internal, changes, parents);
    const op: UpdateOp = { kind: 'update', collection: this.resource.collection, trx, ctx, current, changes, item: { ...current, ...changes }, parents, options, batch };
    await this.step('beforeUpdate', op);
    this.app.feed.record(trx, this.resource.collection, id, 'updated', this.app.feed.before(this.resource.collection, current)); // change feed (host before)
    await this.writeChanges(trx, id, changes);
    await this.step('afterUpdate', op);
    const rendered = await this.repo.findById(trx, id);
    this.app.feed.record(trx, this.resource.collection, id, 'updated', undefined, this.app.feed.before(this.resource.collection, rendered!)); // change feed
    await this.render(trx, ctx, [rendered!], undefined, { parents });
    this.app.queueEvent(trx, { resource: this.resource.collection, action: 'updated', id, body: rendered!, context: ctx });
    return rendered!;
  }

  /** Stores changes and bumps revision_number and updated_at. */
  async writeChanges(trx: Tx, id: string, changes: Item): Promise<void> {
    await this.touch(trx, id, this.repo.toRow(changes));
  }

  /** A change to the resource or something it contains: revision + 1, updated_at = now (in one statement with columns to set). */
  async touch(trx: Tx, id: string, columns: Record<string, unknown> = {}): Promise<void> {
    const set: Record<string, unknown> = { ...columns };
    const feed = this.app.feed;
    const collection = this.resource.collection;
    if (this.resource.hasTimestamps) set.updated_at = now();
    if (this.resource.hasRevision) {
      // RETURNING tells the change feed the object's state after the change (no read at commit).
      const columns = Object.keys(set);
      const [row] = await this.repo.prepared.run(trx, `touch:${columns.join(',')}`, [...columns.map((c) => set[c]), id], (q, arg) =>
        q
          .updateTable(this.resource.table)
          .set({ ...Object.fromEntries(columns.map((c, i) => [c, arg(i)])), revision_number: sql`${sql.ref('revision_number')} + 1` })
          .where('id', '=', arg(columns.length))
          .returning(feed.stateColumns(collection)),
      );
      feed.record(trx, collection, id, 'updated', undefined, row && feed.rowState(collection, row)); // change feed
    } else {
      if (Object.keys(set).length) await trx.updateTable(this.resource.table).set(set).where('id', '=', id).execute();
      feed.record(trx, collection, id, 'updated'); // change feed
    }
  }

  async delete(ctx: RequestContext, id: string, ifMatch?: number[]): Promise<void> {
    await this.app.transact((trx) => this.deleteIn(trx, ctx, id, { ifMatch }));
  }

  async deleteIn(trx: Transaction<any>, ctx: RequestContext, id: string, options: WriteOptions = {}): Promise<void> {
    const current = await this.loadForChange(trx, ctx, id, 'delete', options.ifMatch, options.internal);
    const batch = options.batch ?? new Batch();
    const op: DeleteOp = { kind: 'delete', collection: this.resource.collection, trx, ctx, item: current, parents: batch.parents, options, batch };
    await this.app.feed.recordCascadedDeletes(trx, this.resource.collection, id); // change feed
    // Other features first release or veto what they hold on the item (L3 deletes a
    // network's unassociated floating IPs); then the owner checks what is left.
    await this.step('beforeDelete', op);
    await this.repo.deleteById(trx, id, this.resource.hasTags);
    this.app.feed.record(trx, this.resource.collection, id, 'deleted', this.app.feed.before(this.resource.collection, current)); // change feed
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
    const max = this.app.config.api.max_tags_per_resource;
    if (max > 0 && tags.length > max) throw badRequest(`Invalid input for tags. Reason: ${tags.length} tags exceed the maximum of ${max} per resource.`);
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
      if (max > 0 && next.length > max) throw badRequest(`Invalid input for tags. Reason: ${next.length} tags exceed the maximum of ${max} per resource.`);
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
