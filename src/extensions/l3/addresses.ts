// Address arithmetic L3 needs: which subnet holds an IP, whether two CIDRs overlap.
import ipaddr from 'ipaddr.js';

export const ipVersion = (address: string): 4 | 6 => (address.includes(':') ? 6 : 4);

/** Parsed CIDRs by text: a router's add_interface compares the new subnet with every connected one. */
const parsed = new Map<string, [ipaddr.IPv4 | ipaddr.IPv6, number]>();

function parseCidr(cidr: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  let result = parsed.get(cidr);
  if (!result) {
    result = cidr.includes('/') ? ipaddr.parseCIDR(cidr) : [ipaddr.parse(cidr), ipVersion(cidr) === 4 ? 32 : 128];
    if (parsed.size >= 10_000) parsed.clear();
    parsed.set(cidr, result);
  }
  return result;
}

/** True when ip lies inside cidr (same address family). */
export function cidrContains(cidr: string, ip: string): boolean {
  const [net, bits] = parseCidr(cidr);
  const addr = ipaddr.parse(ip);
  return addr.kind() === net.kind() && addr.match(net, bits);
}

/** True when the two CIDRs share any address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const [netA, bitsA] = parseCidr(a);
  const [netB, bitsB] = parseCidr(b);
  if (netA.kind() !== netB.kind()) return false;
  // Two prefixes overlap exactly when the shorter one contains the other's network address.
  return bitsA <= bitsB ? netB.match(netA, bitsA) : netA.match(netB, bitsB);
}
