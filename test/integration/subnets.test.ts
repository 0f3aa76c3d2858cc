// Subnets through HTTP on SQLite and PostgreSQL: defaults, validation errors, allocation
// pools, IPv6 modes, overlap, updates, deletion rules and the network's revision.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type ApiClient, type TestServer } from '../helpers/server.ts';

const createNet = async (c: ApiClient, body: Record<string, unknown> = {}) => (await c.post('/v2.0/networks', { network: { name: 'net', ...body } })).body.network;

for (const dialect of dialects()) {
  describe(`subnets (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    it('creates an IPv4 subnet with Neutron defaults and bumps the network revision', async () => {
      const net = await createNet(t.client);
      const res = await t.client.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.1.0.0/24', name: 's1' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const s = res.body.subnet;
      assert.equal(s.cidr, '10.1.0.0/24');
      assert.equal(s.gateway_ip, '10.1.0.1');
      assert.deepEqual(s.allocation_pools, [{ start: '10.1.0.2', end: '10.1.0.254' }]);
      assert.equal(s.enable_dhcp, true);
      assert.deepEqual(s.dns_nameservers, []);
      assert.deepEqual(s.host_routes, []);
      assert.equal(s.ipv6_ra_mode, null);
      assert.equal(s.subnetpool_id, null);
      assert.equal(s.project_id, 'project-a');
      assert.ok(!('prefixlen' in s) && !('use_default_subnetpool' in s));
      const shown = (await t.client.get(`/v2.0/networks/${net.id}`)).body.network;
      assert.deepEqual(shown.subnets, [s.id]);
      assert.equal(shown.revision_number, net.revision_number + 1);
      const filtered = await t.client.get(`/v2.0/subnets?network_id=${net.id}&ip_version=4`);
      assert.deepEqual(filtered.body.subnets.map((x: { id: string }) => x.id), [s.id]);
    });

    it('takes the gateway out of the default pool, or none', async () => {
      const net = await createNet(t.client);
      const mid = (await t.client.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.2.0.0/28', gateway_ip: '10.2.0.5' } })).body.subnet;
      assert.deepEqual(mid.allocation_pools, [
        { start: '10.2.0.1', end: '10.2.0.4' },
        { start: '10.2.0.6', end: '10.2.0.14' },
      ]);
      const none = (await t.client.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.2.1.0/29', gateway_ip: null } })).body.subnet;
      assert.equal(none.gateway_ip, null);
      assert.deepEqual(none.allocation_pools, [{ start: '10.2.1.1', end: '10.2.1.6' }]);
    });

    it('rejects invalid subnets with Neutron errors and creates nothing', async () => {
      const net = await createNet(t.client);
      const post = (subnet: Record<string, unknown>) => t.client.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, ...subnet } });
      const cases: [Record<string, unknown>, number, string, RegExp?][] = [
        [{ cidr: '10.3.0.1/24' }, 400, 'InvalidInput', /10\.3\.0\.0\/24' is recommended/],
        [{ cidr: '2001:db8::/64' }, 400, 'InvalidInput', /does not match the ip_version/],
        [{}, 400, 'BadRequest', /subnetpool must be specified/],
        [{ cidr: '10.3.0.0/24', gateway_ip: '10.3.0.255' }, 400, 'InvalidInput', /Gateway is not valid/],
        [{ cidr: '10.3.0.0/24', allocation_pools: [{ start: '10.3.0.10', end: '10.3.0.5' }] }, 400, 'InvalidAllocationPool'],
        [{ cidr: '10.3.0.0/24', allocation_pools: [{ start: '10.3.0.10', end: '10.3.1.5' }] }, 400, 'OutOfBoundsAllocationPool'],
        [{ cidr: '10.3.0.0/24', allocation_pools: [{ start: '10.3.0.10', end: '10.3.0.20' }, { start: '10.3.0.15', end: '10.3.0.30' }] }, 409, 'OverlappingAllocationPools'],
        [{ cidr: '10.3.0.0/24', allocation_pools: [{ start: '10.3.0.1', end: '10.3.0.20' }] }, 409, 'GatewayConflictWithAllocationPools'],
        [{ cidr: '10.3.0.0/24', dns_nameservers: ['8.8.8.8', '8.8.8.8'] }, 400, 'HTTPBadRequest', /Duplicate nameserver/],
        [{ cidr: '10.3.0.0/24', dns_nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4', '1.1.1.5', '1.1.1.6'] }, 400, 'DNSNameServersExhausted'],
        [{ cidr: '10.3.0.0/24', host_routes: [{ destination: '2001:db8::/64', nexthop: '10.3.0.9' }] }, 400, 'InvalidInput'],
        [{ cidr: '10.3.0.0/24', service_types: ['bogus'] }, 400, 'InvalidSubnetServiceType'],
        [{ cidr: '10.3.0.0/24', ipv6_address_mode: 'slaac' }, 400, 'InvalidInput'],
        [{ cidr: '10.3.0.0/24', ip_version: 5 }, 400, 'HTTPBadRequest'],
      ];
      for (const [body, status, type, message] of cases) {
        const res = await post(body);
        assert.equal(res.status, status, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
        assert.equal(res.body.NeutronError.type, type, JSON.stringify(body));
        if (message) assert.match(res.body.NeutronError.message, message);
      }
      const missingNet = await t.client.post('/v2.0/subnets', { subnet: { network_id: '6b4f6b1c-0000-4000-8000-000000000000', ip_version: 4, cidr: '10.9.0.0/24' } });
      assert.equal(missingNet.status, 404);
      assert.equal(missingNet.body.NeutronError.type, 'NetworkNotFound');
      assert.equal((await t.client.get(`/v2.0/subnets?network_id=${net.id}`)).body.subnets.length, 0);
    });

    it('rejects overlapping subnets within a network but not across networks', async () => {
      const a = await createNet(t.client);
      const b = await createNet(t.client);
      assert.equal((await t.client.post('/v2.0/subnets', { subnet: { network_id: a.id, ip_version: 4, cidr: '10.4.0.0/16' } })).status, 201);
      const overlap = await t.client.post('/v2.0/subnets', { subnet: { network_id: a.id, ip_version: 4, cidr: '10.4.5.0/24' } });
      assert.equal(overlap.status, 400);
      assert.equal(overlap.body.NeutronError.type, 'InvalidInput');
      assert.match(overlap.body.NeutronError.message, /overlaps with another subnet/);
      assert.equal((await t.client.post('/v2.0/subnets', { subnet: { network_id: b.id, ip_version: 4, cidr: '10.4.5.0/24' } })).status, 201);
    });

    it('validates IPv6 address modes', async () => {
      const net = await createNet(t.client);
      const post = (subnet: Record<string, unknown>) => t.client.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, ...subnet } });
      const mismatch = await post({ cidr: '2001:db8:1::/64', ipv6_ra_mode: 'slaac', ipv6_address_mode: 'dhcpv6-stateful' });
      assert.equal(mismatch.status, 400);
      assert.equal(mismatch.body.NeutronError.type, 'InvalidInput');
      const notSixtyFour = await post({ cidr: '2001:db8:1::/80', ipv6_address_mode: 'slaac' });
      assert.equal(notSixtyFour.status, 400);
      const noDhcp = await post({ cidr: '2001:db8:1::/64', ipv6_address_mode: 'slaac', enable_dhcp: false });
      assert.equal(noDhcp.status, 400);
      const ok = await post({ cidr: '2001:DB8:1::/64', ipv6_ra_mode: 'dhcpv6-stateless', ipv6_address_mode: 'dhcpv6-stateless' });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      assert.equal(ok.body.subnet.cidr, '2001:db8:1::/64');
      assert.equal(ok.body.subnet.gateway_ip, '2001:db8:1::1');
      assert.deepEqual(ok.body.subnet.allocation_pools, [{ start: '2001:db8:1::2', end: '2001:db8:1:0:ffff:ffff:ffff:ffff' }]);
    });

    it('updates gateway, pools, DNS and routes with validation', async () => {
      const net = await createNet(t.client);
      const s = (await t.client.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.5.0.0/24', dns_nameservers: ['8.8.8.8', '1.1.1.1'] } })).body.subnet;
      assert.deepEqual(s.dns_nameservers, ['8.8.8.8', '1.1.1.1'], 'order is kept');
      const conflictGw = await t.client.put(`/v2.0/subnets/${s.id}`, { subnet: { gateway_ip: '10.5.0.50' } });
      assert.equal(conflictGw.status, 409);
      assert.equal(conflictGw.body.NeutronError.type, 'GatewayConflictWithAllocationPools');
      const res = await t.client.put(`/v2.0/subnets/${s.id}`, {
        subnet: {
          gateway_ip: '10.5.0.254',
          allocation_pools: [{ start: '10.5.0.10', end: '10.5.0.99' }],
          host_routes: [{ destination: '192.168.0.0/24', nexthop: '10.5.0.3' }],
          dns_nameservers: ['9.9.9.9'],
          name: 'renamed',
        },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.subnet.gateway_ip, '10.5.0.254');
      assert.deepEqual(res.body.subnet.allocation_pools, [{ start: '10.5.0.10', end: '10.5.0.99' }]);
      assert.deepEqual(res.body.subnet.host_routes, [{ destination: '192.168.0.0/24', nexthop: '10.5.0.3' }]);
      assert.deepEqual(res.body.subnet.dns_nameservers, ['9.9.9.9']);
      assert.equal(res.body.subnet.revision_number, s.revision_number + 1);
      const cidrChange = await t.client.put(`/v2.0/subnets/${s.id}`, { subnet: { cidr: '10.6.0.0/24' } });
      assert.equal(cidrChange.status, 400);
      const noGw = await t.client.put(`/v2.0/subnets/${s.id}`, { subnet: { gateway_ip: null } });
      assert.equal(noGw.body.subnet.gateway_ip, null);
    });

    it('refuses to delete a subnet with ports, allows it with only DHCP ports, and cascades with the network', async () => {
      const net = await createNet(t.admin);
      const s = (await t.admin.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.7.0.0/24' } })).body.subnet;
      const vm = (await t.admin.post('/v2.0/ports', { port: { network_id: net.id, device_owner: 'compute:nova' } })).body.port;
      const dhcp = (await t.admin.post('/v2.0/ports', { port: { network_id: net.id, device_owner: 'network:dhcp' } })).body.port;
      assert.equal(dhcp.fixed_ips.length, 1);
      const inUse = await t.admin.del(`/v2.0/subnets/${s.id}`);
      assert.equal(inUse.status, 409);
      assert.equal(inUse.body.NeutronError.type, 'SubnetInUse');
      assert.equal((await t.admin.del(`/v2.0/ports/${vm.id}`)).status, 204);
      const before = (await t.admin.get(`/v2.0/networks/${net.id}`)).body.network.revision_number;
      assert.equal((await t.admin.del(`/v2.0/subnets/${s.id}`)).status, 204);
      const dhcpAfter = (await t.admin.get(`/v2.0/ports/${dhcp.id}`)).body.port;
      assert.deepEqual(dhcpAfter.fixed_ips, [], 'the DHCP port lost its address on the subnet');
      const netAfter = (await t.admin.get(`/v2.0/networks/${net.id}`)).body.network;
      assert.deepEqual(netAfter.subnets, []);
      assert.ok(netAfter.revision_number > before);
      const s2 = (await t.admin.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.7.1.0/24' } })).body.subnet;
      assert.equal((await t.admin.del(`/v2.0/networks/${net.id}`)).status, 204);
      assert.equal((await t.admin.get(`/v2.0/subnets/${s2.id}`)).status, 404);
      assert.equal((await t.admin.get(`/v2.0/subnets/${s2.id}`)).body.NeutronError.type, 'SubnetNotFound');
    });

    it('shows subnets of shared networks to other projects, but not private ones', async () => {
      const shared = await createNet(t.admin, { shared: true });
      const priv = await createNet(t.client);
      const ss = (await t.admin.post('/v2.0/subnets', { subnet: { network_id: shared.id, ip_version: 4, cidr: '10.8.0.0/24' } })).body.subnet;
      const ps = (await t.client.post('/v2.0/subnets', { subnet: { network_id: priv.id, ip_version: 4, cidr: '10.8.1.0/24' } })).body.subnet;
      const other = t.client.as({ project: 'project-b' });
      assert.equal((await other.get(`/v2.0/subnets/${ss.id}`)).status, 200);
      assert.equal((await other.get(`/v2.0/subnets/${ps.id}`)).status, 404);
      const ids = (await other.get('/v2.0/subnets')).body.subnets.map((x: { id: string }) => x.id);
      assert.ok(ids.includes(ss.id) && !ids.includes(ps.id));
      const onPrivate = await other.post('/v2.0/subnets', { subnet: { network_id: priv.id, ip_version: 4, cidr: '10.8.2.0/24' } });
      assert.equal(onPrivate.status, 404);
    });

    it('enforces the subnet quota', async () => {
      await t.admin.put('/v2.0/quotas/project-sq', { quota: { subnet: 1 } });
      const q = t.client.as({ project: 'project-sq' });
      const net = await createNet(q);
      assert.equal((await q.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.10.0.0/24' } })).status, 201);
      const over = await q.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.10.1.0/24' } });
      assert.equal(over.status, 409);
      assert.equal(over.body.NeutronError.type, 'OverQuota');
    });
  });
}
