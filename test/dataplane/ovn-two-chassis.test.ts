// Two chassis with real packets: two "hypervisor" namespaces, each with its own
// ovs-vswitchd (userspace datapath, own Open_vSwitch database and run directory, own
// system-id) and ovn-controller, joined by a veth underlay. The userspace datapath
// encapsulates itself: the tunnel endpoint address sits on br-phy, a netdev bridge that holds
// the underlay veth. A network spanning both: the ports are bound on their chassis, DHCP
// answers on each, and workloads ping (and talk TCP) across the GENEVE tunnel. The chassis
// are `OVN Controller agent`s in /v2.0/agents, alive while they keep up with nb_cfg; a
// router's gateway port gets both as Gateway_Chassis with priorities; each chassis' metadata
// agent answers its own workloads through the network's metadata localport.
// Closed topology; everything is removed after, also on failure.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOvnEnv, ovnSupport, plugWorkload, type ChassisHandle, type OvnEnv } from './ovn-env.ts';
import { run, must, waitFor } from './harness.ts';

const skip = process.getuid?.() !== 0 ? 'needs root' : (ovnSupport() ?? false);
/** The underlay: a documentation range, only between the two test namespaces. */
const UNDERLAY = ['192.0.2.1', '192.0.2.2'];

describe('ovn backend: two chassis, a network across a userspace GENEVE tunnel', { skip }, () => {
  const prefix = `o${randomBytes(3).toString('hex')}`;
  const hvs = [`${prefix}-hv1`, `${prefix}-hv2`];
  const names = [`${prefix}-ch1`, `${prefix}-ch2`];
  const namespaces: string[] = [];
  let env: OvnEnv;
  const chassis: ChassisHandle[] = [];
  let net: any;
  const ports: any[] = [];
  const workloads: string[] = [];
  const api = () => env.server.admin;

  before(async () => {
    for (const hv of hvs) {
      await must('ip', ['netns', 'add', hv]);
      namespaces.push(hv);
      await must('ip', ['-n', hv, 'link', 'set', 'lo', 'up']);
    }
    await must('ip', ['-n', hvs[0], 'link', 'add', 'underlay', 'type', 'veth', 'peer', 'name', 'underlay', 'netns', hvs[1]]);
    // Fast nb_cfg probes and a short agent_down_time, so a dead ovn-controller shows soon.
    env = await startOvnEnv({ config: { 'backend.ovn_agent_probe_seconds': 1, 'agents.agent_down_time': 5 } });
    for (let i = 0; i < 2; i++) {
      chassis.push(await env.addChassis({ name: names[i], netns: hvs[i], encap: { type: 'geneve', ip: UNDERLAY[i] }, underlay: { device: 'underlay', prefixLength: 24 } }));
    }
    await waitFor('both chassis in SB', async () => {
      const listed = await env.sbctl('--bare', '--columns=name', 'list', 'Chassis');
      return names.every((n) => listed.includes(n));
    }, 30_000);
    net = (await api().post('/v2.0/networks', { network: { name: 'across' } })).body.network;
    await api().post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.78.0.0/24', ip_version: 4, gateway_ip: '10.78.0.1' } });
  });

  after(async () => {
    for (const ns of [...workloads, ...namespaces].reverse()) await run('ip', ['netns', 'del', ns]);
    await env?.close().catch(() => {});
  });

  it('has the underlay up: each chassis reaches the other tunnel endpoint through br-phy', async () => {
    const ping = await run('ip', ['netns', 'exec', hvs[0], 'busybox', 'ping', '-c', '1', '-W', '2', UNDERLAY[1]]);
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);
    const encaps = await env.sbctl('--bare', '--columns=type,ip', 'list', 'Encap');
    for (const ip of UNDERLAY) assert.match(encaps, new RegExp(`geneve\\s+${ip.replace(/\./g, '\\.')}`), encaps);
  });

  it('binds one port on each chassis, gives each its address by DHCP, and forwards across the tunnel', async () => {
    const sg = (await api().post('/v2.0/security-groups', { security_group: { name: 'across' } })).body.security_group;
    for (const rule of [{ protocol: 'icmp' }, { protocol: 'tcp', port_range_min: 8080, port_range_max: 8080 }]) {
      const r = await api().post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'ingress', ethertype: 'IPv4', ...rule } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    for (let i = 0; i < 2; i++) {
      const r = await api().post('/v2.0/ports', { port: { network_id: net.id, name: `w${i + 1}`, security_groups: [sg.id], 'binding:host_id': names[i] } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.port['binding:vif_type'], 'ovs');
      ports.push(r.body.port);
    }
    await env.settle();
    for (let i = 0; i < 2; i++) {
      const ns = `${prefix}-w${i + 1}`;
      workloads.push(ns);
      await plugWorkload({ hv: hvs[i], ns, hostSide: `${prefix}v${i + 1}`, port: ports[i], vsctl: chassis[i].vsctl });
    }
    for (const p of ports) await waitFor(`port ${p.name} ACTIVE`, async () => (await api().get(`/v2.0/ports/${p.id}`)).body.port.status === 'ACTIVE', 60_000, 200);
    // Each port is bound on the chassis it was plugged into (its requested chassis).
    for (let i = 0; i < 2; i++) {
      const bound = (await env.sbctl('--bare', '--columns=chassis', 'find', 'Port_Binding', `logical_port=${ports[i].id}`)).trim();
      const name = (await env.sbctl('--bare', '--columns=name', 'list', 'Chassis', bound)).trim();
      assert.equal(name, names[i]);
    }
    for (let i = 0; i < 2; i++) {
      const ip = ports[i].fixed_ips[0].ip_address;
      const dhcp = await run('ip', ['netns', 'exec', workloads[i], 'busybox', 'udhcpc', '-i', 'eth0', '-n', '-q', '-f', '-t', '5', '-T', '1', '-s', '/bin/true'], { timeoutMs: 30_000 });
      assert.match(dhcp.stdout + dhcp.stderr, new RegExp(`lease of ${ip.replace(/\./g, '\\.')} obtained`), dhcp.stdout + dhcp.stderr);
      await must('ip', ['-n', workloads[i], 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    }
    const [ip1, ip2] = ports.map((p) => p.fixed_ips[0].ip_address);
    const ping = await run('ip', ['netns', 'exec', workloads[0], 'busybox', 'ping', '-c', '3', '-W', '2', ip2], { timeoutMs: 30_000 });
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);
    // The datapath of chassis 1 pushed a GENEVE header towards chassis 2's endpoint.
    const flows = await chassis[0].appctl('dpctl/dump-flows');
    assert.match(flows, new RegExp(`tnl_push\\(.*dst=${UNDERLAY[1].replace(/\./g, '\\.')}.*geneve\\(`), flows);

    // TCP across the tunnel: a listener on chassis 2 receives what chassis 1 sends.
    const listener = run('ip', ['netns', 'exec', workloads[1], 'busybox', 'timeout', '15', 'busybox', 'nc', '-l', '-p', '8080'], { timeoutMs: 20_000 });
    await waitFor('the listener', async () => (await run('ip', ['netns', 'exec', workloads[1], 'busybox', 'netstat', '-ltn'])).stdout.includes(':8080'), 10_000);
    const sent = await run('ip', ['netns', 'exec', workloads[0], 'sh', '-c', `echo across-${ip1} | busybox nc -w 3 ${ip2} 8080`], { timeoutMs: 15_000 });
    assert.equal(sent.code, 0, sent.stdout + sent.stderr);
    assert.match((await listener).stdout, new RegExp(`across-${ip1.replace(/\./g, '\\.')}`));
  });

  it('answers metadata on each chassis from its own metadata agent (the localport stays local)', async () => {
    const instances: string[] = [];
    for (const p of ports) {
      const uuid = randomUUID();
      assert.equal((await api().put(`/v2.0/ports/${p.id}`, { port: { device_id: uuid } })).status, 200);
      instances.push(uuid);
    }
    for (let i = 0; i < 2; i++) await env.startMetadataAgent({ chassis: chassis[i].chassis, netns: hvs[i], namespacePrefix: `${prefix}-${i + 1}-` });
    for (let i = 0; i < 2; i++) {
      await must('ip', ['-n', workloads[i], 'route', 'replace', '169.254.169.254/32', 'dev', 'eth0']);
      const body = await waitFor(`meta_data.json on chassis ${i + 1}`, async () => {
        const r = await run('ip', ['netns', 'exec', workloads[i], 'curl', '-s', '--max-time', '3', 'http://169.254.169.254/openstack/latest/meta_data.json']);
        return r.code === 0 && r.stdout.startsWith('{') ? JSON.parse(r.stdout) : null;
      }, 60_000, 500);
      assert.equal(body.uuid, instances[i]);
    }
    // Each chassis has its own metadata namespace (a localport is answered on the chassis it is sent from).
    const namespaces = (await must('ip', ['netns', 'list'])).split('\n').map((l) => l.split(' ')[0]);
    for (let i = 0; i < 2; i++) assert.ok(namespaces.includes(`${prefix}-${i + 1}-ovnmeta-${net.id}`), namespaces.join(' '));
  });

  it('schedules a gateway port on both chassis with priorities; the first claims it', async () => {
    const ext = (await api().post('/v2.0/networks', { network: { name: 'ext', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' } })).body.network;
    await api().post('/v2.0/subnets', { subnet: { network_id: ext.id, cidr: '203.0.113.0/24', ip_version: 4, gateway_ip: '203.0.113.1', enable_dhcp: false } });
    const router = (await api().post('/v2.0/routers', { router: { name: 'r', external_gateway_info: { network_id: ext.id } } })).body.router;
    const gw = (await api().get(`/v2.0/ports?device_id=${router.id}&device_owner=network:router_gateway`)).body.ports[0];
    await env.settle();
    const lrp = `lrp-${gw.id}`;
    const listed = (await env.nbctl('lrp-get-gateway-chassis', lrp)).trim().split('\n').map((l) => l.trim().split(/\s+/));
    // `<lrp>_<chassis> <priority>`, highest first.
    assert.deepEqual(listed.map(([, p]) => Number(p)), [2, 1], JSON.stringify(listed));
    assert.deepEqual(listed.map(([n]) => n.slice(lrp.length + 1)).sort(), [...names].sort());
    const first = listed[0][0].slice(lrp.length + 1);
    await waitFor('the chassisredirect port claimed by the first gateway chassis', async () => {
      const bound = (await env.sbctl('--bare', '--columns=chassis', 'find', 'Port_Binding', `logical_port=cr-${lrp}`)).trim();
      return bound !== '' && (await env.sbctl('--bare', '--columns=name', 'list', 'Chassis', bound)).trim() === first;
    }, 30_000, 200);
  });

  it('lists the chassis as OVN Controller agents, alive while ovn-controller keeps up with nb_cfg', async () => {
    const agents = async () => (await api().get(`/v2.0/agents?agent_type=${encodeURIComponent('OVN Controller agent')}`)).body.agents as any[];
    const listed = await waitFor('both chassis alive in /v2.0/agents', async () => {
      const a = await agents();
      return names.every((n) => a.some((x) => x.host === n && x.alive)) ? a : null;
    }, 30_000, 200);
    for (let i = 0; i < 2; i++) {
      const agent = listed.find((x) => x.host === names[i]);
      assert.equal(agent.binary, 'ovn-controller');
      assert.equal(agent.configurations.chassis_name, names[i]);
      assert.deepEqual(agent.configurations.encaps, [`geneve:${UNDERLAY[i]}`]);
    }
    // ovn-controller of chassis 2 dies (its Chassis row stays in SB, its nb_cfg stops).
    const pid = Number(readFileSync(join(chassis[1].chassis.dir, 'controller.pid'), 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    await waitFor('chassis 2 not alive', async () => (await agents()).some((x) => x.host === names[1] && !x.alive), 30_000, 500);
    const now = await agents();
    assert.equal(now.find((x) => x.host === names[0]).alive, true, 'chassis 1 stays alive');
  });
});
