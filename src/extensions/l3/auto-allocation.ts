// Auto-allocated topology ("get me a network"): for a project, a private network with
// subnets from the default subnet pools and a router to the default external network,
// built in one transaction (so a failure leaves nothing behind) and remembered per project.
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { NeutronError } from '../../foundation/errors.ts';
import type { Tx } from '../../db/index.ts';
import type { Item } from '../../framework/repository.ts';
import { changesOf, type Operation } from '../../framework/operation.ts';
import { autoAllocationFailure, defaultExternalNetworkExists } from './errors.ts';

interface Topology {
  project_id: string;
  network_id: string;
  router_id: string | null;
}

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    autoAllocator: AutoAllocator;
  }
}

export class AutoAllocator {
  constructor(private readonly app: ServiceDeps) {}

  /** Wiring (networks beforeCreate/beforeUpdate): only one external network may be the default. */
  async checkOneDefault(op: Operation): Promise<void> {
    if (!(changesOf(op) ?? op.item).is_default) return;
    await this.app.database.lockKey(op.trx, 'default-external-network');
    const others = (await this.app.services.networks.repo.findWhere(op.trx, { is_default: true })).filter((n) => n.id !== op.item.id);
    if (others.length) throw defaultExternalNetworkExists(others[0].id);
  }

  /** Wiring (networks beforeDelete): topologies built on the network are forgotten. */
  async forgetNetwork(op: Operation): Promise<void> {
    await op.trx.deleteFrom('auto_allocated_topologies').where('network_id', '=', op.item.id).execute();
  }

  /** The project a request is about: 'None' means the caller's; others' only for admins. */
  private projectFor(ctx: RequestContext, project: string): string {
    const id = project === 'None' ? ctx.projectId : project;
    if (!id || (!ctx.isAdmin && id !== ctx.projectId)) throw new NeutronError(403, 'NotAuthorized', 'Not authorized.');
    return id;
  }

  private async find(q: Tx, projectId: string): Promise<Topology | undefined> {
    return (await q.selectFrom('auto_allocated_topologies').selectAll().where('project_id', '=', projectId).executeTakeFirst()) as Topology | undefined;
  }

  private async defaultExternalNetwork(q: Tx): Promise<Item> {
    const [network] = await this.app.services.networks.repo.findWhere(q, { 'router:external': true, is_default: true });
    if (!network) throw autoAllocationFailure('No default router:external network');
    return network;
  }

  private async defaultPools(q: Tx): Promise<Item[]> {
    const pools = this.app.services.get('subnetpools');
    const found = pools ? await pools.repo.findWhere(q, { is_default: true }) : [];
    const byVersion = [4, 6].map((v) => found.find((p) => p.ip_version === v)).filter((p): p is Item => p !== undefined);
    if (!byVersion.length) throw autoAllocationFailure('No default subnetpools defined');
    return byVersion;
  }

  /** GET: the project's topology, built on first use; `dry-run` only checks the requirements. */
  async get(ctx: RequestContext, project: string, fields: string[]): Promise<Item> {
    const projectId = this.projectFor(ctx, project);
    if (fields.includes('dry-run')) {
      await this.defaultExternalNetwork(this.app.database.db);
      await this.defaultPools(this.app.database.db);
      return { id: 'dry-run=pass', tenant_id: projectId, project_id: projectId };
    }
    if (fields.length) throw new NeutronError(400, 'BadRequest', 'Bad auto_allocate request: Unrecognized field.');
    const networkId = await this.app.transact(async (trx) => {
      await this.app.database.lockKey(trx, `auto-allocated-topology:${projectId}`);
      const existing = await this.find(trx, projectId);
      if (existing) return existing.network_id;
      return this.build(trx, ctx, projectId);
    });
    return { id: networkId, tenant_id: projectId, project_id: projectId };
  }

  private async build(trx: Transaction<any>, ctx: RequestContext, projectId: string): Promise<string> {
    const external = await this.defaultExternalNetwork(trx);
    const pools = await this.defaultPools(trx);
    const { networks, routers } = this.app.services;
    const subnets = this.app.services.get('subnets')!;
    const network = await networks.createIn(trx, ctx, { name: 'auto_allocated_network', project_id: projectId, admin_state_up: true, shared: false }, { internal: true });
    const subnetIds: string[] = [];
    for (const pool of pools) {
      const subnet = await subnets.createIn(
        trx,
        ctx,
        { name: `auto_allocated_subnet_v${pool.ip_version}`, network_id: network.id, project_id: projectId, ip_version: pool.ip_version, subnetpool_id: pool.id },
        { internal: true },
      );
      subnetIds.push(subnet.id);
    }
    const router = await routers.createIn(trx, ctx, { name: 'auto_allocated_router', project_id: projectId, admin_state_up: true, external_gateway_info: { network_id: external.id } }, { internal: true });
    for (const subnetId of subnetIds) await routers.interfaces.add(trx, ctx, router.id, { subnet_id: subnetId });
    await trx.insertInto('auto_allocated_topologies').values({ project_id: projectId, network_id: network.id, router_id: router.id }).execute();
    return network.id;
  }

  /** DELETE: removes the project's topology (router, interfaces, network and subnets). */
  async delete(ctx: RequestContext, project: string): Promise<void> {
    const projectId = this.projectFor(ctx, project);
    await this.app.transact(async (trx) => {
      const topology = await this.find(trx, projectId);
      if (!topology) return;
      const { networks, routers } = this.app.services;
      if (topology.router_id) {
        for (const { subnet } of await routers.interfaces.connected(trx, topology.router_id)) {
          await routers.interfaces.remove(trx, ctx, topology.router_id, { subnet_id: subnet.id });
        }
        await routers.deleteIn(trx, ctx, topology.router_id, { internal: true });
      }
      await networks.deleteIn(trx, ctx, topology.network_id, { internal: true });
    });
  }
}
