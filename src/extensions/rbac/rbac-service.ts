// /v2.0/rbac-policies: grants of an action on an object to a project or to everyone.
// Owners (or admins) grant access to their objects; a grant another project still depends
// on (ports on a shared network, ...) cannot be withdrawn. Flags such as a network's
// `shared` and `router:external` are views of `*` grants: setting them creates the grant,
// clearing them removes it, and grants made through this API keep the flags in step.
import { randomUUID } from 'node:crypto';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { badRequest, conflict, invalidInput, type NeutronError } from '../../foundation/errors.ts';
import { invalidAttr, toBoolean } from '../../foundation/validation.ts';
import type { Tx } from '../../db/index.ts';
import { columnOf, storageOf } from '../../framework/definitions.ts';
import { toDb, type Query } from '../../framework/repository.ts';
import { ResourceService, type Item } from '../../framework/resource-service.ts';
import type { CreateOp, DeleteOp, UpdateOp } from '../../framework/operation.ts';
import { changesOf } from '../../framework/operation.ts';
import { filter, react, referencedBy, veto } from '../../framework/wiring.ts';
import { grantedObjects, WILDCARD } from '../../framework/rbac/access.ts';
import type { RbacFlag, RbacObjectType } from '../../framework/rbac/object-types.ts';

interface Grant {
  id: string;
  project_id: string;
  object_type: string;
  object_id: string;
  action: string;
  target_project: string;
}

const policyInUse = (objectId: string, details: string) =>
  conflict('RbacPolicyInUse', `RBAC policy on object ${objectId} cannot be removed because other objects depend on it.\nDetails: ${details}`);

const sharingInUse = (object: Item) => conflict('InvalidSharedSetting', `Unable to reconfigure sharing settings for network ${object.name || object.id}. Multiple tenants are using it.`);

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    rbac?: RbacService;
  }
}

export class RbacService extends ResourceService {
  constructor(app: ServiceDeps) {
    super(app, 'rbac_policies');
    app.rbac.onRegister((type) => this.followFlags(type));
    if (app.registry.resources.has('subnetpools')) app.rbac.register(subnetPoolType());
    if (app.registry.resources.has('networks')) app.rbac.register(networkType(app));
  }

  /** Wiring (subnets ?shared=): subnets are shared with their network (Neutron's `shared` filter on subnets). */
  filterSubnetsShared(q: Query, values: unknown[], ctx: RequestContext): Query {
    return filterGranted(q, 'subnets.network_id', 'network', 'access_as_shared', values, ctx);
  }

  // ------------------------------------------------------------------ API

  protected override parseCreate(ctx: RequestContext, body: Item): Item {
    const item = super.parseCreate(ctx, body);
    const type = this.app.rbac.get(item.object_type);
    if (!type) throw invalidAttr('object_type', `'${item.object_type}' is not in ${JSON.stringify(this.app.rbac.all().map((t) => t.type))}`);
    if (!type.actions.includes(item.action)) throw invalidAttr('action', `'${item.action}' is not in ${JSON.stringify(type.actions)}`);
    return item;
  }

  protected override async beforeCreate(op: CreateOp): Promise<void> {
    const { trx, ctx, item } = op;
    const type = this.typeOf(item);
    await this.ownedObject(trx, ctx, type, item.object_id);
    await this.refuseDuplicate(trx, item.object_type, item.object_id, item.action, item.target_tenant);
  }

  protected override async afterCreate(op: CreateOp): Promise<void> {
    const { trx, item } = op;
    await this.syncFlags(trx, this.typeOf(item), item.object_id);
  }

  protected override async beforeUpdate(op: UpdateOp): Promise<void> {
    const { trx, ctx, current, changes } = op;
    if (!('target_tenant' in changes) || changes.target_tenant === current.target_tenant) return;
    const type = this.typeOf(current);
    const object = await this.ownedObject(trx, ctx, type, current.object_id);
    await this.refuseDuplicate(trx, current.object_type, current.object_id, current.action, changes.target_tenant);
    await this.refuseCuttingOff(trx, type, object, this.grantOf(current), changes.target_tenant, (d) => policyInUse(object.id, d));
  }

