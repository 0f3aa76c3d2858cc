// Gateway chassis selection (src/backends/ovn/chassis.ts): which chassis may host gateway
// ports, and the per-router priority order.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayCandidates, gatewayPriorities } from '../../src/backends/ovn/chassis.ts';

const chassis = (name: string, cms?: string, where: 'other_config' | 'external_ids' = 'other_config') => ({ _uuid: { uuid: name }, name, ...(cms ? { [where]: { 'ovn-cms-options': cms } } : {}) });

describe('ovn gateway chassis', () => {
  it('takes every chassis, by name, when none is marked as a gateway', () => {
    assert.deepEqual(gatewayCandidates([chassis('c'), chassis('a'), chassis('b')] as any), ['a', 'b', 'c']);
  });

  it('takes only the chassis marked enable-chassis-as-gw (other_config or external_ids) when some are', () => {
    const rows = [chassis('a'), chassis('b', 'enable-chassis-as-gw'), chassis('c', 'foo,enable-chassis-as-gw', 'external_ids'), chassis('d', 'foo')];
    assert.deepEqual(gatewayCandidates(rows as any), ['b', 'c']);
  });

  it('orders the candidates per router by rotation: each chassis once, spread over routers', () => {
    const candidates = ['a', 'b', 'c'];
    const firsts = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const order = gatewayPriorities(candidates, `router-${i}`);
      assert.deepEqual([...order].sort(), candidates);
      const at = candidates.indexOf(order[0]);
      assert.deepEqual(order, [...candidates.slice(at), ...candidates.slice(0, at)]);
      assert.deepEqual(gatewayPriorities(candidates, `router-${i}`), order, 'stable for a router');
      firsts.add(order[0]);
    }
    assert.equal(firsts.size, 3, 'every chassis is first for some router');
    assert.deepEqual(gatewayPriorities(['a'], 'r'), ['a']);
  });
});
