// Which addresses a port gets: the fixed_ips a client asks for (by subnet, by address, by
// both), or Neutron's automatic choice (one IPv4 address, one stateful IPv6 address and an
// EUI-64 address on every SLAAC / DHCPv6-stateless subnet), and the changes when a port's
// fixed_ips are updated (kept, released, added: all in the caller's transaction).
import type { Tx } from '../../db/index.ts';
import { badRequest, invalidInput, notFound } from '../../foundation/errors.ts';
import { isIp, isUuid } from '../../foundation/validation.ts';
import { canonicalIp, cidrContains, eui64, ipToBig, parseCidr, rangeOf, versionOf, type Cidr, type IpVersion } from './address.ts';
import { AddressAllocator } from './allocator.ts';
import { PreparedQueries } from '../../db/prepared.ts';
import { ipamExhaustions } from '../../foundation/metrics.ts';
import type { Pool } from './pools.ts';
import { ipAddressGenerationFailure, ipAddressInUse, invalidIpForNetwork, invalidIpForSubnet } from './errors.ts';

export interface FixedIp {
  subnet_id: string;
  ip_address: string;
}

/** A requested fixed IP: subnet, address or both. */
export interface FixedIpRequest {
  subnet_id?: string;
  ip_address?: string;
}

export interface PortSubnet {
  id: string;
  network_id: string;
  ip_version: IpVersion;
  cidr: string;
  allocation_pools: Pool[];
  ipv6_address_mode: string | null;
  service_types: string[];
  enable_dhcp: boolean;
  /** The routed network's segment the subnet is on (null: not routed). */
  segment_id: string | null;
  parsed: Cidr;
}

/**
 * An address a port is to get: exactly `ip` (asked for, or EUI-64), or any free address of
 * `subnets` tried in order, `ip` being a first guess (null: no guess).
 */
export interface PlannedIp {
  subnets: PortSubnet[];
  ip: string | null;
  exact: boolean;
}

export interface AddressedPort {
  id: string;
  network_id: string;
  mac_address: string;
  device_owner: string;
}

const MAX_FIXED_IPS = 5;
export const ROUTER_INTERFACE_OWNERS = ['network:router_interface', 'network:router_interface_distributed', 'network:ha_router_replicated_interface'];
const ROUTER_PORT_OWNERS = [...ROUTER_INTERFACE_OWNERS, 'network:router_gateway', 'network:router_centralized_snat'];

/** SLAAC and DHCPv6-stateless subnets: hosts form their own (EUI-64) addresses. */
export const isAutoAddressSubnet = (s: { ip_version: number; ipv6_address_mode: string | null }) =>
  s.ip_version === 6 && (s.ipv6_address_mode === 'slaac' || s.ipv6_address_mode === 'dhcpv6-stateless');

/** Neutron's check_subnet_ip: in the CIDR, not the network address (IPv6: except for router ports), not the IPv4 broadcast. */
function validOnSubnet(subnet: PortSubnet, ip: string, owner: string): boolean {
  if (versionOf(ip) !== subnet.ip_version) return false;
  const n = ipToBig(ip);
  const c = subnet.parsed;
  if (!cidrContains(c, n)) return false;
  if (c.version === 6) return n !== c.network || ROUTER_PORT_OWNERS.includes(owner);
  return n !== c.network && n !== rangeOf(c).last;
}

/** Validates the fixed_ips attribute's shape (Neutron's validate_fixed_ips). */
export function parseFixedIpRequests(raw: unknown): FixedIpRequest[] {
  if (!Array.isArray(raw)) throw badRequest(`Invalid input for fixed_ips. Reason: '${JSON.stringify(raw)}' is not a list.`);
  const seen = new Set<string>();
  const out = raw.map((entry) => {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw badRequest(`Invalid input for fixed_ips. Reason: '${JSON.stringify(entry)}' is not a dictionary.`);
    const { subnet_id, ip_address, ...rest } = entry as Record<string, unknown>;
    if (Object.keys(rest).length) throw badRequest(`Invalid input for fixed_ips. Reason: Unrecognized attribute(s) '${Object.keys(rest).join(', ')}'.`);
    const req: FixedIpRequest = {};
    if (subnet_id !== undefined) {
      if (!isUuid(subnet_id)) throw badRequest(`Invalid input for fixed_ips. Reason: '${String(subnet_id)}' is not a valid UUID.`);
      req.subnet_id = subnet_id;
    }
    if (ip_address !== undefined) {
      if (!isIp(ip_address)) throw badRequest(`Invalid input for fixed_ips. Reason: '${String(ip_address)}' is not a valid IP address.`);
      req.ip_address = canonicalIp(ip_address);
      if (seen.has(req.ip_address)) throw badRequest(`Invalid input for fixed_ips. Reason: Duplicate IP address '${ip_address}'.`);
      seen.add(req.ip_address);
    }
    if (!req.subnet_id && !req.ip_address) throw badRequest(`Invalid input for fixed_ips. Reason: Neither subnet_id nor ip_address given.`);
    return req;
  });
  if (out.length > MAX_FIXED_IPS) throw invalidInput('Exceeded maximum amount of fixed ips per port.');
  return out;
}