  protected override async afterUpdate(op: UpdateOp): Promise<void> {
    const { trx, item: updated } = op;
    await this.syncFlags(trx, this.typeOf(updated), updated.object_id);
  }

  protected override async beforeDelete(op: DeleteOp): Promise<void> {
    const { trx, item: current } = op;
    const type = this.typeOf(current);
    const object = await this.lockObject(trx, type, current.object_id);
    if (!object) return; // the object is being deleted with its grants
    await this.refuseCuttingOff(trx, type, object, this.grantOf(current), undefined, (d) => policyInUse(object.id, d));
    await this.syncFlags(trx, type, current.object_id, current.id);
  }

  private typeOf(item: Item): RbacObjectType {
    const type = this.app.rbac.get(item.object_type);
    if (!type) throw invalidAttr('object_type', `'${item.object_type}' is not a known object type`);
    return type;
  }

  private grantOf(item: Item): Grant {
    return { id: item.id, project_id: item.project_id, object_type: item.object_type, object_id: item.object_id, action: item.action, target_project: item.target_tenant };
  }

  /** The object, locked for the rest of the transaction, or undefined when it does not exist. */
  private async lockObject(trx: Tx, type: RbacObjectType, id: string): Promise<Item | undefined> {
    const service = this.app.services.get(type.collection)!;
    await this.app.database.lock(trx, service.resource.table, 'id', id);
    return service.repo.findById(trx, id);
  }

  /** The object ctx grants access to: visible (404 otherwise) and ctx's own unless ctx is admin (400, as Neutron). */
  private async ownedObject(trx: Tx, ctx: RequestContext, type: RbacObjectType, id: string): Promise<Item> {
    const service = this.app.services.get(type.collection)!;
    await this.app.database.lock(trx, service.resource.table, 'id', id);
    const object = await service.getVisible(trx, ctx, id);
    if (!ctx.isAdmin && object.project_id !== ctx.projectId) throw invalidInput(`Only admins can manipulate policies on ${type.collection} they do not own`);
    return object;
  }

  private async refuseDuplicate(trx: Tx, objectType: string, objectId: string, action: string, target: string): Promise<void> {
    const existing = await this.findGrants(trx, objectType, objectId, action);
    if (existing.some((g) => g.target_project === target)) {
      throw conflict('DuplicateRbacPolicy', 'An RBAC policy already exists with those values.');
    }
  }

  private findGrants(q: Tx, objectType: string, objectId: string, action?: string): Promise<Grant[]> {
    let query = q.selectFrom('rbac_policies').selectAll().where('object_type', '=', objectType).where('object_id', '=', objectId);
    if (action) query = query.where('action', '=', action);
    return query.execute() as Promise<Grant[]>;
  }

  /**
   * Refuses to withdraw grant (delete it, or retarget it to newTarget) when a project that
   * uses the object would lose its access: it is not the owner, and no other grant of the
   * same action (to it or to everyone) remains.
   */
  private async refuseCuttingOff(trx: Tx, type: RbacObjectType, object: Item, grant: Grant, newTarget: string | undefined, error: (details: string) => NeutronError): Promise<void> {
    if (!type.usersOf || grant.target_project === object.project_id) return;
    const remaining = (await this.findGrants(trx, type.type, object.id, grant.action)).filter((g) => g.id !== grant.id).map((g) => g.target_project);
    if (newTarget !== undefined) remaining.push(newTarget);
    if (remaining.includes(WILDCARD)) return;
    const covered = new Set([object.project_id, ...remaining]);
    const users = await type.usersOf(trx, object.id, grant.action);
    const cutOff = users.filter((p) => !covered.has(p) && (grant.target_project === WILDCARD || p === grant.target_project));
    if (cutOff.length) throw error(`Projects ${cutOff.sort().join(', ')} still use ${type.type} ${object.id}.`);
  }

