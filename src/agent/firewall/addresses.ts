// Address math for nftables interval sets: canonical elements (network address, no host
// bits; a single host without its /32 or /128, as `nft -j` prints it) and no element inside
// another (nft refuses overlapping intervals in one set).
import ipaddr from 'ipaddr.js';

export interface Prefix {
  family: 4 | 6;
  /** Canonical text: `10.0.0.5`, `10.0.0.0/24`, `2001:db8::/64`. */
  text: string;
  bytes: number[];
  length: number;
}

/** A CIDR or address as a canonical prefix, or null when it is not one. */
export function parsePrefix(value: string): Prefix | null {
  try {
    const [addr, len] = value.includes('/') ? ipaddr.parseCIDR(value) : [ipaddr.parse(value), undefined];
    const ip = addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && len === undefined ? (addr as ipaddr.IPv6).toIPv4Address() : addr;
    const family = ip.kind() === 'ipv4' ? 4 : 6;
    const bits = family === 4 ? 32 : 128;
    const length = len ?? bits;
    const bytes = ip.toByteArray();
    for (let i = 0; i < bytes.length; i++) {
      const keep = Math.max(0, Math.min(8, length - i * 8));
      bytes[i] &= (0xff << (8 - keep)) & 0xff;
    }
    const network = ipaddr.fromByteArray(bytes).toString();
    return { family, text: length === bits ? network : `${network}/${length}`, bytes, length };
  } catch {
    return null;
  }
}

function contains(outer: Prefix, inner: Prefix): boolean {
  if (outer.family !== inner.family || outer.length > inner.length) return false;
  for (let i = 0; i < outer.bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, outer.length - i * 8));
    const mask = (0xff << (8 - keep)) & 0xff;
    if ((inner.bytes[i] & mask) !== outer.bytes[i]) return false;
  }
  return true;
}

/**
 * The elements of one family, canonical, without any covered by another. Host addresses
 * (the bulk: one per member port) are checked only against the few shorter prefixes.
 */
export function setElements(values: Iterable<string>, family: 4 | 6): Set<string> {
  const byText = new Map<string, Prefix>();
  for (const v of values) {
    const p = parsePrefix(v);
    if (p && p.family === family) byText.set(p.text, p);
  }
  const bits = family === 4 ? 32 : 128;
  const networks = [...byText.values()].filter((p) => p.length < bits).sort((a, b) => a.length - b.length);
  const out = new Set<string>();
  for (const p of byText.values()) {
    if (networks.some((n) => n !== p && contains(n, p) && !(n.length === p.length))) continue;
    out.add(p.text);
  }
  return out;
}

/** The IPv6 link-local address of a MAC (modified EUI-64), which a port may always send from. */
export function linkLocal(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  const words = [0xfe80, 0, 0, 0, ((b[0] ^ 2) << 8) | b[1], (b[2] << 8) | 0xff, (0xfe << 8) | b[3], (b[4] << 8) | b[5]];
  return ipaddr.fromByteArray(words.flatMap((w) => [w >> 8, w & 0xff])).toString();
}
