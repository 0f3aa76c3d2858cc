// Claims addresses in ipallocations, whose primary key (subnet_id, ip_address) is the
// truth for "one address once per subnet" under any concurrency: a claim is an
// `insert … on conflict do nothing`, so a lost race is a skipped candidate, never an
// error that aborts the transaction (on PostgreSQL the insert waits for the competing
// transaction and then sees its outcome).
//
// Choosing a free address does not scan the subnet: a few random candidates in the pools
// are tried first (Neutron also picks randomly among free addresses); when they are taken
// (a filling subnet), a larger batch of random candidates is checked in one query; only
// when all of those are taken too (a nearly full subnet) are the subnet's allocations read
// to walk the free ones.
import { randomBytes } from 'node:crypto';
import type { Tx } from '../../db/index.ts';
import { PreparedQueries } from '../../db/prepared.ts';
import { ipamAllocations } from '../../foundation/metrics.ts';
import { bigToIp, ipToBig, type IpVersion } from './address.ts';
import { poolRanges, type Pool } from './pools.ts';

export interface AllocatableSubnet {
  id: string;
  network_id: string;
  ip_version: IpVersion;
  allocation_pools: Pool[];
}

const RANDOM_TRIES = 2;
/**
 * Random candidates checked in one query after the first tries failed: with 90% of the
 * pools taken, the walk is then needed once in ~10^6 allocations instead of every 2nd.
 */
const CANDIDATE_BATCH = 128;

/** A random number in [0, n); -1 when n is 0. */
function randomBelow(n: bigint): bigint {
  return n === 0n ? -1n : BigInt('0x' + randomBytes(16).toString('hex')) % n;
}

export class AddressAllocator {
  /** The claim's insert, compiled once (a PortAddresses, hence an allocator, belongs to one service of one database). */
  private readonly prepared = new PreparedQueries();
  /** Claims ip for portId; false when another port holds it. */
  async claim(trx: Tx, subnet: AllocatableSubnet, ip: string, portId: string): Promise<boolean> {
    const result = await this.prepared.exec(trx, 'claim', [subnet.id, ip, subnet.network_id, portId], (q, arg) =>
      q
        .insertInto('ipallocations')
        .values({ subnet_id: arg(0), ip_address: arg(1), network_id: arg(2), port_id: arg(3) })
        .onConflict((oc: any) => oc.columns(['subnet_id', 'ip_address']).doNothing()),
    );
    // The conflict clause inserts nothing when another port holds the address.
    const claimed = Number(result.numAffectedRows ?? 0n) > 0;
    if (claimed) ipamAllocations.inc({ ip_version: subnet.ip_version });
    return claimed;
  }

  /** A random address of the subnet's pools (free or not); null when the pools are empty. */
  guess(subnet: AllocatableSubnet): string | null {
    const ranges = poolRanges(subnet.allocation_pools);
    let offset = randomBelow(ranges.reduce((n, r) => n + r.last - r.first + 1n, 0n));
    if (offset < 0n) return null;
    for (const r of ranges) {
      const size = r.last - r.first + 1n;
      if (offset < size) return bigToIp(r.first + offset, subnet.ip_version);
      offset -= size;
    }
    return null;
  }

  /** Claims any free address of the subnet's pools; null when none is left. */
  async claimAny(trx: Tx, subnet: AllocatableSubnet, portId: string): Promise<string | null> {
    const ranges = poolRanges(subnet.allocation_pools);
    for (let i = 0; i < RANDOM_TRIES; i++) {
      const ip = this.guess(subnet);
      if (ip === null) return null;
      if (await this.claim(trx, subnet, ip, portId)) return ip;
    }
    const total = ranges.reduce((n, r) => n + r.last - r.first + 1n, 0n);
    if (total > BigInt(CANDIDATE_BATCH)) {
      const candidates = [...new Set(Array.from({ length: CANDIDATE_BATCH }, () => this.guess(subnet)!))];
      const rows = await trx.selectFrom('ipallocations').select('ip_address').where('subnet_id', '=', subnet.id).where('ip_address', 'in', candidates).execute();
      const taken = new Set(rows.map((r: { ip_address: string }) => r.ip_address));
      for (const ip of candidates) {
        // A concurrent transaction may take a free-looking candidate first: then the next one.
        if (!taken.has(ip) && (await this.claim(trx, subnet, ip, portId))) return ip;
      }
    }
    // Nearly full (or unlucky): walk the free addresses in order.
    const rows = await trx.selectFrom('ipallocations').select('ip_address').where('subnet_id', '=', subnet.id).execute();
    const taken = new Set(rows.map((r: { ip_address: string }) => ipToBig(r.ip_address)));
    for (const r of ranges) {
      for (let n = r.first; n <= r.last; n++) {
        if (taken.has(n)) continue;
        const ip = bigToIp(n, subnet.ip_version);
        if (await this.claim(trx, subnet, ip, portId)) return ip;
      }
    }
    return null;
  }

  async release(trx: Tx, portId: string, ips: { subnet_id: string; ip_address: string }[]): Promise<void> {
    for (const ip of ips) {
      await trx.deleteFrom('ipallocations').where('port_id', '=', portId).where('subnet_id', '=', ip.subnet_id).where('ip_address', '=', ip.ip_address).execute();
    }
  }
}
