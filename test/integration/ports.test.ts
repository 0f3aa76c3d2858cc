// Ports through HTTP on SQLite and PostgreSQL: MACs, fixed IPs (automatic, by subnet, by
// address, SLAAC), updates, filters, address pairs, DHCP options, bindings and errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type ApiClient, type TestServer } from '../helpers/server.ts';

interface FixedIp {
  subnet_id: string;
  ip_address: string;
}

async function network(c: ApiClient, cidr: string, extra: Record<string, unknown> = {}) {
  const net = (await c.post('/v2.0/networks', { network: { name: 'net', ...extra } })).body.network;
  const subnet = (await c.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr } })).body.subnet;
  return { net, subnet };
}

for (const dialect of dialects()) {
  describe(`ports (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    it("checks an update's and a delete's rules, those reading the port's network included", async () => {
      // project-a owns a shared network; project-b's member has a port on it.
      const { net, subnet } = await network(t.admin, '10.78.0.0/24', { shared: true, project_id: 'project-a' });
      const owner = t.client;
      const other = t.client.as({ project: 'project-b' });
      const created = await other.post('/v2.0/ports', { port: { network_id: net.id, name: 'b-port' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const port = created.body.port;
      const denied = async (res: { status: number; body: any }, rule: string) => {
        assert.equal(res.status, 403, JSON.stringify(res.body));
        assert.equal(res.body.NeutronError.type, 'PolicyNotAuthorized');
        assert.match(res.body.NeutronError.message, new RegExp(`\\(rule:${rule}\\)`));
      };
      assert.equal((await other.put(`/v2.0/ports/${port.id}`, { port: { name: 'renamed' } })).status, 200);
      // fixed_ips on a shared network is allowed; choosing the address is the network owner's.
      await denied(await other.put(`/v2.0/ports/${port.id}`, { port: { fixed_ips: [{ subnet_id: subnet.id, ip_address: '10.78.0.50' }] } }), 'update_port:fixed_ips:ip_address');
      await denied(await other.put(`/v2.0/ports/${port.id}`, { port: { mac_address: 'fa:16:3e:00:00:01' } }), 'update_port:mac_address');
      // The network's owner sees the port but may not update it; it may delete it (rule:network_owner reads network:tenant_id).
      await denied(await owner.put(`/v2.0/ports/${port.id}`, { port: { name: 'x' } }), 'update_port');
      assert.equal((await owner.get(`/v2.0/ports/${port.id}`)).body.port.name, 'renamed', 'refused changes left the port as it was');
      assert.equal((await owner.del(`/v2.0/ports/${port.id}`)).status, 204);
      assert.equal((await t.admin.get(`/v2.0/ports/${port.id}`)).status, 404);
    });

    it('creates a port with a generated MAC, one IPv4 address and Neutron defaults', async () => {
      const { net, subnet } = await network(t.client, '10.20.0.0/24');
      const res = await t.client.post('/v2.0/ports', { port: { network_id: net.id, name: 'p1' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const p = res.body.port;
      assert.match(p.mac_address, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
      assert.equal(p.fixed_ips.length, 1);
      assert.equal(p.fixed_ips[0].subnet_id, subnet.id);
      const last = Number(p.fixed_ips[0].ip_address.split('.')[3]);
      assert.ok(p.fixed_ips[0].ip_address.startsWith('10.20.0.') && last >= 2 && last <= 254);
      assert.equal(p.status, 'DOWN');
      assert.equal(p.admin_state_up, true);
      assert.equal(p.device_owner, '');
      assert.equal(p.port_security_enabled, true);
      assert.deepEqual(p.allowed_address_pairs, []);
      assert.deepEqual(p.extra_dhcp_opts, []);
      assert.equal(p.ip_allocation, 'immediate');
      assert.deepEqual(p.dns_assignment, [{ hostname: `host-${p.fixed_ips[0].ip_address.replace(/\./g, '-')}`, ip_address: p.fixed_ips[0].ip_address, fqdn: `host-${p.fixed_ips[0].ip_address.replace(/\./g, '-')}.openstacklocal.` }]);
      assert.ok(!('binding:host_id' in p), 'binding attributes are admin only');
      assert.ok(!('security_groups' in p) || Array.isArray(p.security_groups));
      const asAdmin = (await t.admin.get(`/v2.0/ports/${p.id}`)).body.port;
      assert.equal(asAdmin['binding:vif_type'], 'unbound');
      assert.equal(asAdmin['binding:vnic_type'], 'normal');
      assert.deepEqual(asAdmin['binding:profile'], {});
      const other = t.client.as({ project: 'project-other' });
      const none = await other.post('/v2.0/ports', { port: { network_id: net.id, fixed_ips: [] } });
      assert.equal(none.status, 404, 'only on its own or shared networks may a project create ports');
      const noIp = (await t.admin.post('/v2.0/ports', { port: { network_id: net.id, fixed_ips: [] } })).body.port;
      assert.deepEqual(noIp.fixed_ips, []);
      assert.equal(noIp.ip_allocation, 'none');
    });

    it('allocates by subnet, by address and by both, and rejects wrong addresses', async () => {
      const { net, subnet } = await network(t.admin, '10.21.0.0/24');
      const other = await network(t.admin, '10.22.0.0/24');
      const post = (fixed_ips: unknown, extra: Record<string, unknown> = {}) => t.admin.post('/v2.0/ports', { port: { network_id: net.id, fixed_ips, ...extra } });
      const bySubnet = await post([{ subnet_id: subnet.id }]);
      assert.equal(bySubnet.status, 201);
      assert.equal(bySubnet.body.port.fixed_ips[0].subnet_id, subnet.id);
      // Allocation is random: the fixed addresses asked for below avoid the one just allocated.
      const taken = bySubnet.body.port.fixed_ips[0].ip_address;
      const [ipA, ipB, ipC] = ['10.21.0.77', '10.21.0.78', '10.21.0.200', '10.21.0.201'].filter((ip) => ip !== taken);
      const byIp = await post([{ ip_address: ipA }]);
      assert.equal(byIp.status, 201, JSON.stringify(byIp.body));
      assert.deepEqual(byIp.body.port.fixed_ips, [{ subnet_id: subnet.id, ip_address: ipA }]);
      const both = await post([{ subnet_id: subnet.id, ip_address: ipB }, { subnet_id: subnet.id, ip_address: ipC }]);
      assert.equal(both.status, 201);
      assert.deepEqual(both.body.port.fixed_ips.map((f: FixedIp) => f.ip_address), [ipB, ipC]);
      const cases: [unknown, number, string][] = [
        [[{ ip_address: ipA }], 409, 'IpAddressInUse'],
        [[{ subnet_id: subnet.id, ip_address: '10.21.1.5' }], 400, 'InvalidIpForSubnet'],
        [[{ subnet_id: subnet.id, ip_address: '10.21.0.255' }], 400, 'InvalidIpForSubnet'],
        [[{ ip_address: '10.99.0.5' }], 400, 'InvalidIpForNetwork'],
        [[{ subnet_id: other.subnet.id }], 400, 'InvalidInput'],
        [[{ subnet_id: '0f3d0f3d-0000-4000-8000-000000000000' }], 404, 'SubnetNotFound'],
        [[{ ip_address: 'not-an-ip' }], 400, 'HTTPBadRequest'],
        [[{ ip_address: '10.21.0.90' }, { ip_address: '10.21.0.90' }], 400, 'HTTPBadRequest'],
      ];
      for (const [fixed, status, type] of cases) {
        const res = await post(fixed);
        assert.equal(res.status, status, `${JSON.stringify(fixed)} → ${JSON.stringify(res.body)}`);
        assert.equal(res.body.NeutronError.type, type);
      }
      // Failed requests left no port and no address behind.
      const ports = (await t.admin.get(`/v2.0/ports?network_id=${net.id}`)).body.ports;
      assert.equal(ports.length, 3);
      assert.equal((await post([{ ip_address: '10.21.0.90' }])).status, 201, 'the address of a failed request is free');
      const missing = await t.admin.post('/v2.0/ports', { port: { network_id: '0f3d0f3d-0000-4000-8000-000000000001' } });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.NeutronError.type, 'NetworkNotFound');
    });

    it('gives SLAAC addresses from the MAC on IPv6 automatic-address subnets', async () => {
      const { net, subnet } = await network(t.admin, '10.23.0.0/24');
      const v6 = (await t.admin.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, cidr: '2001:db8:23::/64', ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' } })).body.subnet;
      const p = (await t.admin.post('/v2.0/ports', { port: { network_id: net.id, mac_address: 'FA:16:3E:12:34:56' } })).body.port;
      assert.equal(p.mac_address, 'fa:16:3e:12:34:56');
      const byVersion = Object.fromEntries(p.fixed_ips.map((f: FixedIp) => [f.subnet_id, f.ip_address]));
      assert.ok(byVersion[subnet.id].startsWith('10.23.0.'));
      assert.equal(byVersion[v6.id], '2001:db8:23:0:f816:3eff:fe12:3456');
      const explicit = await t.admin.post('/v2.0/ports', { port: { network_id: net.id, fixed_ips: [{ subnet_id: v6.id, ip_address: '2001:db8:23::99' }] } });
      assert.equal(explicit.status, 400);
      assert.equal(explicit.body.NeutronError.type, 'InvalidInput');
      // Regenerating the MAC renumbers the EUI-64 address.
      const regen = await t.admin.put(`/v2.0/ports/${p.id}`, { port: { mac_address: null } });
      assert.equal(regen.status, 200, JSON.stringify(regen.body));
      assert.notEqual(regen.body.port.mac_address, p.mac_address);
      const v6After = regen.body.port.fixed_ips.find((f: FixedIp) => f.subnet_id === v6.id).ip_address;
      assert.notEqual(v6After, byVersion[v6.id]);
      assert.equal(regen.body.port.fixed_ips.find((f: FixedIp) => f.subnet_id === subnet.id).ip_address, byVersion[subnet.id]);
    });

    it('rejects a MAC already used on the network but allows it on another', async () => {
      const a = await network(t.admin, '10.24.0.0/24');
      const b = await network(t.admin, '10.25.0.0/24');
      const mac = 'fa:16:3e:aa:bb:cc';
      assert.equal((await t.admin.post('/v2.0/ports', { port: { network_id: a.net.id, mac_address: mac } })).status, 201);
      const dup = await t.admin.post('/v2.0/ports', { port: { network_id: a.net.id, mac_address: mac } });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.NeutronError.type, 'MacAddressInUse');
      assert.equal((await t.admin.post('/v2.0/ports', { port: { network_id: b.net.id, mac_address: mac } })).status, 201);
      const bad = await t.admin.post('/v2.0/ports', { port: { network_id: b.net.id, mac_address: 'zz:16:3e:aa:bb:cc' } });
      assert.equal(bad.status, 400);
    });

    it('updates fixed_ips atomically: keeps, releases and adds', async () => {
      const { net, subnet } = await network(t.admin, '10.26.0.0/24');
      const p = (await t.admin.post('/v2.0/ports', { port: { network_id: net.id, fixed_ips: [{ ip_address: '10.26.0.10' }, { ip_address: '10.26.0.11' }] } })).body.port;
      const res = await t.admin.put(`/v2.0/ports/${p.id}`, { port: { fixed_ips: [{ ip_address: '10.26.0.11' }, { ip_address: '10.26.0.12' }] } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.port.fixed_ips.map((f: FixedIp) => f.ip_address).sort(), ['10.26.0.11', '10.26.0.12']);
      // The released address is free again.
      assert.equal((await t.admin.post('/v2.0/ports', { port: { network_id: net.id, fixed_ips: [{ ip_address: '10.26.0.10' }] } })).status, 201);
      // A failing update changes nothing: .11 stays with the port.
      const other = (await t.admin.post('/v2.0/ports', { port: { network_id: net.id, fixed_ips: [{ ip_address: '10.26.0.20' }] } })).body.port;
      const clash = await t.admin.put(`/v2.0/ports/${p.id}`, { port: { fixed_ips: [{ ip_address: '10.26.0.20' }] } });
      assert.equal(clash.status, 409);
      assert.equal(clash.body.NeutronError.type, 'IpAddressInUse');
      const after = (await t.admin.get(`/v2.0/ports/${p.id}`)).body.port;
      assert.deepEqual(after.fixed_ips.map((f: FixedIp) => f.ip_address).sort(), ['10.26.0.11', '10.26.0.12']);
      // A subnet-only request keeps the port's address on that subnet.
      const keep = await t.admin.put(`/v2.0/ports/${other.id}`, { port: { fixed_ips: [{ subnet_id: subnet.id }] } });
      assert.deepEqual(keep.body.port.fixed_ips, [{ subnet_id: subnet.id, ip_address: '10.26.0.20' }]);
      const swap = await t.admin.put(`/v2.0/ports/${other.id}`, { port: { fixed_ips: [{ ip_address: '10.26.0.10' }] } });
      assert.equal(swap.status, 409, 'held by another port');
      const clear = await t.admin.put(`/v2.0/ports/${other.id}`, { port: { fixed_ips: [] } });
      assert.deepEqual(clear.body.port.fixed_ips, []);
    });

    it('filters ports by fixed IPs, MAC, device and owner', async () => {
      const { net, subnet } = await network(t.admin, '10.27.0.0/24');
      const a = (await t.admin.post('/v2.0/ports', { port: { network_id: net.id, device_id: 'vm-1', device_owner: 'compute:nova', fixed_ips: [{ ip_address: '10.27.0.31' }] } })).body.port;
      const b = (await t.admin.post('/v2.0/ports', { port: { network_id: net.id, device_id: 'vm-2', fixed_ips: [{ ip_address: '10.27.0.32' }] } })).body.port;
      const ids = async (q: string) => (await t.admin.get(`/v2.0/ports?${q}`)).body.ports.map((p: { id: string }) => p.id).sort();
      assert.deepEqual(await ids('fixed_ips=ip_address%3D10.27.0.31'), [a.id]);
      assert.deepEqual(await ids(`fixed_ips=subnet_id%3D${subnet.id}`), [a.id, b.id].sort());
      assert.deepEqual(await ids(`fixed_ips=subnet_id%3D${subnet.id}&fixed_ips=ip_address%3D10.27.0.32`), [b.id]);
      assert.deepEqual(await ids('fixed_ips=ip_address_substr%3D27.0.3'), [a.id, b.id].sort());
      assert.deepEqual(await ids(`mac_address=${b.mac_address}`), [b.id]);
      assert.deepEqual(await ids('device_id=vm-1'), [a.id]);
      assert.deepEqual(await ids(`device_owner=compute:nova&network_id=${net.id}`), [a.id]);
      const bad = await t.admin.get('/v2.0/ports?fixed_ips=colour%3Dred');
      assert.equal(bad.status, 400);
    });

    it('validates allowed address pairs, extra DHCP options and port security', async () => {
      const { net } = await network(t.admin, '10.28.0.0/24', { port_security_enabled: false });
      const insecure = (await t.admin.post('/v2.0/ports', { port: { network_id: net.id } })).body.port;
      assert.equal(insecure.port_security_enabled, false, "defaults to the network's value");
      const pairsNoSec = await t.admin.post('/v2.0/ports', { port: { network_id: net.id, allowed_address_pairs: [{ ip_address: '10.0.0.5' }] } });
      assert.equal(pairsNoSec.status, 409);
      assert.equal(pairsNoSec.body.NeutronError.type, 'AddressPairAndPortSecurityRequired');
      const p = (
        await t.admin.post('/v2.0/ports', {
          port: {
            network_id: net.id,
            port_security_enabled: true,
            allowed_address_pairs: [{ ip_address: '10.0.0.5' }, { ip_address: '192.168.0.0/24', mac_address: 'fa:16:3e:00:00:01' }],
            extra_dhcp_opts: [{ opt_name: 'bootfile-name', opt_value: 'pxelinux.0' }, { opt_name: 'tftp-server', opt_value: '10.0.0.9', ip_version: 4 }],
          },
        })
      ).body.port;
      assert.deepEqual(p.allowed_address_pairs, [
        { ip_address: '10.0.0.5', mac_address: p.mac_address },
        { ip_address: '192.168.0.0/24', mac_address: 'fa:16:3e:00:00:01' },
      ]);
      assert.deepEqual(p.extra_dhcp_opts, [
        { opt_name: 'bootfile-name', opt_value: 'pxelinux.0', ip_version: 4 },
        { opt_name: 'tftp-server', opt_value: '10.0.0.9', ip_version: 4 },
      ]);
      const merged = await t.admin.put(`/v2.0/ports/${p.id}`, { port: { extra_dhcp_opts: [{ opt_name: 'bootfile-name', opt_value: null }, { opt_name: 'tftp-server', opt_value: '10.0.0.10' }] } });
      assert.deepEqual(merged.body.port.extra_dhcp_opts, [{ opt_name: 'tftp-server', opt_value: '10.0.0.10', ip_version: 4 }]);
      const dup = await t.admin.put(`/v2.0/ports/${p.id}`, { port: { allowed_address_pairs: [{ ip_address: '10.0.0.5' }, { ip_address: '10.0.0.5' }] } });
      assert.equal(dup.status, 400);
      assert.equal(dup.body.NeutronError.type, 'DuplicateAddressPairInRequest');
      const tooMany = await t.admin.put(`/v2.0/ports/${p.id}`, { port: { allowed_address_pairs: Array.from({ length: 11 }, (_, i) => ({ ip_address: `10.1.0.${i}` })) } });
      assert.equal(tooMany.body.NeutronError.type, 'AllowedAddressPairExhausted');
      const disable = await t.admin.put(`/v2.0/ports/${p.id}`, { port: { port_security_enabled: false, security_groups: [] } });
      assert.equal(disable.status, 409);
      assert.equal(disable.body.NeutronError.type, 'AddressPairAndPortSecurityRequired');
      const both = await t.admin.put(`/v2.0/ports/${p.id}`, { port: { port_security_enabled: false, allowed_address_pairs: [], security_groups: [] } });
      assert.equal(both.status, 200, JSON.stringify(both.body));
    });

    it('keeps bindings and data plane status admin only', async () => {
      const { net } = await network(t.client, '10.29.0.0/24');
      const denied = await t.client.post('/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': 'host1' } });
      assert.equal(denied.status, 403);
      const p = (await t.client.post('/v2.0/ports', { port: { network_id: net.id } })).body.port;
      assert.equal((await t.client.put(`/v2.0/ports/${p.id}`, { port: { data_plane_status: 'ACTIVE' } })).status, 403);
      const bound = await t.admin.put(`/v2.0/ports/${p.id}`, { port: { 'binding:host_id': 'host1', 'binding:profile': { a: 1 }, data_plane_status: 'DOWN', propagate_uplink_status: true } });
      assert.equal(bound.status, 200, JSON.stringify(bound.body));
      assert.equal(bound.body.port['binding:host_id'], 'host1');
      assert.deepEqual(bound.body.port['binding:profile'], { a: 1 });
      assert.equal(bound.body.port.data_plane_status, 'DOWN');
      assert.equal(bound.body.port.propagate_uplink_status, true);
      const badVnic = await t.admin.put(`/v2.0/ports/${p.id}`, { port: { 'binding:vnic_type': 'warp' } });
      assert.equal(badVnic.status, 400);
      const byHost = await t.admin.get('/v2.0/ports?binding:host_id=host1');
      assert.deepEqual(byHost.body.ports.map((x: { id: string }) => x.id), [p.id]);
    });

    it('lets projects use shared networks, hides other projects ports, and enforces the port quota', async () => {
      const { net } = await network(t.admin, '10.30.0.0/24', { shared: true });
      const other = t.client.as({ project: 'project-pq' });
      const mine = await other.post('/v2.0/ports', { port: { network_id: net.id } });
      assert.equal(mine.status, 201);
      assert.equal(mine.body.port.project_id, 'project-pq');
      assert.equal((await t.client.get(`/v2.0/ports/${mine.body.port.id}`)).status, 404);
      const priv = await network(t.client, '10.31.0.0/24');
      const foreign = await other.post('/v2.0/ports', { port: { network_id: priv.net.id } });
      assert.equal(foreign.status, 404);
      assert.equal(foreign.body.NeutronError.type, 'NetworkNotFound');
      await t.admin.put('/v2.0/quotas/project-pq', { quota: { port: 2 } });
      assert.equal((await other.post('/v2.0/ports', { port: { network_id: net.id } })).status, 201);
      const over = await other.post('/v2.0/ports', { port: { network_id: net.id } });
      assert.equal(over.status, 409);
      assert.equal(over.body.NeutronError.type, 'OverQuota');
    });

    it('creates ports in bulk all or nothing', async () => {
      const { net } = await network(t.admin, '10.32.0.0/24');
      const bad = await t.admin.post('/v2.0/ports', { ports: [{ network_id: net.id, fixed_ips: [{ ip_address: '10.32.0.5' }] }, { network_id: net.id, fixed_ips: [{ ip_address: '10.32.0.5' }] }] });
      assert.equal(bad.status, 409);
      assert.equal((await t.admin.get(`/v2.0/ports?network_id=${net.id}`)).body.ports.length, 0);
      const ok = await t.admin.post('/v2.0/ports', { ports: [{ network_id: net.id }, { network_id: net.id }] });
      assert.equal(ok.status, 201);
      const ips = ok.body.ports.map((p: { fixed_ips: FixedIp[] }) => p.fixed_ips[0].ip_address);
      assert.notEqual(ips[0], ips[1]);
    });
  });
}
