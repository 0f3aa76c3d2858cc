// Allocation pools of a subnet: Neutron's default (the whole CIDR minus network address,
// IPv4 broadcast and gateway) and validation of pools a client gives.
import { badRequest } from '../../foundation/errors.ts';
import { bigToIp, ipToBig, rangeOf, rangesOverlap, versionOf, type Cidr, type Range } from './address.ts';
import { gatewayConflictWithAllocationPools, invalidAllocationPool, outOfBoundsAllocationPool, overlappingAllocationPools } from './errors.ts';
import { isIp } from '../../foundation/validation.ts';

export interface Pool {
  start: string;
  end: string;
}

const text = (p: Pool) => `${p.start}-${p.end}`;

/** The addresses a subnet may hand out when the client gives no pools (Neutron's generate_pools). */
export function defaultPools(cidr: Cidr, gateway: string | null): Pool[] {
  const r = rangeOf(cidr);
  if (r.first === r.last) return [toPool(r, cidr)];
  const first = r.first + 1n;
  const last = r.last - (cidr.version === 4 ? 1n : 0n);
  if (first >= last) return [];
  let ranges: Range[] = [{ first, last }];
  if (gateway !== null && versionOf(gateway) === cidr.version) {
    const gw = ipToBig(gateway);
    ranges = ranges.flatMap((x) => (gw < x.first || gw > x.last ? [x] : [{ first: x.first, last: gw - 1n }, { first: gw + 1n, last: x.last }].filter((y) => y.first <= y.last)));
  }
  return ranges.map((x) => toPool(x, cidr));
}

function toPool(r: Range, cidr: Cidr): Pool {
  return { start: bigToIp(r.first, cidr.version), end: bigToIp(r.last, cidr.version) };
}

export function poolRanges(pools: Pool[]): Range[] {
  return pools.map((p) => ({ first: ipToBig(p.start), last: ipToBig(p.end) }));
}

/** Validates client-given pools against the subnet; returns them in canonical form. */
export function validatePools(raw: unknown, cidr: Cidr, cidrText: string, gateway: string | null): Pool[] {
  if (!Array.isArray(raw)) throw badRequest(`Invalid input for allocation_pools. Reason: '${JSON.stringify(raw)}' is not a list.`);
  const pools: Pool[] = raw.map((p) => {
    if (!p || typeof p !== 'object' || Array.isArray(p)) throw badRequest(`Invalid input for allocation_pools. Reason: '${JSON.stringify(p)}' is not a dictionary.`);
    const { start, end, ...rest } = p as Record<string, unknown>;
    if (Object.keys(rest).length || !isIp(start) || !isIp(end)) throw invalidAllocationPool(`${String(start)}-${String(end)}`);
    return { start, end };
  });
  const subnet = rangeOf(cidr);
  // Pools never hold the network address nor (IPv4) the broadcast address.
  const usable: Range = { first: subnet.first + 1n, last: subnet.last - (cidr.version === 4 ? 1n : 0n) };
  const ranges = pools.map((p) => {
    if (versionOf(p.start) !== cidr.version || versionOf(p.end) !== cidr.version) throw invalidAllocationPool(text(p));
    const r = { first: ipToBig(p.start), last: ipToBig(p.end) };
    if (r.first > r.last) throw invalidAllocationPool(text(p));
    if (r.first < usable.first || r.last > usable.last) throw outOfBoundsAllocationPool(text(p), cidrText);
    return r;
  });
  const canonical = ranges.map((r) => toPool(r, cidr));
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      if (rangesOverlap(ranges[i], ranges[j])) throw overlappingAllocationPools(text(canonical[i]), text(canonical[j]), cidrText);
    }
  }
  if (gateway !== null) checkGatewayOutsidePools(gateway, canonical);
  return canonical;
}

export function checkGatewayOutsidePools(gateway: string, pools: Pool[]): void {
  const gw = ipToBig(gateway);
  for (const p of pools) {
    if (gw >= ipToBig(p.start) && gw <= ipToBig(p.end)) throw gatewayConflictWithAllocationPools(gateway, text(p));
  }
}

/** Number of addresses in pools. */
export function poolSize(pools: Pool[]): bigint {
  return poolRanges(pools).reduce((n, r) => n + r.last - r.first + 1n, 0n);
}
