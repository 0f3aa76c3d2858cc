// Flavors and service profiles (admin-managed; every caller reads flavors), the
// flavor ↔ service profile associations, and routers' flavor (l3-flavors): a router's
// flavor exists, is enabled and is an L3 one; a flavor routers use is in use.
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { conflict, invalidInput, NeutronError, notAuthorized } from '../../foundation/errors.ts';
import type { Tx } from '../../db/index.ts';
import { ResourceService, type Item } from '../../framework/resource-service.ts';
import type { CreateOp, DeleteOp, Operation, UpdateOp } from '../../framework/operation.ts';
import type { Query } from '../../framework/repository.ts';

const L3 = 'L3_ROUTER_NAT';
/** The drivers a service profile can name: the L3 plugin's single-node router driver (as GET /service-providers lists). */
const DRIVERS = ['neutron.services.l3_router.service_providers.single_node.SingleNodeDriver'];

const flavorNotFound = (id: string) => new NeutronError(404, 'FlavorNotFound', `Flavor ${id} could not be found.`);
const profileNotFound = (id: string) => new NeutronError(404, 'ServiceProfileNotFound', `Service Profile ${id} could not be found.`);

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    flavors?: FlavorService;
    serviceProfiles?: ServiceProfileService;
  }
}

export class FlavorService extends ResourceService {
  constructor(app: ServiceDeps) {
    super(app, 'flavors');
  }

  /** Wiring (routers beforeCreate), l3-flavors: a router's flavor exists, is an L3 one and is enabled. */
  async checkRouter(op: Operation): Promise<void> {
    if (op.item.flavor_id) await this.checkRouterFlavor(op.trx, op.item.flavor_id);
  }

  protected override notFound(id: string): NeutronError {
    return flavorNotFound(id);
  }

  /** Service types this deployment serves (a flavor names one). */
  private serviceTypes(): string[] {
    return this.app.registry.has('router') ? [L3] : [];
  }

  /** Flavors belong to no project: every caller lists them (get_flavor decides). */
  protected override scope(_ctx: RequestContext, q: Query): Query {
    return q;
  }

  protected override async beforeCreate(op: CreateOp): Promise<void> {
    const { trx, item } = op;
    if (!this.serviceTypes().includes(item.service_type)) throw new NeutronError(400, 'InvalidFlavorServiceType', `Invalid service type ${item.service_type}.`);
    await this.checkProfiles(trx, item.service_profiles ?? []);
  }

  protected override async afterCreate(op: CreateOp): Promise<void> {
    await this.bind(op.trx, op.item.id, op.item.service_profiles ?? []);
  }

  protected override async beforeUpdate(op: UpdateOp): Promise<void> {
    const { trx, current, changes } = op;
    if (!('service_profiles' in changes)) return;
    const ids = [...new Set((changes.service_profiles ?? []) as string[])];
    await this.checkProfiles(trx, ids);
    await trx.deleteFrom('flavor_service_profiles').where('flavor_id', '=', current.id).execute();
    await this.bind(trx, current.id, ids);
  }

  protected override async beforeDelete(op: DeleteOp): Promise<void> {
    const { trx, item: current } = op;
    if (this.app.registry.has('l3-flavors')) {
      const router = await trx.selectFrom('routers').select('id').where('flavor_id', '=', current.id).executeTakeFirst();
      if (router) throw conflict('FlavorInUse', `Flavor ${current.id} is used by some service instance.`);
    }
    await trx.deleteFrom('flavor_service_profiles').where('flavor_id', '=', current.id).execute();
  }

  private async checkProfiles(trx: Tx, ids: string[]): Promise<void> {
    if (!ids.length) return;
    const found = new Set((await trx.selectFrom('service_profiles').select('id').where('id', 'in', ids).execute()).map((r: { id: string }) => r.id));
    const missing = ids.find((id) => !found.has(id));
    if (missing) throw profileNotFound(missing);
  }

  private async bind(trx: Tx, flavorId: string, ids: string[]): Promise<void> {
    const unique = [...new Set(ids)];
    if (unique.length) await trx.insertInto('flavor_service_profiles').values(unique.map((id) => ({ flavor_id: flavorId, service_profile_id: id }))).execute();
  }

