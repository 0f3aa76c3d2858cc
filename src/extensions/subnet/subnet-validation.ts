// Validation of a subnet's addressing attributes, with Neutron's errors: CIDR, gateway,
// DNS name servers, host routes, IPv6 modes and service types.
import { badRequest, invalidInput, NeutronError } from '../../foundation/errors.ts';
import { checkCidr, isIp } from '../../foundation/validation.ts';
import { bigToIp, canonicalCidr, canonicalIp, cidrContains, formatCidr, ipToBig, parseCidr, rangeOf, versionOf, type Cidr } from '../ipam/address.ts';

const MAX_DNS_NAMESERVERS = 5;
const MAX_HOST_ROUTES = 20;
const SERVICE_TYPE_PREFIXES = ['network:', 'neutron:', 'compute:', 'baremetal:'];

const attrError = (name: string, reason: string) => badRequest(`Invalid input for ${name}. Reason: ${reason}.`);

/** A subnet CIDR in canonical form; host bits are refused as Neutron does. */
export function validateSubnetCidr(cidr: string, ipVersion: number): string {
  const parsed = parseCidr(cidr);
  const canonical = canonicalCidr(cidr);
  if (!cidr.includes('/') || parsed.host !== parsed.network) {
    throw invalidInput(`'${cidr}' isn't a recognized IP subnet cidr, '${canonical}' is recommended`);
  }
  checkIpVersion('cidr', cidr, ipVersion);
  if (parsed.version === 4 && parsed.prefixlen === 0) throw invalidInput(`'${cidr}' is not a valid IP subnet`);
  return canonical;
}

function checkIpVersion(attr: string, value: string, ipVersion: number): void {
  if (versionOf(value.split('/')[0]) !== ipVersion) throw invalidInput(`${attr} '${value}' does not match the ip_version '${ipVersion}'`);
}

/** Neutron's default gateway: the first address after the network address, when the CIDR has one. */
export function defaultGateway(cidr: Cidr): string | null {
  const r = rangeOf(cidr);
  const first = cidr.network + 1n;
  if (first > r.last || (cidr.version === 4 && first === r.last)) return null;
  return bigToIp(first, cidr.version);
}

/** A gateway may lie outside the CIDR (Neutron allows it) but not be its network or IPv4 broadcast address. */
export function validateGateway(gateway: string, cidr: Cidr, ipVersion: number): string {
  checkIpVersion('gateway_ip', gateway, ipVersion);
  const ip = ipToBig(gateway);
  if (cidrContains(cidr, ip) && cidr.version === 4 && (ip === cidr.network || ip === rangeOf(cidr).last)) {
    throw invalidInput('Gateway is not valid on subnet');
  }
  return canonicalIp(gateway);
}

export function validateNameservers(raw: unknown, subnetId = ''): string[] {
  if (!Array.isArray(raw)) throw attrError('dns_nameservers', `'${JSON.stringify(raw)}' is not a list`);
  const seen = new Set<string>();
  for (const ns of raw) {
    if (!isIp(ns)) throw attrError('dns_nameservers', `'${String(ns)}' is not a valid nameserver`);
    if (seen.has(canonicalIp(ns))) throw attrError('dns_nameservers', `Duplicate nameserver '${ns}'`);
    seen.add(canonicalIp(ns));
  }
  if (raw.length > MAX_DNS_NAMESERVERS) {
    throw new NeutronError(400, 'DNSNameServersExhausted', `Unable to complete operation for ${subnetId}. The number of DNS nameservers exceeds the limit ${MAX_DNS_NAMESERVERS}.`);
  }
  return raw as string[];
}

export function validateHostRoutes(raw: unknown, ipVersion: number, subnetId = ''): { destination: string; nexthop: string }[] {
  if (!Array.isArray(raw)) throw attrError('host_routes', `'${JSON.stringify(raw)}' is not a list`);
  const seen = new Set<string>();
  const routes = raw.map((r) => {
    if (!r || typeof r !== 'object' || Array.isArray(r)) throw attrError('host_routes', `'${JSON.stringify(r)}' is not a dictionary`);
    const { destination, nexthop, ...rest } = r as Record<string, unknown>;
    if (Object.keys(rest).length || destination === undefined || nexthop === undefined) {
      throw attrError('host_routes', `Validation of dictionary's keys failed. Expected keys: {'destination', 'nexthop'} Provided keys: ${JSON.stringify(Object.keys(r))}`);
    }
    const bad = checkCidr(destination);
    if (bad || !String(destination).includes('/')) throw attrError('host_routes', bad ?? `'${String(destination)}' is not a valid IP subnet`);
    if (!isIp(nexthop)) throw attrError('host_routes', `'${String(nexthop)}' is not a valid IP address`);
    checkIpVersion('destination', destination as string, ipVersion);
    checkIpVersion('nexthop', nexthop, ipVersion);
    const route = { destination: canonicalCidr(destination as string), nexthop: canonicalIp(nexthop) };
    const key = `${route.destination}|${route.nexthop}`;
    if (seen.has(key)) throw attrError('host_routes', `Duplicate hostroute '${JSON.stringify(r)}'`);
    seen.add(key);
    return route;
  });
  if (routes.length > MAX_HOST_ROUTES) {
    throw new NeutronError(400, 'HostRoutesExhausted', `Unable to complete operation for ${subnetId}. The number of host routes exceeds the limit ${MAX_HOST_ROUTES}.`);
  }
  return routes;
}

export interface Ipv6Modes {
  ip_version: number;
  cidr: Cidr;
  enable_dhcp: boolean;
  ipv6_ra_mode: string | null;
  ipv6_address_mode: string | null;
}

/** Neutron's valid IPv6 mode combinations. */
export function validateIpv6Modes(s: Ipv6Modes): void {
  const ra = s.ipv6_ra_mode;
  const addr = s.ipv6_address_mode;
  if (ra === null && addr === null) return;
  if (s.ip_version !== 6) throw invalidInput('ipv6_ra_mode and ipv6_address_mode are only valid for IPv6 subnets');
  if (!s.enable_dhcp) throw invalidInput('ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False.');
  if (ra !== null && addr !== null && ra !== addr) {
    throw invalidInput(`ipv6_ra_mode set to '${ra}' with ipv6_address_mode set to '${addr}' is not valid. If both attributes are set, they must be the same value`);
  }
  if ((addr === 'slaac' || addr === 'dhcpv6-stateless') && s.cidr.prefixlen !== 64) {
    throw invalidInput(`Invalid CIDR ${formatCidr(s.cidr)} for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64`);
  }
}

export function validateServiceTypes(raw: unknown): string[] {
  if (!Array.isArray(raw)) throw attrError('service_types', `'${JSON.stringify(raw)}' is not a list`);
  for (const t of raw) {
    if (typeof t !== 'string' || !SERVICE_TYPE_PREFIXES.some((p) => t.startsWith(p))) {
      throw new NeutronError(400, 'InvalidSubnetServiceType', `Subnet service type ${String(t)} does not correspond to a valid device owner.`);
    }
  }
  return [...new Set(raw as string[])];
}