  // ------------------------------------------------------------------ flags

  /**
   * Keeps a type's flags (network `shared`, ...) and the `*` grants behind them in step:
   * edges of the wiring graph added for every shared type as it registers (the types are
   * declared by the features that own them, so these edges are not in a static table).
   */
  private followFlags(type: RbacObjectType): void {
    const resource = this.app.registry.resources.get(type.collection);
    if (!resource) return;
    const flags = this.app.rbac.flagsOf(type, resource);
    const names = flags.map((f) => f.attribute).join(', ') || 'no flags';
    const wiring = this.app.wiring;
    wiring.add('rbac', react(type.collection, 'afterCreate', `a * ${type.type} grant for each flag set (${names})`, async (op) => {
      for (const flag of flags) if (op.item[flag.attribute] === true) await this.insertGrant(op.trx, type, op.item, flag.action);
    }));
    wiring.add('rbac', veto(type.collection, 'beforeUpdate', `flags (${names}) follow their * grants; withdrawing one in use is refused`, async (op) => {
      const changes = changesOf(op);
      for (const flag of flags) {
        if (!changes || !(flag.attribute in changes)) continue;
        if (changes[flag.attribute] === true) await this.setFlag(op.trx, type, op.item, flag);
        else await this.clearFlag(op.trx, type, op.item, flag);
      }
    }));
    for (const flag of flags) {
      if (flag.anyTarget) continue;
      wiring.add('rbac', filter(type.collection, flag.attribute, 'as the caller sees it (shared with its project or everyone)', (q, values, ctx) => filterGranted(q, `${resource.table}.id`, type.type, flag.action, values, ctx)));
    }
    wiring.add('rbac', react(type.collection, 'beforeDelete', `delete the object's ${type.type} RBAC policies`, async (op) => {
      const deleted = await op.trx.deleteFrom('rbac_policies').where('object_type', '=', type.type).where('object_id', '=', op.item.id).returning(this.app.feed.stateColumns('rbac_policies')).execute();
      this.app.feed.recordDeletedRows(op.trx, 'rbac_policies', deleted); // change feed
    }, [referencedBy('rbac_policies', 'object_id', { object_type: type.type })]));
  }

  private async insertGrant(trx: Tx, type: RbacObjectType, object: Item, action: string): Promise<void> {
    const id = randomUUID();
    await trx
      .insertInto('rbac_policies')
      .values({ id, project_id: object.project_id, object_type: type.type, object_id: object.id, action, target_project: WILDCARD })
      .execute();
    this.app.feed.record(trx, 'rbac_policies', id, 'created', undefined, this.app.feed.rowState('rbac_policies', { id, project_id: object.project_id })); // change feed
  }

  private async setFlag(trx: Tx, type: RbacObjectType, object: Item, flag: RbacFlag): Promise<void> {
    const grants = await this.findGrants(trx, type.type, object.id, flag.action);
    if (!grants.some((g) => g.target_project === WILDCARD)) await this.insertGrant(trx, type, object, flag.action);
  }

  /** Clearing a flag withdraws its `*` grant (all grants of the action for anyTarget flags), unless that cuts a user off. */
  private async clearFlag(trx: Tx, type: RbacObjectType, object: Item, flag: RbacFlag): Promise<void> {
    const grants = (await this.findGrants(trx, type.type, object.id, flag.action)).filter((g) => flag.anyTarget || g.target_project === WILDCARD);
    for (const grant of grants) {
      await this.refuseCuttingOff(trx, type, object, grant, undefined, () => (flag.inUse ?? sharingInUse)(object));
      this.app.feed.recordDeletedRows(trx, 'rbac_policies', [grant]); // change feed
      await trx.deleteFrom('rbac_policies').where('id', '=', grant.id).execute();
    }
  }

