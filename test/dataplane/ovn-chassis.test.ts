// Real packets on one chassis: ovs-vswitchd (userspace datapath, in a "hypervisor"
// namespace the test creates) and ovn-controller realize what Neutrino wrote to NB. Workload
// namespaces are plugged into br-int by veth (iface-id = port id): the ports become ACTIVE in
// the API when OVN binds them, DHCP from OVN gives each its port's address, workloads in
// one security group ping each other, a workload outside it is refused until a rule allows.
// Closed topology; everything is removed after, also on failure.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startOvnEnv, ovnSupport, plugWorkload, type OvnEnv } from './ovn-env.ts';
import { run, must, waitFor } from './harness.ts';

const skip = process.getuid?.() !== 0 ? 'needs root' : (ovnSupport() ?? false);

describe('ovn backend: one chassis with real packets', { skip }, () => {
  const prefix = `o${randomBytes(3).toString('hex')}`;
  const hv = `${prefix}-hv`;
  const chassis = `${prefix}-ch`;
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
    env = await startOvnEnv({ chassis, netns: hv });
    await waitFor('the chassis to register in SB', async () => (await env.sbctl('--bare', '--columns=name', 'list', 'Chassis')).includes(chassis), 30_000);
    net = (await api().post('/v2.0/networks', { network: { name: 'chassis-net' } })).body.network;
    subnet = (await api().post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.77.0.0/24', ip_version: 4, gateway_ip: '10.77.0.1' } })).body.subnet;
    sg = (await api().post('/v2.0/security-groups', { security_group: { name: 'closed' } })).body.security_group;
  });

  after(async () => {
    for (const ns of workloads) await run('ip', ['netns', 'del', ns]);
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
});
