// IPAM's address and prefix math (units: no database).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalCidr, canonicalIp, eui64, formatCidr, parseCidr, rangeToCidrs, summarize } from '../../src/extensions/ipam/address.ts';
import { defaultPools, poolSize, validatePools } from '../../src/extensions/ipam/pools.ts';
import { freeBlocks, isFree, pickPrefix, subtract } from '../../src/extensions/ipam/prefixes.ts';
import { NeutronError } from '../../src/foundation/errors.ts';

const cidrs = (...list: string[]) => list.map((c) => parseCidr(c));
const texts = (list: ReturnType<typeof parseCidr>[] | { version: 4 | 6; network: bigint; prefixlen: number }[]) => list.map(formatCidr);

describe('IPAM address math', () => {
  it('prints canonical addresses and CIDRs', () => {
    assert.equal(canonicalIp('2001:DB8:0:0::1'), '2001:db8::1');
    assert.equal(canonicalCidr('10.1.2.3/16'), '10.1.0.0/16');
    assert.equal(canonicalCidr('2001:db8:0:0:1::/64'), '2001:db8::/64');
  });

  it('forms modified EUI-64 addresses from MACs', () => {
    assert.equal(eui64(parseCidr('2001:db8::/64'), 'fa:16:3e:12:34:56'), '2001:db8::f816:3eff:fe12:3456');
    assert.equal(eui64(parseCidr('fd00:1:2:3::/64'), '00:00:00:00:00:01'), 'fd00:1:2:3:200:ff:fe00:1');
  });

  it('summarizes and splits ranges into CIDRs', () => {
    assert.deepEqual(texts(summarize(cidrs('10.0.1.0/24', '10.0.0.0/24', '10.0.0.128/25'))), ['10.0.0.0/23']);
    assert.deepEqual(texts(summarize(cidrs('10.0.0.0/24', '10.0.2.0/24'))), ['10.0.0.0/24', '10.0.2.0/24']);
    assert.deepEqual(texts(rangeToCidrs(parseCidr('10.0.0.1').network, parseCidr('10.0.0.6').network, 4)), ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/31', '10.0.0.6/32']);
  });
});

describe('allocation pools', () => {
  it("defaults to Neutron's pools around the gateway", () => {
    assert.deepEqual(defaultPools(parseCidr('10.0.0.0/24'), '10.0.0.1'), [{ start: '10.0.0.2', end: '10.0.0.254' }]);
    assert.deepEqual(defaultPools(parseCidr('10.0.0.0/29'), '10.0.0.3'), [
      { start: '10.0.0.1', end: '10.0.0.2' },
      { start: '10.0.0.4', end: '10.0.0.6' },
    ]);
    assert.deepEqual(defaultPools(parseCidr('10.0.0.0/31'), null), []);
    assert.deepEqual(defaultPools(parseCidr('10.0.0.5/32'), null), [{ start: '10.0.0.5', end: '10.0.0.5' }]);
    assert.deepEqual(defaultPools(parseCidr('2001:db8::/126'), '2001:db8::1'), [{ start: '2001:db8::2', end: '2001:db8::3' }]);
    assert.equal(poolSize(defaultPools(parseCidr('2001:db8::/64'), '2001:db8::1')), 2n ** 64n - 2n);
  });

  it('rejects pools out of bounds, reversed, overlapping or holding the gateway', () => {
    const c = parseCidr('10.0.0.0/24');
    const type = (pools: unknown, gw: string | null = '10.0.0.1') => {
      try {
        validatePools(pools, c, '10.0.0.0/24', gw);
        return 'ok';
      } catch (err) {
        return (err as NeutronError).type;
      }
    };
    assert.equal(type([{ start: '10.0.0.10', end: '10.0.0.20' }]), 'ok');
    assert.equal(type([{ start: '10.0.0.0', end: '10.0.0.20' }]), 'OutOfBoundsAllocationPool');
    assert.equal(type([{ start: '10.0.0.10', end: '10.0.0.255' }]), 'OutOfBoundsAllocationPool');
    assert.equal(type([{ start: '10.0.0.20', end: '10.0.0.10' }]), 'InvalidAllocationPool');
    assert.equal(type([{ start: '10.0.0.10' }]), 'InvalidAllocationPool');
    assert.equal(type([{ start: '10.0.0.10', end: '10.0.0.20' }, { start: '10.0.0.20', end: '10.0.0.30' }]), 'OverlappingAllocationPools');
    assert.equal(type([{ start: '10.0.0.1', end: '10.0.0.20' }]), 'GatewayConflictWithAllocationPools');
    assert.equal(type([{ start: '10.0.0.1', end: '10.0.0.20' }], null), 'ok');
  });
});

describe('subnet pool prefixes', () => {
  it('subtracts ranges and finds free blocks, smallest first', () => {
    const pool = cidrs('10.0.0.0/16');
    const used = cidrs('10.0.0.0/24', '10.0.2.0/23');
    const base = parseCidr('10.0.0.0').network;
    assert.deepEqual(subtract([{ first: base, last: base + 255n }], [{ first: base + 10n, last: base + 19n }, { first: base + 250n, last: base + 300n }]), [
      { first: base, last: base + 9n },
      { first: base + 20n, last: base + 249n },
    ]);
    const blocks = freeBlocks(pool, used);
    assert.deepEqual(texts(blocks).slice(0, 2), ['10.0.1.0/24', '10.0.4.0/22']);
    assert.equal(formatCidr(pickPrefix(blocks, 24)!), '10.0.1.0/24');
    assert.equal(formatCidr(pickPrefix(blocks, 23)!), '10.0.4.0/23');
    assert.equal(pickPrefix(freeBlocks(cidrs('10.0.0.0/24'), cidrs('10.0.0.0/24')), 28), null);
    assert.equal(isFree(blocks, parseCidr('10.0.1.128/25')), true);
    assert.equal(isFree(blocks, parseCidr('10.0.2.0/25')), false);
  });
});
