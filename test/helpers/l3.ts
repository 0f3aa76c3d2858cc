// Topology builders for L3 tests: an external network with a subnet, tenant networks with
// subnets, all through the HTTP API.
import assert from 'node:assert/strict';
import type { ApiClient } from './server.ts';

export interface NetworkWithSubnet {
  network: any;
  subnet: any;
}

/** A network (external when admin says so) with one IPv4 subnet. */
export async function networkWithSubnet(client: ApiClient, cidr: string, network: Record<string, unknown> = {}, subnet: Record<string, unknown> = {}): Promise<NetworkWithSubnet> {
  const net = await client.post('/v2.0/networks', { network: { name: `net-${cidr}`, ...network } });
  assert.equal(net.status, 201, JSON.stringify(net.body));
  const sub = await client.post('/v2.0/subnets', { subnet: { network_id: net.body.network.id, cidr, ip_version: 4, ...subnet } });
  assert.equal(sub.status, 201, JSON.stringify(sub.body));
  return { network: net.body.network, subnet: sub.body.subnet };
}

export const externalNetwork = (admin: ApiClient, cidr: string, extra: Record<string, unknown> = {}) =>
  networkWithSubnet(admin, cidr, { 'router:external': true, ...extra }, { enable_dhcp: false });

/** Ports of a device as admin sees them. */
export async function portsOf(admin: ApiClient, deviceId: string, owner?: string): Promise<any[]> {
  const q = `device_id=${deviceId}${owner ? `&device_owner=${owner}` : ''}`;
  return (await admin.get(`/v2.0/ports?${q}`)).body.ports;
}
