// GET /v2.0/floatingip_pools: the IPv4 subnets of external networks the caller can
// allocate floating IPs from.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.ts';

export function registerFloatingIpPoolRoutes(server: FastifyInstance, app: App): void {
  if (!app.registry.has('floatingip-pools')) return;
  server.get('/v2.0/floatingip_pools', async (req) => {
    const db = app.database.db;
    const subnets = app.services.get('subnets');
    const externals = (await app.services.networks.repo.findWhere(db, { 'router:external': true })).map((n) => n.id);
    const pools = subnets && externals.length ? await subnets.repo.findWhere(db, { network_id: externals, ip_version: 4 }) : [];
    const visible = [];
    for (const subnet of pools) {
      // External subnets are visible to everyone who may see their network.
      if (req.ctx.isAdmin || app.policy.enforce(req.ctx, 'get_network', { project_id: subnet.project_id, 'router:external': true })) {
        visible.push({ subnet_id: subnet.id, subnet_name: subnet.name, network_id: subnet.network_id, cidr: subnet.cidr, project_id: subnet.project_id, tenant_id: subnet.project_id });
      }
    }
    return { floatingip_pools: visible };
  });
}
