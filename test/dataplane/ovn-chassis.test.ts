// Real packets on one chassis: ovs-vswitchd (userspace datapath, in a "hypervisor"
// namespace the test creates) and ovn-controller realize what Neutrino wrote to NB. Workload
// namespaces are plugged into br-int by veth (iface-id = port id): the ports become ACTIVE in
// the API when OVN binds them, DHCP from OVN gives each its port's address, workloads in
// one security group ping each other, a workload outside it is refused until a rule allows,
// a TCP port opens with a rule and closes without it. An "external" namespace (203.0.113.0/24)
// hangs off br-ex, the chassis' bridge for physnet1 (ovn-bridge-mappings), where the flat
// external network's localnet port leads: it reaches a workload by its floating IP (the
// workload sees the external address), and sees routed workloads by the router's SNAT
// address or their floating IP, and reaches another through a port forwarding. Closed topology; everything is removed after, also on failure.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOvnEnv, ovnSupport, plugWorkload, type OvnEnv } from './ovn-env.ts';
import { run, must, waitFor } from './harness.ts';

const skip = process.getuid?.() !== 0 ? 'needs root' : (ovnSupport() ?? false);

describe('ovn backend: one chassis with real packets', { skip }, () => {
  const prefix = `o${randomBytes(3).toString('hex')}`;
  const hv = `${prefix}-hv`;
  const chassis = `${prefix}-ch`;
  const external = `${prefix}-ext`;
  const workloads: string[] = [];
  let env: OvnEnv;
  let net: any, subnet: any, sg: any;
  const api = () => env.server.admin;

  /** A workload namespace on the port (see plugWorkload). */
  async function plug(port: any, index: number): Promise<string> {
    const ns = `${prefix}-w${index}`;
    workloads.push(ns);
    await plugWorkload({ hv, ns, hostSide: `${prefix}v${index}`, port, vsctl: env.vsctl });
    return ns;
  }

  async function createPort(name: string, groups: string[]): Promise<any> {
    const r = await api().post('/v2.0/ports', { port: { network_id: net.id, name, security_groups: groups, 'binding:host_id': chassis } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.port;
  }

  before(async () => {
    await must('ip', ['netns', 'add', hv]);
    env = await startOvnEnv({ chassis: { name: chassis, netns: hv, bridgeMappings: { physnet1: 'br-ex' } } });
    await waitFor('the chassis to register in SB', async () => (await env.sbctl('--bare', '--columns=name', 'list', 'Chassis')).includes(chassis), 30_000);
    net = (await api().post('/v2.0/networks', { network: { name: 'chassis-net' } })).body.network;
    subnet = (await api().post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.77.0.0/24', ip_version: 4, gateway_ip: '10.77.0.1' } })).body.subnet;
    sg = (await api().post('/v2.0/security-groups', { security_group: { name: 'closed' } })).body.security_group;
  });

  after(async () => {
    for (const ns of [...workloads, external]) await run('ip', ['netns', 'del', ns]);
    await env?.close().catch(() => {});
    await run('ip', ['netns', 'del', hv]);
  });

  it('binds ports ovs on the chassis, refuses an unknown host', async () => {
    const bad = await api().post('/v2.0/ports', { port: { network_id: net.id, name: 'nowhere', 'binding:host_id': 'no-such-host' } });
    assert.equal(bad.status, 201);
    assert.equal(bad.body.port['binding:vif_type'], 'binding_failed');
    await api().del(`/v2.0/ports/${bad.body.port.id}`);
  });

  it('makes plugged ports ACTIVE, hands out their addresses by DHCP, and forwards between them', async () => {
    const p1 = await createPort('w1', []);
    const p2 = await createPort('w2', []);
    assert.equal(p1['binding:vif_type'], 'ovs');
    assert.equal(p1.status, 'DOWN');
    // Both in the project's default group (ports created without groups by admin get none here: use the default group explicitly).
    const def = (await api().get(`/v2.0/security-groups?name=default&project_id=${p1.project_id}`)).body.security_groups[0];
    for (const p of [p1, p2]) assert.equal((await api().put(`/v2.0/ports/${p.id}`, { port: { security_groups: [def.id] } })).status, 200);
    const w1 = await plug(p1, 1);
    const w2 = await plug(p2, 2);
    for (const p of [p1, p2]) await waitFor(`port ${p.name} ACTIVE`, async () => (await api().get(`/v2.0/ports/${p.id}`)).body.port.status === 'ACTIVE', 60_000, 200);

    for (const [ns, port] of [[w1, p1], [w2, p2]] as const) {
      const dhcp = await run('ip', ['netns', 'exec', ns, 'busybox', 'udhcpc', '-i', 'eth0', '-n', '-q', '-f', '-t', '5', '-T', '1', '-s', '/bin/true'], { timeoutMs: 30_000 });
      const ip = port.fixed_ips[0].ip_address;
      assert.match(dhcp.stdout + dhcp.stderr, new RegExp(`lease of ${ip.replace(/\./g, '\\.')} obtained`), dhcp.stdout + dhcp.stderr);
      await must('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    }
    const ping = await run('ip', ['netns', 'exec', w1, 'busybox', 'ping', '-c', '3', '-W', '2', p2.fixed_ips[0].ip_address], { timeoutMs: 30_000 });
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);
  });

  it('refuses a workload outside any allowing group until a rule allows it', async () => {
    const p3 = await createPort('w3', [sg.id]);
    const w3 = await plug(p3, 3);
    await waitFor('port w3 ACTIVE', async () => (await api().get(`/v2.0/ports/${p3.id}`)).body.port.status === 'ACTIVE', 60_000, 200);
    const ip3 = p3.fixed_ips[0].ip_address;
    await must('ip', ['-n', w3, 'addr', 'add', `${ip3}/24`, 'dev', 'eth0']);
    const from = workloads[0];
    const refused = await run('ip', ['netns', 'exec', from, 'busybox', 'ping', '-c', '2', '-W', '1', ip3], { timeoutMs: 30_000 });
    assert.notEqual(refused.code, 0, 'no ingress rule: ping must fail');
    await api().post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'ingress', ethertype: 'IPv4', protocol: 'icmp' } });
    await env.settle();
    await waitFor('ping allowed by the rule', async () => (await run('ip', ['netns', 'exec', from, 'busybox', 'ping', '-c', '1', '-W', '1', ip3])).code === 0, 30_000, 500);
  });

  /** What a TCP connection from ns to ip:port gets: the source address the echo server saw, or null. */
  const tcp = (ns: string, ip: string, port: number) => env.seenSource(ns, ip, port);

  it('opens a TCP port with a rule and closes it without', async () => {
    const [w1, w3] = [workloads[0], workloads[2]];
    const ip3 = (await api().get(`/v2.0/ports?name=w3`)).body.ports[0].fixed_ips[0].ip_address;
    await env.sourceEcho(w3, 8080);
    assert.equal(await tcp(w1, ip3, 8080), null, 'no rule for tcp/8080: the connection must fail');
    const rule = (await api().post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 8080, port_range_max: 8080 } })).body.security_group_rule;
    await env.settle();
    const ip1 = (await api().get(`/v2.0/ports?name=w1`)).body.ports[0].fixed_ips[0].ip_address;
    assert.equal(await waitFor('tcp/8080 allowed by the rule', () => tcp(w1, ip3, 8080), 30_000, 500), ip1);
    assert.equal((await api().del(`/v2.0/security-group-rules/${rule.id}`)).status, 204);
    await env.settle();
    await waitFor('tcp/8080 closed again', async () => (await tcp(w1, ip3, 8080)) === null, 30_000, 500);
  });

  it('reaches a floating IP from an external namespace through the localnet bridge, and SNATs the others', async () => {
    // The external side: 203.0.113.1 (the external subnet's gateway) on a veth in br-ex.
    await must('ip', ['netns', 'add', external]);
    await must('ip', ['-n', hv, 'link', 'add', `${prefix}x`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', external]);
    await must('ip', ['-n', external, 'link', 'set', 'eth0', 'up']);
    await must('ip', ['-n', external, 'link', 'set', 'lo', 'up']);
    await must('ip', ['-n', external, 'addr', 'add', '203.0.113.1/24', 'dev', 'eth0']);
    await must('ip', ['netns', 'exec', external, 'ethtool', '-K', 'eth0', 'tx', 'off']);
    await must('ip', ['-n', hv, 'link', 'set', `${prefix}x`, 'up']);
    await env.vsctl('add-port', 'br-ex', `${prefix}x`);

    const ext = (await api().post('/v2.0/networks', { network: { name: 'ext', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' } })).body.network;
    const extSubnet = await api().post('/v2.0/subnets', { subnet: { network_id: ext.id, cidr: '203.0.113.0/24', ip_version: 4, gateway_ip: '203.0.113.1', enable_dhcp: false } });
    assert.equal(extSubnet.status, 201, JSON.stringify(extSubnet.body));
    const router = (await api().post('/v2.0/routers', { router: { name: 'r', external_gateway_info: { network_id: ext.id, enable_snat: true } } })).body.router;
    assert.equal((await api().put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id })).status, 200);
    const gateway = (await api().get(`/v2.0/ports?device_id=${router.id}&device_owner=network:router_gateway`)).body.ports[0].fixed_ips[0].ip_address;
    const w3port = (await api().get(`/v2.0/ports?name=w3`)).body.ports[0];
    const fip = (await api().post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.id, port_id: w3port.id } })).body.floatingip;
    assert.ok(fip?.floating_ip_address, 'a floating IP');
    await api().post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 8080, port_range_max: 8080, remote_ip_prefix: '203.0.113.0/24' } });
    await env.settle();
    const [w1, w3] = [workloads[0], workloads[2]];
    for (const ns of [w1, w3]) await must('ip', ['-n', ns, 'route', 'replace', 'default', 'via', subnet.gateway_ip]);

    // In: the external host reaches the workload by its floating IP; the workload sees the external address.
    assert.equal(await waitFor('the floating IP from outside', () => tcp(external, fip.floating_ip_address, 8080), 60_000, 500), '203.0.113.1');
    // Out: the external listener sees the router's gateway address (SNAT) for a workload
    // without a floating IP, and the floating IP for the one with it.
    await env.sourceEcho(external, 8081);
    assert.equal(await waitFor('SNAT to the outside', () => tcp(w1, '203.0.113.1', 8081), 30_000, 500), gateway);
    assert.equal(await tcp(w3, '203.0.113.1', 8081), fip.floating_ip_address);

    // A port forwarding (an OVN load balancer on the router): floating IP :2222 → w1 :8080.
    const w1port = (await api().get(`/v2.0/ports?name=w1`)).body.ports[0];
    const def = (await api().get(`/v2.0/security-groups?name=default&project_id=${w1port.project_id}`)).body.security_groups[0];
    await api().post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: def.id, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 8080, port_range_max: 8080, remote_ip_prefix: '203.0.113.0/24' } });
    const pfFip = (await api().post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.id } })).body.floatingip;
    const pf = await api().post(`/v2.0/floatingips/${pfFip.id}/port_forwardings`, { port_forwarding: { protocol: 'tcp', internal_port_id: w1port.id, internal_ip_address: w1port.fixed_ips[0].ip_address, internal_port: 8080, external_port: 2222 } });
    assert.equal(pf.status, 201, JSON.stringify(pf.body));
    await env.settle();
    await env.sourceEcho(w1, 8080);
    assert.equal(await waitFor('the port forwarding from outside', () => tcp(external, pfFip.floating_ip_address, 2222), 30_000, 500), '203.0.113.1');
    assert.equal(await tcp(external, pfFip.floating_ip_address, 2223), null, 'another port of the floating IP is not forwarded');
  });

  it("answers metadata at 169.254.169.254 through the chassis' metadata localport, each workload its own", async () => {
    const meta = `ovnmeta-${net.id}`;
    assert.equal((await env.nbctl('get', 'Logical_Switch_Port', meta, 'type')).trim(), 'localport');
    // Instances as Nova would name them: the port's device_id.
    const instances = new Map<string, string>();
    for (const name of ['w1', 'w3']) {
      const port = (await api().get(`/v2.0/ports?name=${name}`)).body.ports[0];
      const uuid = randomUUID();
      assert.equal((await api().put(`/v2.0/ports/${port.id}`, { port: { device_id: uuid } })).status, 200);
      instances.set(name, uuid);
    }
    await env.startMetadataAgent({ chassis: env.sandbox.chassis!, netns: hv, namespacePrefix: `${prefix}-` });
    await waitFor('the metadata port bound on the chassis', async () => (await env.sbctl('--bare', '--columns=chassis', 'find', 'Port_Binding', `logical_port=${meta}`)).trim() !== '' || (await env.vsctl('--bare', '--columns=name', 'find', 'Interface', `external_ids:iface-id=${meta}`)).trim() !== '', 30_000, 200);
    // DHCP gives the route to it (on-link).
    const script = join(env.sandbox.dir, 'print-routes.sh');
    writeFileSync(script, '#!/bin/sh\n[ "$1" = bound ] && echo "staticroutes=$staticroutes"\nexit 0\n', { mode: 0o755 });
    const w1 = workloads[0];
    const dhcp = await run('ip', ['netns', 'exec', w1, 'busybox', 'udhcpc', '-i', 'eth0', '-n', '-q', '-f', '-t', '5', '-T', '1', '-O', 'staticroutes', '-s', script], { timeoutMs: 30_000 });
    assert.match(dhcp.stdout, /staticroutes=.*169\.254\.169\.254\/32 0\.0\.0\.0/, dhcp.stdout + dhcp.stderr);
    for (const [i, name] of [[0, 'w1'], [2, 'w3']] as const) {
      const ns = workloads[i];
      await must('ip', ['-n', ns, 'route', 'replace', '169.254.169.254/32', 'dev', 'eth0']);
      const body = await waitFor(`meta_data.json for ${name}`, async () => {
        const r = await run('ip', ['netns', 'exec', ns, 'curl', '-s', '--max-time', '3', 'http://169.254.169.254/openstack/latest/meta_data.json']);
        return r.code === 0 && r.stdout.startsWith('{') ? JSON.parse(r.stdout) : null;
      }, 60_000, 500);
      assert.equal(body.uuid, instances.get(name));
    }
    // No workload of the network left on the chassis: the agent removes the namespace and its port on br-int.
    const metaNs = `${prefix}-ovnmeta-${net.id}`;
    assert.ok((await must('ip', ['netns', 'list'])).includes(metaNs));
    for (const p of (await api().get(`/v2.0/ports?network_id=${net.id}`)).body.ports) {
      if (!String(p.device_owner).startsWith('network:')) assert.equal((await api().del(`/v2.0/ports/${p.id}`)).status, 204);
    }
    await waitFor('the metadata namespace removed', async () => !(await must('ip', ['netns', 'list'])).includes(metaNs), 30_000, 200);
    assert.equal((await env.vsctl('--bare', '--columns=name', 'find', 'Interface', `external_ids:iface-id=${meta}`)).trim(), '');
  });
});
