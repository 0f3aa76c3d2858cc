// Reachability analysis (neutrino-reachability) over HTTP on SQLite and PostgreSQL: a
// project's two networks behind one router with an external gateway, another project with
// an overlapping CIDR and its own floating IP; each kind of hop and block, the return
// direction of stateful=false groups, and what another project's resources look like on a path.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type ApiClient, type TestServer } from '../helpers/server.ts';
import { externalNetwork, networkWithSubnet, type NetworkWithSubnet } from '../helpers/l3.ts';

const EXPLAIN = '/v2.0/reachability/explain';
const OUTSIDE = '198.51.100.7';

for (const dialect of dialects()) {
  describe(`reachability (${dialect})`, () => {
    let t: TestServer;
    let b: ApiClient; // a member of project-b
    let ext: NetworkWithSubnet;
    let netA: NetworkWithSubnet;
    let netB: NetworkWithSubnet;
    let router: any;
    let web: any; // security group of the server
    let webRule: any; // ingress tcp/443 from 10.0.0.0/24
    let client: any; // port on netA, default group
    let server: any; // port on netB (10.0.1.0/24), group web
    let clientDefaultGroup: string;

    const ask = async (as: ApiClient, source: Record<string, unknown>, destination: Record<string, unknown>, protocol: string, port?: number, extra: Record<string, unknown> = {}) => {
      const res = await as.post(EXPLAIN, { reachability: { source, destination, protocol, ...(port === undefined ? {} : { port }), ...extra } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.reachability;
    };
    const kinds = (hops: { kind: string }[]) => hops.map((h) => h.kind);
    const created = async (as: ApiClient, path: string, body: Record<string, unknown>) => {
      const res = await as.post(path, body);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return Object.values(res.body)[0] as any;
    };

    before(async () => {
      t = await startTestServer(dialect);
      b = t.client.as({ project: 'project-b' });
      ext = await externalNetwork(t.admin, '203.0.113.0/24');
      netA = await networkWithSubnet(t.client, '10.0.0.0/24');
      netB = await networkWithSubnet(t.client, '10.0.1.0/24');
      router = await created(t.client, '/v2.0/routers', { router: { name: 'r-a', external_gateway_info: { network_id: ext.network.id } } });
      for (const s of [netA.subnet, netB.subnet]) assert.equal((await t.client.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: s.id })).status, 200);
      web = await created(t.client, '/v2.0/security-groups', { security_group: { name: 'web' } });
      webRule = await created(t.client, '/v2.0/security-group-rules', {
        security_group_rule: { security_group_id: web.id, direction: 'ingress', protocol: 'tcp', port_range_min: 443, port_range_max: 443, remote_ip_prefix: '10.0.0.0/24' },
      });
      client = await created(t.client, '/v2.0/ports', { port: { network_id: netA.network.id, name: 'client' } });
      server = await created(t.client, '/v2.0/ports', { port: { network_id: netB.network.id, name: 'server', security_groups: [web.id] } });
      clientDefaultGroup = client.security_groups[0];
    });
    after(async () => t?.close());

    it('is listed as Neutrino’s own extension', async () => {
      const ext = (await t.client.get('/v2.0/extensions')).body.extensions.find((e: { alias: string }) => e.alias === 'neutrino-reachability');
      assert.ok(ext);
      assert.match(ext.description, /not part of Neutron/);
    });

    it('follows a port to a port on another network through the router, and names the rules that admit it', async () => {
      const r = await ask(t.client, { port_id: client.id }, { port_id: server.id }, 'tcp', 443);
      assert.equal(r.verdict, 'reachable', JSON.stringify(r, null, 1));
      assert.equal(r.reachable, true);
      assert.equal(r.source.ip_address, client.fixed_ips[0].ip_address);
      assert.equal(r.destination.ip_address, server.fixed_ips[0].ip_address);
      assert.deepEqual(kinds(r.forward), ['source_port', 'anti_spoofing', 'egress_rule', 'network', 'subnet_gateway', 'router_interface', 'route', 'router_interface', 'network', 'destination_port', 'ingress_rule']);
      const egress = r.forward.find((h: any) => h.kind === 'egress_rule');
      assert.equal(egress.resource.id, clientDefaultGroup);
      const rules = (await t.client.get(`/v2.0/security-group-rules?security_group_id=${clientDefaultGroup}&direction=egress&ethertype=IPv4`)).body.security_group_rules;
      assert.equal(egress.rule_id, rules[0].id);
      const route = r.forward.find((h: any) => h.kind === 'route');
      assert.equal(route.resource.id, router.id);
      assert.match(route.detail, /connected 10\.0\.1\.0\/24/);
      assert.equal(r.forward.at(-1).rule_id, webRule.id);
      assert.equal(r.blocked_by, null);
      assert.ok(r.return.every((h: any) => h.ok) && r.return.some((h: any) => /stateful/.test(h.detail)));
      assert.equal(r.verified, false);
    });

    it('names the default deny and the smallest rule that would open it', async () => {
      const r = await ask(t.client, { port_id: client.id }, { port_id: server.id }, 'tcp', 22);
      assert.equal(r.verdict, 'not_reachable');
      assert.equal(r.blocked_by.kind, 'ingress_rule');
      assert.equal(r.blocked_by.direction, 'forward');
      assert.equal(r.blocked_by.resource.id, web.id);
      assert.match(r.blocked_by.reason, /default deny/);
      assert.match(r.suggestion, /^add an ingress rule tcp\/22 from 10\.0\.0\.0\/24 to group web/);
      // The suggestion works: the rule it names opens the path.
      await created(t.client, '/v2.0/security-group-rules', {
        security_group_rule: { security_group_id: web.id, direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '10.0.0.0/24' },
      });
      assert.equal((await ask(t.client, { port_id: client.id }, { port_id: server.id }, 'tcp', 22)).verdict, 'reachable');
    });

    it('matches remote_group_id and remote_address_group_id rules', async () => {
      const byGroup = await created(t.client, '/v2.0/security-group-rules', {
        security_group_rule: { security_group_id: web.id, direction: 'ingress', protocol: 'tcp', port_range_min: 8080, port_range_max: 8080, remote_group_id: clientDefaultGroup },
      });
      const r = await ask(t.client, { port_id: client.id }, { port_id: server.id }, 'tcp', 8080);
      assert.equal(r.verdict, 'reachable');
      assert.equal(r.forward.at(-1).rule_id, byGroup.id);
      assert.match(r.forward.at(-1).detail, /remote group default/);
      // The server is not in the client's default group: a rule on the client's side naming that group does not match it.
      const ag = await created(t.client, '/v2.0/address-groups', { address_group: { name: 'office', addresses: [`${client.fixed_ips[0].ip_address}/32`] } });
      const byAddressGroup = await created(t.client, '/v2.0/security-group-rules', {
        security_group_rule: { security_group_id: web.id, direction: 'ingress', protocol: 'udp', port_range_min: 53, port_range_max: 53, remote_address_group_id: ag.id },
      });
      const u = await ask(t.client, { port_id: client.id }, { port_id: server.id }, 'udp', 53);
      assert.equal(u.verdict, 'reachable');
      assert.equal(u.forward.at(-1).rule_id, byAddressGroup.id);
      assert.match(u.forward.at(-1).detail, /address group office/);
      // Another address is not in the address group: udp/53 from the server to the client is denied by the client's default group.
      const back = await ask(t.client, { port_id: server.id }, { port_id: client.id }, 'udp', 53);
      assert.equal(back.verdict, 'not_reachable');
      assert.equal(back.blocked_by.resource.id, clientDefaultGroup);
    });

    it('anti-spoofing: a source address outside the fixed IPs is dropped unless an allowed address pair admits it', async () => {
      const spoofed = await ask(t.client, { port_id: client.id, ip_address: '10.0.0.200' }, { port_id: server.id }, 'tcp', 443);
      assert.equal(spoofed.verdict, 'not_reachable');
      assert.equal(spoofed.blocked_by.kind, 'anti_spoofing');
      assert.match(spoofed.suggestion, /allowed_address_pairs/);
      assert.equal((await t.client.put(`/v2.0/ports/${client.id}`, { port: { allowed_address_pairs: [{ ip_address: '10.0.0.200' }] } })).status, 200);
      const paired = await ask(t.client, { port_id: client.id, ip_address: '10.0.0.200' }, { port_id: server.id }, 'tcp', 443);
      assert.equal(paired.verdict, 'reachable');
      assert.match(paired.forward[1].detail, /allowed address pair 10\.0\.0\.200/);
      // The pair's address is a member of the port's groups: the remote_group_id rule (tcp/8080 from the client's default group) admits it, as the agents' member sets do.
      const member = await ask(t.client, { port_id: client.id, ip_address: '10.0.0.200' }, { port_id: server.id }, 'tcp', 8080);
      assert.equal(member.verdict, 'reachable', JSON.stringify(member.blocked_by));
      assert.match(member.forward.at(-1).detail, /remote group default/);
    });

    it('port_security_enabled false and admin_state_up false', async () => {
      const open = await created(t.client, '/v2.0/ports', { port: { network_id: netB.network.id, name: 'open', port_security_enabled: false } });
      const r = await ask(t.client, { port_id: client.id }, { port_id: open.id }, 'udp', 5000);
      assert.equal(r.verdict, 'reachable');
      assert.match(r.forward.at(-1).detail, /port security disabled/);
      assert.equal((await t.client.put(`/v2.0/ports/${open.id}`, { port: { admin_state_up: false } })).status, 200);
      const down = await ask(t.client, { port_id: client.id }, { port_id: open.id }, 'udp', 5000);
      assert.equal(down.verdict, 'not_reachable');
      assert.equal(down.blocked_by.kind, 'destination_port');
      assert.equal(down.suggestion, `set admin_state_up true on port ${open.id}`);
    });

    it('goes out through the gateway with SNAT to the gateway IP, and is unknown without SNAT', async () => {
      const gatewayIp = router.external_gateway_info.external_fixed_ips[0].ip_address;
      const r = await ask(t.client, { port_id: client.id }, { ip_address: OUTSIDE }, 'tcp', 80);
      assert.equal(r.verdict, 'reachable', JSON.stringify(r, null, 1));
      const nat = r.forward.find((h: any) => h.kind === 'nat');
      assert.match(nat.detail, new RegExp(`SNAT to the gateway IP ${gatewayIp.replace(/\./g, '\\.')}`));
      assert.equal(r.forward.at(-1).kind, 'external');
      assert.equal((await t.admin.put(`/v2.0/routers/${router.id}`, { router: { external_gateway_info: { network_id: ext.network.id, enable_snat: false } } })).status, 200);
      const noSnat = await ask(t.client, { port_id: client.id }, { ip_address: OUTSIDE }, 'tcp', 80);
      assert.equal(noSnat.verdict, 'unknown');
      assert.match(noSnat.note, /without SNAT/);
      assert.equal((await t.admin.put(`/v2.0/routers/${router.id}`, { router: { external_gateway_info: { network_id: ext.network.id, enable_snat: true } } })).status, 200);
    });

    it('from outside: no floating IP, then DNAT through one; a floating IP moved to another port follows it', async () => {
      const none = await ask(t.client, { ip_address: OUTSIDE }, { port_id: server.id }, 'tcp', 443);
      assert.equal(none.verdict, 'not_reachable');
      assert.match(none.suggestion, /associate a floating IP with port/);
      const fip = await created(t.client, '/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id, port_id: server.id } });
      const viaFip = await ask(t.client, { ip_address: OUTSIDE }, { ip_address: fip.floating_ip_address }, 'tcp', 443);
      assert.equal(viaFip.verdict, 'not_reachable', 'web admits 443 from 10.0.0.0/24 only');
      assert.ok(viaFip.forward.some((h: any) => h.kind === 'nat'), JSON.stringify(viaFip, null, 1));
      assert.ok(viaFip.forward.some((h: any) => h.kind === 'nat' && h.resource.id === fip.id && /DNAT/.test(h.detail)));
      assert.match(viaFip.suggestion, new RegExp(`add an ingress rule tcp/443 from ${OUTSIDE.replace(/\./g, '\\.')}/32 to group web`));
      // Inside to the floating IP: hairpin through the router, SNAT to the client's... gateway address.
      const hairpin = await ask(t.client, { port_id: client.id }, { ip_address: fip.floating_ip_address }, 'tcp', 443);
      assert.equal(hairpin.verdict, 'not_reachable', 'the server sees the gateway address, not 10.0.0.0/24');
      const other = await created(t.client, '/v2.0/ports', { port: { network_id: netB.network.id, name: 'other', port_security_enabled: false } });
      assert.equal((await t.client.put(`/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: other.id } })).status, 200);
      const moved = await ask(t.client, { ip_address: OUTSIDE }, { ip_address: fip.floating_ip_address }, 'tcp', 443);
      assert.equal(moved.verdict, 'reachable');
      assert.equal(moved.forward.find((h: any) => h.kind === 'destination_port').resource.id, other.id);
      const toServer = await ask(t.client, { ip_address: OUTSIDE }, { port_id: server.id }, 'tcp', 443);
      assert.equal(toServer.verdict, 'not_reachable');
      assert.match(toServer.blocked_by.reason, /no floating IP/);
    });

    it('port forwarding: the matching forwarding DNATs to its internal socket, another port is refused', async () => {
      const fip = await created(t.client, '/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id } });
      const pf = await created(t.client, `/v2.0/floatingips/${fip.id}/port_forwardings`, {
        port_forwarding: { protocol: 'tcp', external_port: 8443, internal_port: 443, internal_port_id: server.id, internal_ip_address: server.fixed_ips[0].ip_address },
      });
      const r = await ask(t.client, { port_id: client.id }, { ip_address: fip.floating_ip_address }, 'tcp', 8443);
      const hop = r.forward.find((h: any) => h.kind === 'port_forwarding');
      assert.equal(hop.resource.id, pf.id);
      assert.match(hop.detail, /tcp 8443 → 10\.0\.1\.\d+:443/);
      const miss = await ask(t.client, { port_id: client.id }, { ip_address: fip.floating_ip_address }, 'tcp', 9000);
      assert.equal(miss.verdict, 'not_reachable');
      assert.equal(miss.blocked_by.kind, 'port_forwarding');
    });

    it('a stateful=false group needs a rule for the replies', async () => {
      const stateless = await created(t.client, '/v2.0/security-groups', { security_group: { name: 'stateless', stateful: false } });
      await created(t.client, '/v2.0/security-group-rules', {
        security_group_rule: { security_group_id: stateless.id, direction: 'ingress', protocol: 'tcp', port_range_min: 443, port_range_max: 443, remote_ip_prefix: '10.0.0.0/24' },
      });
      const port = await created(t.client, '/v2.0/ports', { port: { network_id: netB.network.id, name: 'stateless', security_groups: [stateless.id] } });
      const withEgress = await ask(t.client, { port_id: client.id }, { port_id: port.id }, 'tcp', 443);
      assert.equal(withEgress.verdict, 'reachable', 'the default egress rules admit the replies');
      assert.ok(withEgress.return.some((h: any) => h.kind === 'egress_rule' && h.rule_id));
      const egress = (await t.client.get(`/v2.0/security-group-rules?security_group_id=${stateless.id}&direction=egress`)).body.security_group_rules;
      for (const rule of egress) assert.equal((await t.client.del(`/v2.0/security-group-rules/${rule.id}`)).status, 204);
      const r = await ask(t.client, { port_id: client.id }, { port_id: port.id }, 'tcp', 443);
      assert.equal(r.verdict, 'not_reachable');
      assert.equal(r.blocked_by.direction, 'return');
      assert.equal(r.blocked_by.kind, 'egress_rule');
      assert.match(r.suggestion, /add an egress rule tcp to 10\.0\.0\.0\/24 to group stateless \(its groups are stateful=false/);
    });

    it('overlapping CIDRs in two projects: no path between them, and the other project stays hidden', async () => {
      const mine = await networkWithSubnet(b, '10.0.0.0/24');
      const theirs = await created(t.admin, '/v2.0/ports', { port: { network_id: mine.network.id, project_id: 'project-b', fixed_ips: [{ ip_address: '10.0.0.77' }] } });
      const r = await ask(t.client, { port_id: client.id }, { ip_address: '10.0.0.77' }, 'tcp', 443);
      assert.equal(r.verdict, 'not_reachable');
      assert.equal(r.blocked_by.resource.id, netA.network.id, 'the address is on-link on the source network, where nobody holds it');
      assert.match(r.blocked_by.reason, /no port on network .* holds 10\.0\.0\.77/);
      const hidden = await t.client.post(EXPLAIN, { reachability: { source: { port_id: client.id }, destination: { port_id: theirs.id }, protocol: 'tcp', port: 443 } });
      assert.equal(hidden.status, 404);
      assert.equal(hidden.body.NeutronError.type, 'PortNotFound');
    });

    it("another project's floating IP: its router, port and group are named generically", async () => {
      const bNet = await networkWithSubnet(b, '10.9.0.0/24');
      const bRouter = await created(b, '/v2.0/routers', { router: { name: 'secret-router', external_gateway_info: { network_id: ext.network.id } } });
      assert.equal((await b.put(`/v2.0/routers/${bRouter.id}/add_router_interface`, { subnet_id: bNet.subnet.id })).status, 200);
      const bGroup = await created(b, '/v2.0/security-groups', { security_group: { name: 'secret-group' } });
      const bPort = await created(b, '/v2.0/ports', { port: { network_id: bNet.network.id, name: 'secret-port', security_groups: [bGroup.id] } });
      const bFip = await created(b, '/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id, port_id: bPort.id } });
      const secrets = [bRouter.id, bPort.id, bGroup.id, bFip.id, bNet.network.id, bNet.subnet.id, 'secret', bPort.fixed_ips[0].ip_address];
      const leaks = (r: unknown) => secrets.filter((s) => JSON.stringify(r).includes(s));

      const closed = await ask(t.client, { port_id: client.id }, { ip_address: bFip.floating_ip_address }, 'tcp', 443);
      assert.equal(closed.verdict, 'not_reachable');
      assert.deepEqual(leaks(closed), []);
      assert.equal(closed.blocked_by.kind, 'ingress_rule', JSON.stringify(closed, null, 1));
      assert.deepEqual(closed.blocked_by.resource, { type: 'security_group', label: 'a security group you cannot see' });
      assert.match(closed.suggestion, /owner of the destination/);
      // Project b sees its own resources on the same path.
      const own = await ask(b, { ip_address: OUTSIDE }, { ip_address: bFip.floating_ip_address }, 'tcp', 443);
      assert.equal(own.blocked_by.resource.id, bGroup.id);
      assert.match(own.suggestion, /add an ingress rule tcp\/443 from 198\.51\.100\.7\/32 to group secret-group/);

      const bRule = await created(b, '/v2.0/security-group-rules', { security_group_rule: { security_group_id: bGroup.id, direction: 'ingress', protocol: 'tcp', port_range_min: 443, port_range_max: 443 } });
      const open = await ask(t.client, { port_id: client.id }, { ip_address: bFip.floating_ip_address }, 'tcp', 443);
      assert.equal(open.verdict, 'reachable', JSON.stringify(open, null, 1));
      assert.deepEqual(leaks(open), []);
      assert.ok(!JSON.stringify(open).includes(bRule.id));
      assert.ok(open.forward.some((h: any) => h.kind === 'route' && h.resource.label === 'a router you cannot see'));
      // An admin sees every id on the path.
      const admin = await ask(t.admin, { port_id: client.id }, { ip_address: bFip.floating_ip_address }, 'tcp', 443);
      assert.equal(admin.forward.at(-1).rule_id, bRule.id);
    });

    it('refuses verify (no backend checks the dataplane yet) and bad questions', async () => {
      const verify = await t.client.post(EXPLAIN, { reachability: { source: { port_id: client.id }, destination: { port_id: server.id }, protocol: 'tcp', port: 443, verify: true } });
      assert.equal(verify.status, 400);
      assert.equal(verify.body.NeutronError.type, 'ReachabilityVerifyNotSupported');
      assert.match(verify.body.NeutronError.message, /not supported by backend noop/);
      const bad = async (body: unknown, pattern: RegExp) => {
        const res = await t.client.post(EXPLAIN, body);
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.match(res.body.NeutronError.message, pattern);
      };
      await bad({ reachability: { source: { port_id: client.id }, destination: { port_id: server.id }, protocol: 'tcp' } }, /port is required/);
      await bad({ reachability: { source: { port_id: client.id }, destination: { port_id: server.id }, protocol: 'gre' } }, /protocol/);
      await bad({ reachability: { source: { port_id: client.id }, destination: { port_id: server.id }, protocol: 'tcp', port: 70000 } }, /port number/);
      await bad({ reachability: { source: {}, destination: { port_id: server.id }, protocol: 'any' } }, /port_id or an ip_address/);
      await bad({ reachability: { source: { ip_address: 'nope' }, destination: { port_id: server.id }, protocol: 'any' } }, /not a valid IP address/);
      await bad({ reachability: { source: { port_id: client.id }, destination: { ip_address: '2001:db8::1' }, protocol: 'any' } }, /IPv6 address/);
      await bad({ explain: {} }, /reachability/);
    });
  });
}
