// Prefix math for subnet pools: which parts of a pool are free, and which prefix a new
// subnet of a given size takes (Neutron fills the smallest free block that fits first,
// and takes its lowest prefix).
import { rangeOf, rangeToCidrs, type Cidr, type Range } from './address.ts';

const byFirst = (a: Range, b: Range) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0);

/** The addresses of `from` not in any of `minus`. */
export function subtract(from: Range[], minus: Range[]): Range[] {
  const cuts = [...minus].sort(byFirst);
  const out: Range[] = [];
  for (const r of [...from].sort(byFirst)) {
    let first = r.first;
    for (const c of cuts) {
      if (c.last < first || c.first > r.last) continue;
      if (c.first > first) out.push({ first, last: c.first - 1n });
      first = c.last + 1n;
      if (first > r.last) break;
    }
    if (first <= r.last) out.push({ first, last: r.last });
  }
  return out;
}

/** The free blocks of a pool as CIDRs, smallest first. */
export function freeBlocks(prefixes: Cidr[], allocated: Cidr[]): Cidr[] {
  if (prefixes.length === 0) return [];
  const version = prefixes[0].version;
  const free = subtract(prefixes.map(rangeOf), allocated.map(rangeOf));
  return free.flatMap((r) => rangeToCidrs(r.first, r.last, version)).sort((a, b) => b.prefixlen - a.prefixlen || (a.network < b.network ? -1 : 1));
}

/** The first prefix of length prefixlen in the smallest free block that holds one. */
export function pickPrefix(blocks: Cidr[], prefixlen: number): Cidr | null {
  const block = blocks.find((b) => b.prefixlen <= prefixlen);
  return block ? { version: block.version, network: block.network, prefixlen } : null;
}

/** Whether cidr lies entirely in one free block. */
export function isFree(blocks: Cidr[], cidr: Cidr): boolean {
  const r = rangeOf(cidr);
  return blocks.some((b) => {
    const br = rangeOf(b);
    return b.prefixlen <= cidr.prefixlen && r.first >= br.first && r.last <= br.last;
  });
}

/** Whether any of `a` overlaps any of `b`. */
export function anyOverlap(a: Cidr[], b: Cidr[]): boolean {
  return a.some((x) => b.some((y) => rangeOf(x).first <= rangeOf(y).last && rangeOf(y).first <= rangeOf(x).last));
}
