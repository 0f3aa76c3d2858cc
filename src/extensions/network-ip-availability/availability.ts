// Network IP availability (Neutron's network-ip-availability): per network and per
// subnet, how many addresses the allocation pools hold and how many are allocated.
import type { Tx } from '../../db/index.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { notFound } from '../../foundation/errors.ts';
import type { ServiceDeps } from '../../framework/deps.ts';
import { poolSize, type Pool } from '../ipam/pools.ts';

export interface SubnetAvailability {
  subnet_id: string;
  subnet_name: string;
  cidr: string;
  ip_version: number;
  total_ips: number;
  used_ips: number;
}

export interface NetworkAvailability {
  network_id: string;
  network_name: string;
  project_id: string | null;
  tenant_id: string | null;
  total_ips: number;
  used_ips: number;
  subnet_ip_availability: SubnetAvailability[];
}

export interface AvailabilityFilters {
  network_id?: string[];
  network_name?: string[];
  project_id?: string[];
  ip_version?: number[];
}

/** Availability of the networks matching filters (a network without matching subnets is still listed). */
async function networkAvailability(q: Tx, filters: AvailabilityFilters): Promise<NetworkAvailability[]> {
  let nets = q.selectFrom('networks').select(['id', 'name', 'project_id']).orderBy('id');
  if (filters.network_id) nets = nets.where('id', 'in', filters.network_id);
  if (filters.network_name) nets = nets.where('name', 'in', filters.network_name);
  if (filters.project_id) nets = nets.where('project_id', 'in', filters.project_id);
  const networks = await nets.execute();
  if (networks.length === 0) return [];
  const ids = networks.map((n: { id: string }) => n.id);
  const out = new Map<string, NetworkAvailability>(
    networks.map((n: { id: string; name: string; project_id: string | null }) => [
      n.id,
      { network_id: n.id, network_name: n.name, project_id: n.project_id, tenant_id: n.project_id, total_ips: 0, used_ips: 0, subnet_ip_availability: [] },
    ]),
  );
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    let subnets = q.selectFrom('subnets').select(['id', 'name', 'network_id', 'cidr', 'ip_version', 'allocation_pools']).where('network_id', 'in', chunk).orderBy('created_at');
    if (filters.ip_version) subnets = subnets.where('ip_version', 'in', filters.ip_version);
    const used = await q
      .selectFrom('ipallocations')
      .select((eb: any) => ['subnet_id', eb.fn.countAll().as('n')])
      .where('network_id', 'in', chunk)
      .groupBy('subnet_id')
      .execute();
    const usedBySubnet = new Map((used as unknown as { subnet_id: string; n: number | string }[]).map((u) => [u.subnet_id, Number(u.n)]));
    for (const s of await subnets.execute()) {
      const entry: SubnetAvailability = {
        subnet_id: s.id,
        subnet_name: s.name,
        cidr: s.cidr,
        ip_version: Number(s.ip_version),
        total_ips: Number(poolSize(JSON.parse(s.allocation_pools) as Pool[])),
        used_ips: usedBySubnet.get(s.id) ?? 0,
      };
      const net = out.get(s.network_id)!;
      net.subnet_ip_availability.push(entry);
      net.total_ips += entry.total_ips;
      net.used_ips += entry.used_ips;
    }
  }
  return [...out.values()];
}

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    networkIpAvailability?: NetworkIpAvailabilityService;
  }
}

/** The API's behaviour: availability a caller may see (`get_network_ip_availability`, admin by default). */
export class NetworkIpAvailabilityService {
  constructor(private readonly app: ServiceDeps) {}

  private allowed(ctx: RequestContext, a: NetworkAvailability): boolean {
    return this.app.policy.enforce(ctx, 'get_network_ip_availability', { project_id: a.project_id, tenant_id: a.project_id });
  }

  async list(ctx: RequestContext, filters: AvailabilityFilters): Promise<NetworkAvailability[]> {
    return (await networkAvailability(this.app.database.db, filters)).filter((a) => this.allowed(ctx, a));
  }

  /** One network's availability; 404 NetworkNotFound when it does not exist or ctx may not see it. */
  async show(ctx: RequestContext, networkId: string): Promise<NetworkAvailability> {
    const [found] = await networkAvailability(this.app.database.db, { network_id: [networkId] });
    if (!found || !this.allowed(ctx, found)) throw notFound('network', networkId);
    return found;
  }
}
