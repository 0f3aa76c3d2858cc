// Address groups: sets of CIDRs (stored normalized to their network address) that rules
// reference as remote_address_group_id; members change only through the add_addresses
// and remove_addresses actions; a group in use by rules cannot be deleted.
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import type { Tx } from '../../db/index.ts';
import { badRequest } from '../../foundation/errors.ts';
import { display, invalidAttr } from '../../foundation/validation.ts';
import { ResourceService, type Item } from '../../framework/resource-service.ts';
import type { CreateOp, DeleteOp } from '../../framework/operation.ts';
import { convertIpPrefix } from './rule-values.ts';
import { grantsTo } from '../../framework/rbac/access.ts';
import { addressesAlreadyExist, addressesNotFound, addressGroupInUse, addressGroupNotFound } from './errors.ts';

/** Neutron's type:subnet_list element check, then the network form (10.0.0.1/24 → 10.0.0.0/24). */
function normalizeAddress(value: unknown): string {
  const reason = `'${display(value)}' is not a valid IP subnet`;
  if (typeof value !== 'string') throw invalidAttr('addresses', reason);
  let cidr;
  try {
    cidr = convertIpPrefix(value);
  } catch {
    throw invalidAttr('addresses', reason);
  }
  if (!cidr) throw invalidAttr('addresses', reason);
  if (!value.includes('/')) throw invalidAttr('addresses', `'${value}' isn't a recognized IP subnet cidr, '${cidr.normalized}' is recommended`);
  return cidr.normalized;
}

function normalizeAddresses(values: unknown): string[] {
  if (!Array.isArray(values)) throw invalidAttr('addresses', `'${JSON.stringify(values)}' is not a list`);
  return [...new Set(values.map(normalizeAddress))];
}

export class AddressGroupService extends ResourceService {
  constructor(app: ServiceDeps) {
    super(app, 'address_groups');
    if (app.registry.has('rbac-address-group')) {
      app.rbac.register({
        type: 'address_group',
        collection: 'address_groups',
        actions: ['access_as_shared'],
        // Projects whose rules reference the group: withdrawing their access is refused.
        usersOf: async (trx, id) => {
          const rows = await trx.selectFrom('security_group_rules').select('project_id').distinct().where('remote_address_group_id', '=', id).execute();
          return rows.map((r: { project_id: string }) => r.project_id);
        },
      });
    }
  }

  protected override notFound(id: string) {
    return addressGroupNotFound(id);
  }

  /** 404 unless projectId may reference the address group from its rules. */
  async checkUsable(q: Tx, ctx: RequestContext, id: string, projectId: string): Promise<void> {
    const group = await this.repo.findById(q, id);
    const usable = group && (ctx.isAdmin || group.project_id === projectId || !!(await grantsTo(q, 'address_group', [id], projectId, this.app.database.prepared)).get(id)?.has('access_as_shared'));
    if (!usable) throw addressGroupNotFound(id);
  }

  private async addressesOf(q: Tx, ids: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (ids.length === 0) return out;
    const rows = await q.selectFrom('address_group_addresses').select(['address_group_id', 'address']).where('address_group_id', 'in', ids).orderBy('address').execute();
    for (const r of rows) out.set(r.address_group_id, [...(out.get(r.address_group_id) ?? []), r.address]);
    return out;
  }

  protected override async extend(q: Tx, _ctx: RequestContext, items: Item[]): Promise<void> {
    const byGroup = await this.addressesOf(q, items.map((i) => i.id));
    for (const item of items) item.addresses = byGroup.get(item.id) ?? [];
  }

  private async insertAddresses(trx: Tx, id: string, addresses: string[]): Promise<void> {
    if (addresses.length) await trx.insertInto('address_group_addresses').values(addresses.map((address) => ({ address_group_id: id, address }))).execute();
  }

  protected override async beforeCreate(op: CreateOp): Promise<void> {
    const { item } = op;
    item.addresses = item.addresses === null || item.addresses === undefined ? [] : normalizeAddresses(item.addresses);
  }

  protected override async afterCreate(op: CreateOp): Promise<void> {
    const { trx, item } = op;
    await this.insertAddresses(trx, item.id, item.addresses);
  }

  protected override async beforeDelete(op: DeleteOp): Promise<void> {
    const { trx, item: current } = op;
    const rule = await trx.selectFrom('security_group_rules').select('id').where('remote_address_group_id', '=', current.id).limit(1).executeTakeFirst();
    if (rule) throw addressGroupInUse(current.id);
  }

  /** PUT /address-groups/{id}/add_addresses {"addresses": [...]}: all must be new. */
  async addAddresses(ctx: RequestContext, id: string, body: unknown): Promise<{ address_group: Item }> {
    return this.changeAddresses(ctx, id, body, async (trx, requested, current) => {
      const present = requested.filter((a) => current.includes(a));
      if (present.length) throw addressesAlreadyExist(present, id);
      await this.insertAddresses(trx, id, requested);
    });
  }

  /** PUT /address-groups/{id}/remove_addresses {"addresses": [...]}: all must be members. */
  async removeAddresses(ctx: RequestContext, id: string, body: unknown): Promise<{ address_group: Item }> {
    return this.changeAddresses(ctx, id, body, async (trx, requested, current) => {
      const absent = requested.filter((a) => !current.includes(a));
      if (absent.length) throw addressesNotFound(absent, id);
      await trx.deleteFrom('address_group_addresses').where('address_group_id', '=', id).where('address', 'in', requested).execute();
    });
  }

  private async changeAddresses(
    ctx: RequestContext,
    id: string,
    body: unknown,
    change: (trx: Transaction<any>, requested: string[], current: string[]) => Promise<void>,
  ): Promise<{ address_group: Item }> {
    const addresses = (body as Record<string, unknown> | null)?.addresses;
    if (addresses === undefined) throw badRequest(`Unrecognized action`);
    const requested = normalizeAddresses(addresses);
    return this.app.transact(async (trx) => {
      await this.loadForChange(trx, ctx, id, 'update');
      const current = (await this.addressesOf(trx, [id])).get(id) ?? [];
      if (requested.length) await change(trx, requested, current);
      await this.touch(trx, id);
      const updated = await this.repo.findById(trx, id);
      await this.render(trx, ctx, [updated!]);
      this.app.queueEvent(trx, { resource: this.resource.collection, action: 'updated', id, body: updated!, context: ctx });
      return { address_group: updated! };
    });
  }
}