export class PortAddresses {
  readonly allocator = new AddressAllocator();
  /** Statements every port write runs, compiled once (db/prepared.ts). */
  private readonly prepared = new PreparedQueries();

  /** The network's subnets in creation order, with what IPAM needs. */
  async subnetsOf(trx: Tx, networkId: string): Promise<PortSubnet[]> {
    const rows = await this.prepared.run(trx, 'subnetsOf', [networkId], (q, arg) =>
      q
        .selectFrom('subnets')
        .select(['id', 'network_id', 'ip_version', 'cidr', 'allocation_pools', 'ipv6_address_mode', 'service_types', 'enable_dhcp', 'segment_id'])
        .where('network_id', '=', arg(0))
        .orderBy('created_at')
        .orderBy('id'),
    );
    return rows.map((r: Record<string, any>) => ({
      id: r.id,
      network_id: r.network_id,
      ip_version: Number(r.ip_version) as IpVersion,
      cidr: r.cidr,
      allocation_pools: JSON.parse(r.allocation_pools),
      ipv6_address_mode: r.ipv6_address_mode,
      service_types: JSON.parse(r.service_types),
      enable_dhcp: r.enable_dhcp === true || r.enable_dhcp === 1,
      segment_id: r.segment_id ?? null,
      parsed: parseCidr(r.cidr),
    }));
  }

  /**
   * Which addresses a port gets (the requested ones, or Neutron's automatic choice),
   * validated but not yet claimed: the port row can be written with them before the
   * addresses (which reference it) are claimed.
   */
  async plan(trx: Tx, port: AddressedPort, requested: FixedIpRequest[] | undefined, automaticFrom?: ReadonlySet<string>, networkSubnets?: PortSubnet[]): Promise<PlannedIp[]> {
    // networkSubnets: subnetsOf(port.network_id) when the caller has read them in this transaction.
    const subnets = networkSubnets ?? (await this.subnetsOf(trx, port.network_id));
    // automaticFrom: on a routed network, the subnets of the segment the port's host reaches.
    if (requested === undefined) return this.planAutomatic(port, automaticFrom ? subnets.filter((s) => automaticFrom.has(s.id)) : subnets);
    const planned: PlannedIp[] = [];
    for (const req of requested) planned.push(await this.planRequested(trx, port, subnets, req));
    return [...planned, ...this.planAutoAddresses(port, subnets, planned)];
  }

  /** Claims planned addresses: a guess that was taken meanwhile gives way to any free address. */
  async claim(trx: Tx, port: AddressedPort, planned: PlannedIp[]): Promise<FixedIp[]> {
    const out: FixedIp[] = [];
    for (const p of planned) {
      if (p.ip !== null && (await this.allocator.claim(trx, p.subnets[0], p.ip, port.id))) {
        out.push({ subnet_id: p.subnets[0].id, ip_address: p.ip });
        continue;
      }
      if (p.exact) throw ipAddressInUse(port.network_id, p.ip!);
      let claimed: FixedIp | undefined;
      for (const subnet of p.subnets) {
        const ip = await this.allocator.claimAny(trx, subnet, port.id);
        if (ip) {
          claimed = { subnet_id: subnet.id, ip_address: ip };
          break;
        }
      }
      if (!claimed) {
        ipamExhaustions.inc();
        throw ipAddressGenerationFailure(port.network_id);
      }
      out.push(claimed);
    }
    return out;
  }

  /** The addresses planned, assuming every guess holds. */
  static guessed(planned: PlannedIp[]): FixedIp[] {
    return planned.filter((p) => p.ip !== null).map((p) => ({ subnet_id: p.subnets[0].id, ip_address: p.ip! }));
  }

  /**
   * Applies an update of fixed_ips: requests naming an address the port has, or a subnet it
   * has an address on, keep it; other current addresses are released (except automatic
   * IPv6 ones); the rest is allocated. Returns the port's new fixed_ips.
   */
  async update(trx: Tx, port: AddressedPort, current: FixedIp[], requested: FixedIpRequest[]): Promise<FixedIp[]> {
    const subnets = await this.subnetsOf(trx, port.network_id);
    const unclaimed = [...current];
    const kept: FixedIp[] = [];
    const toAdd: FixedIpRequest[] = [];
    const take = (pred: (ip: FixedIp) => boolean) => {
      const i = unclaimed.findIndex(pred);
      return i < 0 ? undefined : unclaimed.splice(i, 1)[0];
    };
    for (const req of requested.filter((r) => r.ip_address)) {
      const same = take((ip) => ip.ip_address === req.ip_address && (!req.subnet_id || ip.subnet_id === req.subnet_id));
      if (same) kept.push(same);
      else toAdd.push(req);
    }
    for (const req of requested.filter((r) => !r.ip_address)) {
      const same = take((ip) => ip.subnet_id === req.subnet_id);
      if (same) kept.push(same);
      else toAdd.push(req);
    }
    const byId = new Map(subnets.map((s) => [s.id, s]));
    const released = unclaimed.filter((ip) => {
      const s = byId.get(ip.subnet_id);
      return !s || !isAutoAddressSubnet(s) || ROUTER_INTERFACE_OWNERS.includes(port.device_owner);
    });
    kept.push(...unclaimed.filter((ip) => !released.includes(ip)));
    await this.allocator.release(trx, port.id, released);
    const added: FixedIp[] = [];
    for (const req of toAdd) added.push(...(await this.claim(trx, port, [await this.planRequested(trx, port, subnets, req)])));
    return [...kept, ...added];
  }

