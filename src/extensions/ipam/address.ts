// Address math for IPAM: addresses and CIDRs as BigInt (IPv6 needs 128 bits), parsed and
// printed with ipaddr.js in canonical form (IPv6 per RFC 5952), so that the same address
// always has the same text in ipallocations' primary key.
import ipaddr from 'ipaddr.js';

export type IpVersion = 4 | 6;

export interface Cidr {
  version: IpVersion;
  /** The network address. */
  network: bigint;
  prefixlen: number;
}

export interface Range {
  first: bigint;
  last: bigint;
}

export const bitsOf = (version: IpVersion): number => (version === 4 ? 32 : 128);

export function versionOf(ip: string): IpVersion {
  return ip.includes(':') ? 6 : 4;
}

export function ipToBig(ip: string): bigint {
  let n = 0n;
  for (const byte of ipaddr.parse(ip).toByteArray()) n = (n << 8n) | BigInt(byte);
  return n;
}

export function bigToIp(n: bigint, version: IpVersion): string {
  const bytes: number[] = [];
  for (let i = 0; i < (version === 4 ? 4 : 16); i++) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  const addr = ipaddr.fromByteArray(bytes);
  return addr.kind() === 'ipv6' ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
}

/** The canonical text of an address (lower case, compressed IPv6). */
export function canonicalIp(ip: string): string {
  return bigToIp(ipToBig(ip), versionOf(ip));
}

/** Parses "a.b.c.d/n" (a bare address is a host route). Host bits are kept in `host`. */
export function parseCidr(text: string): Cidr & { host: bigint } {
  const [addr, len] = text.split('/');
  const version = versionOf(addr);
  const bits = bitsOf(version);
  const prefixlen = len === undefined ? bits : Number(len);
  const host = ipToBig(addr);
  return { version, prefixlen, host, network: host & netmask(prefixlen, bits) };
}

function netmask(prefixlen: number, bits: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - prefixlen)) - 1n);
}

export function formatCidr(c: Cidr): string {
  return `${bigToIp(c.network, c.version)}/${c.prefixlen}`;
}

/** The canonical CIDR text (network address, canonical form). */
export function canonicalCidr(text: string): string {
  return formatCidr(parseCidr(text));
}

function sizeOf(c: Cidr): bigint {
  return 1n << BigInt(bitsOf(c.version) - c.prefixlen);
}

export function rangeOf(c: Cidr): Range {
  return { first: c.network, last: c.network + sizeOf(c) - 1n };
}

export function cidrContains(c: Cidr, ip: bigint): boolean {
  const r = rangeOf(c);
  return ip >= r.first && ip <= r.last;
}

export function rangesOverlap(a: Range, b: Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.version === b.version && rangesOverlap(rangeOf(a), rangeOf(b));
}

/** The smallest list of CIDRs that covers exactly first..last. */
export function rangeToCidrs(first: bigint, last: bigint, version: IpVersion): Cidr[] {
  const bits = bitsOf(version);
  const out: Cidr[] = [];
  while (first <= last) {
    let size = 0;
    // Grow the block while it stays aligned and inside the range.
    while (size < bits && (first & ((1n << BigInt(size + 1)) - 1n)) === 0n && first + (1n << BigInt(size + 1)) - 1n <= last) size++;
    out.push({ version, network: first, prefixlen: bits - size });
    first += 1n << BigInt(size);
  }
  return out;
}

/** Merges CIDRs into the fewest covering the same addresses (Neutron normalizes pool prefixes so). */
export function summarize(cidrs: Cidr[]): Cidr[] {
  if (cidrs.length === 0) return [];
  const version = cidrs[0].version;
  const ranges = cidrs.map(rangeOf).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const merged: Range[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.first <= last.last + 1n) {
      if (r.last > last.last) last.last = r.last;
    } else merged.push({ ...r });
  }
  return merged.flatMap((r) => rangeToCidrs(r.first, r.last, version));
}

/** Modified EUI-64 interface identifier of a MAC in a /64 prefix (RFC 4291), for SLAAC. */
export function eui64(prefix: Cidr, mac: string): string {
  const b = mac.split(/[:-]/).map((h) => parseInt(h, 16));
  const iid = [b[0] ^ 0x02, b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]];
  let n = 0n;
  for (const byte of iid) n = (n << 8n) | BigInt(byte);
  return bigToIp(prefix.network | n, 6);
}
