// What the two L3 behaviour aliases enforce, as wiring vetoes on routers and ports:
// - router-admin-state-down-before-update: `distributed` changes only on a router that is
//   down before and after the request (so an active router is never migrated); `ha` as
//   Neutron's l3-ha checks it (down after the request).
// - l3-port-ip-change-not-allowed: no IPv4 address added to or removed from a router
//   interface port through the port API (IPv6 ones may change: a router port can hold
//   several IPv6 subnets of one network).
import ipaddr from 'ipaddr.js';
import { NeutronError } from '../../foundation/errors.ts';
import type { Operation } from '../../framework/operation.ts';
import type { ServiceLookup } from '../../framework/lookup.ts';
import type { Item } from '../../framework/repository.ts';

/** Neutron's IP_UPDATE_NOT_ALLOWED_LIST (the owners Neutrino gives router ports among them). */
const IP_FIXED_OWNERS = ['network:router_interface', 'network:ha_router_replicated_interface', 'network:router_centralized_snat', 'network:router_interface_distributed', 'network:router_ha_interface'];

interface FixedIp {
  subnet_id?: string;
  ip_address?: string;
}

const isV4 = (ip: string) => !ip.includes(':');
const canonical = (ip: string) => ipaddr.parse(ip).toString();

const activeRouter = (attribute: string) =>
  new NeutronError(400, 'BadRequest', `Bad router request: Cannot change ${attribute} of active routers. Please set router admin_state_up to False prior to upgrade.`);

/** Wiring (routers beforeUpdate): distributed and ha change only on a router that is down. */
export function checkRouterDown(op: Operation): void {
  if (op.kind !== 'update') return;
  const { current, changes, item } = op;
  const changed = (name: string) => name in changes && changes[name] !== null && Boolean(changes[name]) !== Boolean(current[name]);
  // The router is "up" when it was up before or will be after: it must be down already.
  if (changed('distributed') && (current.admin_state_up || item.admin_state_up)) throw activeRouter("the 'distributed' attribute");
  if (changed('ha') && item.admin_state_up) throw activeRouter('HA attribute');
}

/** Wiring (ports beforeUpdate): a router interface port keeps its IPv4 addresses (IPAddressChangeNotAllowed). */
export async function checkRouterPortIps(op: Operation, s: ServiceLookup): Promise<void> {
  if (op.kind !== 'update' || !('fixed_ips' in op.changes)) return;
  const port = op.current;
  if (!IP_FIXED_OWNERS.includes(port.device_owner) || !port.device_id) return;
  if (!(await s.routers.repo.findById(op.trx, port.device_id))) return; // not a Neutron router's port
  if (v4Changed(port.fixed_ips ?? [], op.changes.fixed_ips ?? [], await subnetVersions(op, s))) {
    throw new NeutronError(400, 'BadRequest', `Bad ports request: IP updates for port ${port.id} are not allowed.`);
  }
}

/** The IP version of the subnets requested by id alone. */
async function subnetVersions(op: Operation, s: ServiceLookup): Promise<Map<string, number>> {
  const requested = ((op.kind === 'update' ? op.changes.fixed_ips : []) ?? []) as FixedIp[];
  const ids = [...new Set(requested.filter((ip) => !ip.ip_address && ip.subnet_id).map((ip) => ip.subnet_id!))];
  const subnets = ids.length ? await s.get('subnets')!.repo.findWhere(op.trx, { id: ids }) : [];
  return new Map(subnets.map((subnet: Item) => [subnet.id, subnet.ip_version]));
}

/**
 * Whether the request adds or removes an IPv4 address, as Neutron's IPAM tells: an entry
 * naming a current address, or only the subnet of a current address, keeps it.
 */
function v4Changed(current: FixedIp[], requested: FixedIp[], versions: Map<string, number>): boolean {
  const kept = current.filter((ip) => isV4(ip.ip_address!));
  for (const entry of requested) {
    const index = entry.ip_address
      ? kept.findIndex((ip) => canonical(ip.ip_address!) === canonical(entry.ip_address!))
      : kept.findIndex((ip) => ip.subnet_id === entry.subnet_id);
    if (index >= 0) kept.splice(index, 1);
    else if (entry.ip_address ? isV4(entry.ip_address) : versions.get(entry.subnet_id!) === 4) return true; // an IPv4 address added
  }
  // What is left was not asked for again: removed.
  return kept.length > 0;
}