  protected override async extend(q: Tx, _ctx: RequestContext, items: Item[]): Promise<void> {
    const byFlavor = new Map<string, string[]>();
    const ids = items.map((f) => f.id);
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await q.selectFrom('flavor_service_profiles').select(['flavor_id', 'service_profile_id']).where('flavor_id', 'in', ids.slice(i, i + 500)).orderBy('service_profile_id').execute();
      for (const r of rows) byFlavor.set(r.flavor_id, [...(byFlavor.get(r.flavor_id) ?? []), r.service_profile_id]);
    }
    for (const f of items) f.service_profiles = byFlavor.get(f.id) ?? [];
  }

  /** A router's flavor: exists (404), is an L3 flavor (400) and is enabled (503 FlavorDisabled, as Neutron). */
  private async checkRouterFlavor(trx: Tx, flavorId: string): Promise<void> {
    const flavor = await this.repo.findById(trx, flavorId);
    if (!flavor) throw flavorNotFound(flavorId);
    if (flavor.service_type !== L3) throw invalidInput(`Flavor ${flavorId} is not a router flavor (service type ${flavor.service_type}).`);
    if (!flavor.enabled) throw new NeutronError(503, 'FlavorDisabled', 'Flavor is not enabled.');
  }

  // ------------------------------------------------------------------ associations

  /** POST /v2.0/flavors/{id}/service_profiles {"service_profile": {"id": ...}}. */
  async associate(ctx: RequestContext, flavorId: string, body: unknown): Promise<{ service_profile: { id: string } }> {
    const profile = (body as { service_profile?: { id?: unknown } } | null)?.service_profile;
    if (!profile || typeof profile !== 'object' || typeof profile.id !== 'string') throw invalidInput("Unable to find 'service_profile' with an 'id' in request body");
    const profileId = profile.id;
    if (!this.app.policy.enforce(ctx, 'create_flavor_service_profile', {})) throw notAuthorized('create_flavor_service_profile');
    return this.app.transact(async (trx) => {
      await this.app.database.lock(trx, 'flavors', 'id', flavorId);
      await this.getVisible(trx, ctx, flavorId);
      await this.checkProfiles(trx, [profileId]);
      const existing = await trx.selectFrom('flavor_service_profiles').select('flavor_id').where('flavor_id', '=', flavorId).where('service_profile_id', '=', profileId).executeTakeFirst();
      if (existing) throw conflict('FlavorServiceProfileBindingExists', `Service Profile ${profileId} is already associated with flavor ${flavorId}.`);
      await this.bind(trx, flavorId, [profileId]);
      return { service_profile: { id: profileId } };
    });
  }

  /** DELETE /v2.0/flavors/{id}/service_profiles/{profile_id}. */
  async disassociate(ctx: RequestContext, flavorId: string, profileId: string): Promise<void> {
    if (!this.app.policy.enforce(ctx, 'delete_flavor_service_profile', {})) throw notAuthorized('delete_flavor_service_profile');
    await this.app.transact(async (trx) => {
      await this.app.database.lock(trx, 'flavors', 'id', flavorId);
      await this.getVisible(trx, ctx, flavorId);
      const removed = await trx.deleteFrom('flavor_service_profiles').where('flavor_id', '=', flavorId).where('service_profile_id', '=', profileId).executeTakeFirst();
      if (!Number(removed.numDeletedRows)) {
        throw new NeutronError(404, 'FlavorServiceProfileBindingNotFound', `Service Profile ${profileId} is not associated with flavor ${flavorId}.`);
      }
    });
  }
}

export class ServiceProfileService extends ResourceService {
  constructor(app: ServiceDeps) {
    super(app, 'service_profiles');
  }

  protected override notFound(id: string): NeutronError {
    return profileNotFound(id);
  }

  protected override scope(_ctx: RequestContext, q: Query): Query {
    return q;
  }

  private check(profile: Item): void {
    if (!profile.driver && !profile.metainfo) throw new NeutronError(400, 'ServiceProfileEmpty', 'Service Profile needs either a driver or metainfo.');
    if (profile.driver && !DRIVERS.includes(profile.driver)) throw new NeutronError(404, 'ServiceProfileDriverNotFound', `Service Profile driver ${profile.driver} could not be found.`);
  }

  protected override async beforeCreate(op: CreateOp): Promise<void> {
    this.check(op.item);
  }

  protected override async beforeUpdate(op: UpdateOp): Promise<void> {
    this.check(op.item);
  }

  protected override async beforeDelete(op: DeleteOp): Promise<void> {
    const { trx, item: current } = op;
    const used = await trx.selectFrom('flavor_service_profiles').select('flavor_id').where('service_profile_id', '=', current.id).executeTakeFirst();
    if (used) throw conflict('ServiceProfileInUse', `Service Profile ${current.id} is used by some service instance.`);
  }
}