  /** After a MAC change, EUI-64 addresses follow the new MAC. */
  async renumberAuto(trx: Tx, port: AddressedPort, current: FixedIp[]): Promise<FixedIp[]> {
    const subnets = new Map((await this.subnetsOf(trx, port.network_id)).map((s) => [s.id, s]));
    const out: FixedIp[] = [];
    for (const ip of current) {
      const s = subnets.get(ip.subnet_id);
      if (!s || !isAutoAddressSubnet(s) || ROUTER_INTERFACE_OWNERS.includes(port.device_owner)) {
        out.push(ip);
        continue;
      }
      await this.allocator.release(trx, port.id, [ip]);
      out.push(await this.claimSpecific(trx, port, s, eui64(s.parsed, port.mac_address)));
    }
    return out;
  }

  private async planRequested(trx: Tx, port: AddressedPort, subnets: PortSubnet[], req: FixedIpRequest): Promise<PlannedIp> {
    let subnet: PortSubnet | undefined;
    if (req.subnet_id) {
      subnet = subnets.find((s) => s.id === req.subnet_id);
      if (!subnet) {
        const exists = await trx.selectFrom('subnets').select('id').where('id', '=', req.subnet_id).executeTakeFirst();
        if (!exists) throw notFound('subnet', req.subnet_id);
        throw invalidInput(`Failed to create port on network ${port.network_id}, because fixed_ips included invalid subnet ${req.subnet_id}`);
      }
      if (req.ip_address && !validOnSubnet(subnet, req.ip_address, port.device_owner)) throw invalidIpForSubnet(req.ip_address);
    } else {
      subnet = subnets.find((s) => validOnSubnet(s, req.ip_address!, port.device_owner));
      if (!subnet) throw invalidIpForNetwork(req.ip_address!);
    }
    const isRouter = ROUTER_INTERFACE_OWNERS.includes(port.device_owner);
    if (isAutoAddressSubnet(subnet) && !isRouter) {
      if (req.ip_address) {
        throw invalidInput(`IPv6 address ${req.ip_address} cannot be directly assigned to a port on subnet ${subnet.id} since the subnet is configured for automatic addresses`);
      }
      return { subnets: [subnet], ip: eui64(subnet.parsed, port.mac_address), exact: true };
    }
    if (req.ip_address) return { subnets: [subnet], ip: req.ip_address, exact: true };
    return { subnets: [subnet], ip: this.allocator.guess(subnet), exact: false };
  }

  private async claimSpecific(trx: Tx, port: AddressedPort, subnet: PortSubnet, ip: string): Promise<FixedIp> {
    if (!(await this.allocator.claim(trx, subnet, ip, port.id))) throw ipAddressInUse(port.network_id, ip);
    return { subnet_id: subnet.id, ip_address: ip };
  }

  /** Subnets automatic allocation may use for this owner (subnet-service-types). */
  private eligible(subnets: PortSubnet[], owner: string): PortSubnet[] {
    return subnets.filter((s) => s.service_types.length === 0 || s.service_types.includes(owner) || (owner === 'network:dhcp' && s.enable_dhcp));
  }

  /** One IPv4 and one stateful IPv6 address (each from the first of its subnets with room), and EUI-64 ones. */
  private planAutomatic(port: AddressedPort, all: PortSubnet[]): PlannedIp[] {
    const subnets = this.eligible(all, port.device_owner);
    const groups = [subnets.filter((s) => s.ip_version === 4), subnets.filter((s) => s.ip_version === 6 && !isAutoAddressSubnet(s))];
    const planned: PlannedIp[] = groups.filter((g) => g.length > 0).map((group) => ({ subnets: group, ip: this.allocator.guess(group[0]), exact: false }));
    return [...planned, ...this.planAutoAddresses(port, subnets, planned)];
  }

  /** EUI-64 addresses on every automatic-address subnet not already planned (not for router interfaces). */
  private planAutoAddresses(port: AddressedPort, subnets: PortSubnet[], planned: PlannedIp[]): PlannedIp[] {
    if (ROUTER_INTERFACE_OWNERS.includes(port.device_owner)) return [];
    return subnets
      .filter((s) => isAutoAddressSubnet(s) && !planned.some((p) => p.subnets.length === 1 && p.subnets[0].id === s.id))
      .map((s) => ({ subnets: [s], ip: eui64(s.parsed, port.mac_address), exact: true }));
  }
}
