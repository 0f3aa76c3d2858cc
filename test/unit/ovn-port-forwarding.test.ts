// Port forwardings as OVN load balancers (src/backends/ovn/port-forwarding.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { forwardingFips, portForwardingBalancers } from '../../src/backends/ovn/port-forwarding.ts';

const fip = (forwardings: Record<string, unknown>[]) => ({ id: 'f1', floating_ip_address: '203.0.113.9', router_id: 'r1', port_id: null, revision_number: 3, port_forwardings: forwardings });

describe('ovn port forwardings', () => {
  it('one balancer per protocol, a VIP per forwarding, owned as ML2/OVN names it', () => {
    const lbs = portForwardingBalancers(fip([
      { protocol: 'tcp', internal_ip_address: '10.0.0.5', internal_port: 22, external_port: 2222 },
      { protocol: 'tcp', internal_ip_address: '10.0.0.6', internal_port: 80, external_port: 8080 },
      { protocol: 'udp', internal_ip_address: '10.0.0.5', internal_port: 53, external_port: 5353 },
    ]), 'r1');
    assert.deepEqual(lbs.map((l) => l.key), ['pf-floatingip-f1-tcp', 'pf-floatingip-f1-udp']);
    assert.deepEqual(lbs[0].row.columns.vips, { '203.0.113.9:2222': '10.0.0.5:22', '203.0.113.9:8080': '10.0.0.6:80' });
    assert.equal(lbs[1].row.columns.protocol, 'udp');
    assert.deepEqual(lbs[0].row.columns.external_ids, { 'neutron:device_owner': 'port_forwarding_plugin', 'neutron:fip_id': 'f1', 'neutron:router_name': 'neutron-r1', 'neutron:revision_number': '3' });
  });

  it('expands port ranges port by port (N:N), or onto one internal port (N:1)', () => {
    const [lb] = portForwardingBalancers(fip([
      { protocol: 'tcp', internal_ip_address: '10.0.0.5', internal_port: null, internal_port_range: '100:102', external_port: null, external_port_range: '200:202' },
      { protocol: 'tcp', internal_ip_address: '10.0.0.6', internal_port: 9000, internal_port_range: '9000:9000', external_port: null, external_port_range: '300:301' },
    ]), 'r1');
    assert.deepEqual(lb.row.columns.vips, {
      '203.0.113.9:200': '10.0.0.5:100', '203.0.113.9:201': '10.0.0.5:101', '203.0.113.9:202': '10.0.0.5:102',
      '203.0.113.9:300': '10.0.0.6:9000', '203.0.113.9:301': '10.0.0.6:9000',
    });
  });

  it('re-reads only floating IPs that can hold forwardings (a router, no port)', () => {
    assert.deepEqual(forwardingFips([{ id: 'a', router_id: 'r', port_id: null }, { id: 'b', router_id: 'r', port_id: 'p' }, { id: 'c', router_id: null, port_id: null }]), ['a']);
  });
});
