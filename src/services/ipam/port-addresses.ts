// Which addresses a port gets: the fixed_ips a client asks for (by subnet, by address, by
// both), or Neutron's automatic choice (one IPv4 address, one stateful IPv6 address and an
// EUI-64 address on every SLAAC / DHCPv6-stateless subnet), and the changes when a port's
// fixed_ips are updated (kept, released, added: all in the caller's transaction).
import type { Tx } from '../../db/index.ts';
import { badRequest, invalidInput, notFound } from '../../api/errors.ts';
import { isIp, isUuid } from '../../api/validation.ts';
import { canonicalIp, cidrContains, eui64, ipToBig, parseCidr, rangeOf, versionOf, type Cidr, type IpVersion } from './address.ts';
import { AddressAllocator } from './allocator.ts';
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
  parsed: Cidr;
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

  /** The network's subnets in creation order, with what IPAM needs. */
  async subnetsOf(trx: Tx, networkId: string): Promise<PortSubnet[]> {
    const rows = await trx
      .selectFrom('subnets')
      .select(['id', 'network_id', 'ip_version', 'cidr', 'allocation_pools', 'ipv6_address_mode', 'service_types', 'enable_dhcp'])
      .where('network_id', '=', networkId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((r: Record<string, any>) => ({
      id: r.id,
      network_id: r.network_id,
      ip_version: Number(r.ip_version) as IpVersion,
      cidr: r.cidr,
      allocation_pools: JSON.parse(r.allocation_pools),
      ipv6_address_mode: r.ipv6_address_mode,
      service_types: JSON.parse(r.service_types),
      enable_dhcp: r.enable_dhcp === true || r.enable_dhcp === 1,
      parsed: parseCidr(r.cidr),
    }));
  }

  /** Allocates a new port's addresses: the requested ones, or Neutron's automatic choice. */
  async allocate(trx: Tx, port: AddressedPort, requested: FixedIpRequest[] | undefined): Promise<FixedIp[]> {
    const subnets = await this.subnetsOf(trx, port.network_id);
    if (requested === undefined) return this.allocateAutomatic(trx, port, subnets);
    const out: FixedIp[] = [];
    for (const req of requested) out.push(await this.allocateRequested(trx, port, subnets, req));
    return [...out, ...(await this.autoAddresses(trx, port, subnets, out))];
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
    for (const req of toAdd) added.push(await this.allocateRequested(trx, port, subnets, req));
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

  private async allocateRequested(trx: Tx, port: AddressedPort, subnets: PortSubnet[], req: FixedIpRequest): Promise<FixedIp> {
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
      return this.claimSpecific(trx, port, subnet, eui64(subnet.parsed, port.mac_address));
    }
    if (req.ip_address) return this.claimSpecific(trx, port, subnet, req.ip_address);
    const ip = await this.allocator.claimAny(trx, subnet, port.id);
    if (!ip) throw ipAddressGenerationFailure(port.network_id);
    return { subnet_id: subnet.id, ip_address: ip };
  }

  private async claimSpecific(trx: Tx, port: AddressedPort, subnet: PortSubnet, ip: string): Promise<FixedIp> {
    if (!(await this.allocator.claim(trx, subnet, ip, port.id))) throw ipAddressInUse(port.network_id, ip);
    return { subnet_id: subnet.id, ip_address: ip };
  }

  /** Subnets automatic allocation may use for this owner (subnet-service-types). */
  private eligible(subnets: PortSubnet[], owner: string): PortSubnet[] {
    return subnets.filter((s) => s.service_types.length === 0 || s.service_types.includes(owner) || (owner === 'network:dhcp' && s.enable_dhcp));
  }

  private async allocateAutomatic(trx: Tx, port: AddressedPort, all: PortSubnet[]): Promise<FixedIp[]> {
    const subnets = this.eligible(all, port.device_owner);
    const out: FixedIp[] = [];
    const groups = [subnets.filter((s) => s.ip_version === 4), subnets.filter((s) => s.ip_version === 6 && !isAutoAddressSubnet(s))];
    for (const group of groups) {
      if (group.length === 0) continue;
      let ip: string | null = null;
      for (const subnet of group) {
        ip = await this.allocator.claimAny(trx, subnet, port.id);
        if (ip) {
          out.push({ subnet_id: subnet.id, ip_address: ip });
          break;
        }
      }
      if (!ip) throw ipAddressGenerationFailure(port.network_id);
    }
    return [...out, ...(await this.autoAddresses(trx, port, subnets, out))];
  }

  /** EUI-64 addresses on every automatic-address subnet not already addressed (not for router interfaces). */
  private async autoAddresses(trx: Tx, port: AddressedPort, subnets: PortSubnet[], have: FixedIp[]): Promise<FixedIp[]> {
    if (ROUTER_INTERFACE_OWNERS.includes(port.device_owner)) return [];
    const out: FixedIp[] = [];
    for (const s of subnets) {
      if (!isAutoAddressSubnet(s) || have.some((ip) => ip.subnet_id === s.id)) continue;
      out.push(await this.claimSpecific(trx, port, s, eui64(s.parsed, port.mac_address)));
    }
    return out;
  }
}
