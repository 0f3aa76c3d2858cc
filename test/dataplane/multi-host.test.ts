// Scenarios 2 and 4: workloads on two hosts reach each other over VXLAN (unicast, static
// FDB from the port bindings); a second project's network with the same CIDR and the same
// addresses stays isolated; metadata answers each of two workloads holding the same
// address in two projects with its own instance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Topology, dataplaneSupport, waitFor } from './harness.ts';

const skip = dataplaneSupport();

test('two hosts over VXLAN; same CIDR in another project isolated; metadata per project', { skip: skip ?? false, timeout: 240_000 }, async (t) => {
  const topo = new Topology();
  t.after(() => (process.env.NEUTRINO_DATAPLANE_KEEP ? console.log(`kept ${topo.prefix} ${topo.dir}`) : topo.cleanup()));
  await topo.start();
  await topo.addHypervisor('hv1');
  await topo.addHypervisor('hv2');
  const projects = { a: topo.admin.as({ project: 'project-a', roles: 'member' }), b: topo.admin.as({ project: 'project-b', roles: 'member' }) };

  const ports: Record<string, any> = {};
  const nets: Record<string, any> = {};
  for (const p of ['a', 'b'] as const) {
    const api = projects[p];
    nets[p] = (await api.post('/v2.0/networks', { network: { name: `net-${p}` } })).body.network;
    const subnet = (await api.post('/v2.0/subnets', { subnet: { network_id: nets[p].id, cidr: '10.20.0.0/24', ip_version: 4 } })).body.subnet;
    for (const [i, ip] of [[1, '10.20.0.10'], [2, '10.20.0.11']] as const) {
      const res = await api.post('/v2.0/ports', { port: { network_id: nets[p].id, name: `${p}${i}`, device_id: `vm-${p}${i}`, fixed_ips: [{ subnet_id: subnet.id, ip_address: ip }] } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ports[`${p}${i}`] = res.body.port;
    }
  }
  for (const p of ['a', 'b']) nets[p] = (await topo.admin.get(`/v2.0/networks/${nets[p].id}`)).body.network;
  assert.notEqual(nets.a['provider:segmentation_id'], nets.b['provider:segmentation_id']);
  // x1 on hv1, x2 on hv2, for both projects.
  const ns: Record<string, string> = {};
  for (const name of ['a1', 'a2', 'b1', 'b2']) ns[name] = await topo.addWorkload(name, name.endsWith('1') ? 'hv1' : 'hv2', ports[name].id);
  for (const name of Object.keys(ns)) await topo.waitPortStatus(ports[name].id, 'ACTIVE');

  // Each network is served by one DHCP agent: one of the workloads gets its lease across hosts.
  for (const name of Object.keys(ns)) {
    const lease = await topo.dhcp(ns[name]);
    assert.equal(lease.ip, ports[name].fixed_ips[0].ip_address, `${name}'s lease`);
  }
  for (const name of Object.keys(ns)) await topo.listen(ns[name], name);

  // Across hosts, each project reaches its own workload at 10.20.0.11, never the other's.
  assert.equal(await topo.fetchName(ns.a1, '10.20.0.11'), 'a2');
  assert.equal(await topo.fetchName(ns.b1, '10.20.0.11'), 'b2');
  assert.equal(await topo.fetchName(ns.a2, '10.20.0.10'), 'a1');
  assert.equal(await topo.fetchName(ns.b2, '10.20.0.10'), 'b1');
  assert.ok(await topo.ping(ns.a1, '10.20.0.11', 2), 'a1 pings a2 over VXLAN');

  // The VXLAN device of each host has static entries (no learning) toward the other VTEP.
  const fdb = (await topo.exec(`${topo.prefix}-hv1`, 'bridge', ['fdb', 'show', 'dev', `vxlan-${nets.a['provider:segmentation_id']}`])).stdout;
  assert.match(fdb, /00:00:00:00:00:00 dst 192\.0\.2\.2/);
  assert.match(fdb, new RegExp(`${ports.a2.mac_address} dst 192\\.0\\.2\\.2`));
  assert.doesNotMatch(fdb, new RegExp(ports.b2.mac_address), 'no entry of the other project\'s network');

  // Metadata: a1 and b1 both hold 10.20.0.10; each gets its own instance.
  for (const name of ['a1', 'b1', 'a2']) {
    const r = await waitFor(`metadata for ${name}`, async () => {
      const res = await topo.exec(ns[name], 'curl', ['-sf', '--max-time', '3', 'http://169.254.169.254/openstack/latest/meta_data.json']);
      return res.code === 0 ? res : null;
    }, 20_000, 500);
    const md = JSON.parse(r.stdout);
    assert.equal(md.uuid, `vm-${name}`);
    assert.equal(md.project_id, `project-${name[0]}`);
    assert.equal(md.name, name);
    const nd = JSON.parse((await topo.exec(ns[name], 'curl', ['-sf', '--max-time', '3', 'http://169.254.169.254/openstack/latest/network_data.json'])).stdout);
    assert.equal(nd.links[0].ethernet_mac_address, ports[name].mac_address);
    assert.equal(nd.links[0].mtu, 1450);
    assert.equal(nd.networks[0].ip_address, ports[name].fixed_ips[0].ip_address);
    assert.equal(nd.networks[0].network_id, nets[name[0]].id);
    const ec2 = await topo.exec(ns[name], 'curl', ['-sf', '--max-time', '3', 'http://169.254.169.254/latest/meta-data/instance-id']);
    assert.equal(ec2.stdout, `vm-${name}`);
  }
});
