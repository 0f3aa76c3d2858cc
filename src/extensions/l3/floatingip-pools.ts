// Floating IP pools (extension floatingip-pools): the IPv4 subnets of external networks
// the caller can allocate floating IPs from. GET /v2.0/floatingip_pools (routes.ts).
import type { RequestContext } from '../../foundation/context.ts';
import type { ServiceDeps } from '../../framework/deps.ts';

export interface FloatingIpPool {
  subnet_id: string;
  subnet_name: string;
  network_id: string;
  cidr: string;
  project_id: string;
  tenant_id: string;
}

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    floatingipPools?: FloatingIpPools;
  }
}

export class FloatingIpPools {
  constructor(private readonly app: ServiceDeps) {}

  async list(ctx: RequestContext): Promise<FloatingIpPool[]> {
    const db = this.app.database.db;
    const subnets = this.app.services.get('subnets');
    const externals = (await this.app.services.networks.repo.findWhere(db, { 'router:external': true })).map((n) => n.id);
    const pools = subnets && externals.length ? await subnets.repo.findWhere(db, { network_id: externals, ip_version: 4 }) : [];
    const visible: FloatingIpPool[] = [];
    for (const subnet of pools) {
      // External subnets are visible to everyone who may see their network.
      if (ctx.isAdmin || this.app.policy.enforce(ctx, 'get_network', { project_id: subnet.project_id, 'router:external': true })) {
        visible.push({ subnet_id: subnet.id, subnet_name: subnet.name, network_id: subnet.network_id, cidr: subnet.cidr, project_id: subnet.project_id, tenant_id: subnet.project_id });
      }
    }
    return visible;
  }
}