  /** Stores each flag as the grants now say, and counts the change as a change of the object (revision). */
  private async syncFlags(trx: Tx, type: RbacObjectType, objectId: string, excludingGrant?: string): Promise<void> {
    const service = this.app.services.get(type.collection)!;
    const grants = (await this.findGrants(trx, type.type, objectId)).filter((g) => g.id !== excludingGrant);
    const row: Record<string, unknown> = {};
    for (const flag of this.app.rbac.flagsOf(type, service.resource)) {
      const def = service.resource.attributes[flag.attribute];
      if (storageOf(def) !== 'column') continue; // computed flags are rendered from the grants
      const set = grants.some((g) => g.action === flag.action && (flag.anyTarget || g.target_project === WILDCARD));
      row[columnOf(flag.attribute, def)] = toDb(this.app.database.dialect, def, set);
    }
    if (Object.keys(row).length) await trx.updateTable(service.resource.table).set(row).where('id', '=', objectId).execute();
    await service.touch(trx, objectId);
  }
}

/** Subnet pools: shared (access_as_shared); projects with subnets allocated from a pool depend on it. */
function subnetPoolType(): RbacObjectType {
  return {
    type: 'subnetpool',
    collection: 'subnetpools',
    actions: ['access_as_shared'],
    usersOf: async (trx, poolId) => {
      const rows = await trx.selectFrom('subnets').select('project_id').distinct().where('subnetpool_id', '=', poolId).execute();
      return rows.map((r: { project_id: string | null }) => r.project_id).filter((p): p is string => !!p);
    },
  };
}

/**
 * A list filter on a sharing flag as ctx sees it: `true` keeps rows whose object (the id in
 * column) is granted by action to ctx's project or everyone, `false` the others.
 */
function filterGranted(q: Query, column: string, objectType: string, action: string, values: unknown[], ctx: RequestContext): Query {
  const wanted = new Set(values.map((v) => (typeof v === 'boolean' ? v : toBoolean(v))));
  if (wanted.has(undefined)) throw badRequest(`Invalid input for shared. Reason: '${values.join(', ')}' cannot be converted to boolean.`);
  if (wanted.size > 1) return q;
  const granted = (eb: any) => eb(column, 'in', grantedObjects(eb, objectType, ctx.projectId, [action]));
  return q.where((eb: any) => (wanted.has(true) ? granted(eb) : eb.not(granted(eb))));
}

/**
 * Networks: shared (access_as_shared) and external (access_as_external). Other projects'
 * ports and subnets depend on sharing, their router gateways and floating IPs on external access.
 */
function networkType(app: ServiceDeps): RbacObjectType {
  const flags: RbacFlag[] = [{ attribute: 'shared', action: 'access_as_shared' }];
  if ('router:external' in app.registry.resource('networks').attributes) {
    flags.push({
      attribute: 'router:external',
      action: 'access_as_external',
      anyTarget: true,
      inUse: (net) => conflict('ExternalNetworkInUse', `External network ${net.id} cannot be updated to be made non-external, since it has existing gateway ports.`),
    });
  }
  return {
    type: 'network',
    collection: 'networks',
    actions: ['access_as_shared', 'access_as_external'],
    flags,
    usersOf: async (trx, networkId, action) => {
      // Sharing: ports and subnets on the network; external: router gateways and floating IPs.
      const uses: [string, string, string][] =
        action === 'access_as_shared'
          ? [['ports', 'network_id', 'ports'], ['subnets', 'network_id', 'subnets']]
          : [['routers', 'gw_network_id', 'routers'], ['floatingips', 'floating_network_id', 'floatingips']];
      const projects = new Set<string>();
      for (const [table, column, collection] of uses) {
        if (!app.registry.resources.has(collection)) continue;
        const rows = await trx.selectFrom(table).select('project_id').distinct().where(column, '=', networkId).execute();
        for (const r of rows) if (r.project_id) projects.add(r.project_id);
      }
      return [...projects];
    },
  };
}
