// The OVN backend's translation, checked where it matters: in OVN's logical pipeline.
// Neutrino (ovn backend) writes NB; ovn-northd computes SB logical flows; ovn-trace runs
// packets through them (no datapath needed). Closed: the only "external" addresses are the
// documentation ranges 203.0.113.0/24 and 198.51.100.0/24.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startOvnEnv, ovnSupport, type OvnEnv } from './ovn-env.ts';
import { localnetPortName, switchName, routerName, routerPortName } from '../../src/backends/ovn/names.ts';

const skip = ovnSupport() ?? false;

describe('ovn backend: logical checks with ovn-trace', { skip }, () => {
  let env: OvnEnv;
  let ext: any, extSubnet: any, net: any, subnet: any, sg: any, vm1: any, vm2: any, def1: any, def2: any, router: any, gwPort: any, fip: any, vlanNet: any, vm3: any;
  const api = () => env.server.admin;
  const ok = async (p: Promise<any>, status = 201) => {
    const r = await p;
    assert.equal(r.status, status, JSON.stringify(r.body));
    return r.body;
  };
  const ip = (port: any) => port.fixed_ips[0].ip_address;
  /** A microflow from port src to dst on one switch. */
  const l2 = (src: any, dst: any, rest: string) => `inport == "${src.id}" && eth.src == ${src.mac_address} && eth.dst == ${dst.mac_address} && ip4.src == ${ip(src)} && ip4.dst == ${ip(dst)} && ip.ttl == 64 && ${rest}`;

  before(async () => {
    env = await startOvnEnv();
    // A chassis known to SB, so the router's gateway port is scheduled (NAT needs it).
    await env.sbctl('chassis-add', 'gw1', 'geneve', '127.0.0.1');
    const a = api();
    ext = (await ok(a.post('/v2.0/networks', { network: { name: 'ext', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' } }))).network;
    extSubnet = (await ok(a.post('/v2.0/subnets', { subnet: { network_id: ext.id, cidr: '203.0.113.0/24', ip_version: 4, gateway_ip: '203.0.113.1', enable_dhcp: false } }))).subnet;
    net = (await ok(a.post('/v2.0/networks', { network: { name: 'int' } }))).network;
    subnet = (await ok(a.post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.0.0.0/24', ip_version: 4, dns_nameservers: ['10.0.0.53'], host_routes: [{ destination: '192.0.2.0/24', nexthop: '10.0.0.254' }] } }))).subnet;
    sg = (await ok(a.post('/v2.0/security-groups', { security_group: { name: 'web' } }))).security_group;
    vm1 = (await ok(a.post('/v2.0/ports', { port: { network_id: net.id, name: 'vm1', security_groups: [sg.id] } }))).port;
    vm2 = (await ok(a.post('/v2.0/ports', { port: { network_id: net.id, name: 'vm2', security_groups: [sg.id] } }))).port;
    def1 = (await ok(a.post('/v2.0/ports', { port: { network_id: net.id, name: 'def1' } }))).port;
    def2 = (await ok(a.post('/v2.0/ports', { port: { network_id: net.id, name: 'def2' } }))).port;
    router = (await ok(a.post('/v2.0/routers', { router: { name: 'r1', external_gateway_info: { network_id: ext.id, enable_snat: true } } }))).router;
    await ok(a.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id }), 200);
    fip = (await ok(a.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.id, port_id: vm2.id } }))).floatingip;
    gwPort = (await ok(a.get(`/v2.0/ports?device_id=${router.id}&device_owner=network:router_gateway`), 200)).ports[0];
    vlanNet = (await ok(a.post('/v2.0/networks', { network: { name: 'vlan101', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 101 } }))).network;
    await ok(a.post('/v2.0/subnets', { subnet: { network_id: vlanNet.id, cidr: '198.51.100.0/24', ip_version: 4, enable_dhcp: false } }));
    vm3 = (await ok(a.post('/v2.0/ports', { port: { network_id: vlanNet.id, name: 'vm3', port_security_enabled: false } }))).port;
    await env.settle();
    // The external host's MAC as if the router had learnt it, so traces do not stop at ARP
    // (ovn-trace reads SB MAC_Binding).
    const datapath = (await env.sbctl('--bare', '--columns=_uuid', 'find', 'Datapath_Binding', `external_ids:name=${routerName(router.id)}`)).trim();
    await env.sbctl('create', 'MAC_Binding', `logical_port=${routerPortName(gwPort.id)}`, 'ip=203.0.113.50', 'mac="02:00:5e:00:53:50"', `datapath=${datapath}`);
  });

  after(async () => {
    await env?.close();
  });

  it('allows port to port on one network within the default security group (remote group)', async () => {
    const out = await env.trace(switchName(net.id), l2(def1, def2, 'icmp4 && icmp4.type == 8'));
    assert.match(out, new RegExp(`output\\("${def2.id}"\\)|output to "${def2.id}"`), out);
  });

  it('drops by default at the ingress ACL, and a rule allows', async () => {
    const flow = l2(vm1, vm2, 'tcp && tcp.src == 40000 && tcp.dst == 22');
    let out = await env.trace(switchName(net.id), flow);
    assert.doesNotMatch(out, new RegExp(`output to "${vm2.id}"`), out);
    assert.match(out, /ls_out_acl.*\n(.*\n)*?.*drop/i, out);
    const rule = (await ok(api().post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '10.0.0.0/24' } }))).security_group_rule;
    await env.settle();
    out = await env.trace(switchName(net.id), flow);
    assert.match(out, new RegExp(`output to "${vm2.id}"`), out);
    // Another port stays closed.
    out = await env.trace(switchName(net.id), l2(vm1, vm2, 'tcp && tcp.src == 40000 && tcp.dst == 23'));
    assert.doesNotMatch(out, new RegExp(`output to "${vm2.id}"`), out);
    await ok(api().del(`/v2.0/security-group-rules/${rule.id}`), 204);
    await env.settle();
    out = await env.trace(switchName(net.id), flow);
    assert.doesNotMatch(out, new RegExp(`output to "${vm2.id}"`), out);
  });

  it("offers the port's address by DHCP with router, DNS, MTU and routes", async () => {
    const out = await env.trace(
      switchName(net.id),
      `inport == "${vm1.id}" && eth.src == ${vm1.mac_address} && eth.dst == ff:ff:ff:ff:ff:ff && ip4.src == 0.0.0.0 && ip4.dst == 255.255.255.255 && udp.src == 68 && udp.dst == 67`,
    );
    const offer = /put_dhcp_opts\(([^)]*)\)/.exec(out)?.[1] ?? '';
    assert.match(offer, new RegExp(`offerip = ${ip(vm1).replace(/\./g, '\\.')}`), out);
    assert.match(offer, /router = 10\.0\.0\.1/);
    assert.match(offer, /dns_server = \{10\.0\.0\.53\}/);
    assert.match(offer, new RegExp(`mtu = ${net.mtu}`));
    assert.match(offer, /classless_static_route = \{192\.0\.2\.0\/24, 10\.0\.0\.254, 169\.254\.169\.254\/32, 0\.0\.0\.0, 0\.0\.0\.0\/0, 10\.0\.0\.1\}/);
    assert.match(out, new RegExp(`output to "${vm1.id}"`), 'the offer goes back to the port');
  });

  it('SNATs a routed workload to the router gateway address', async () => {
    const lrpInt = (await ok(api().get(`/v2.0/ports?device_id=${router.id}&device_owner=network:router_interface`), 200)).ports[0];
    const out = await env.trace(switchName(net.id), `inport == "${vm1.id}" && eth.src == ${vm1.mac_address} && eth.dst == ${lrpInt.mac_address} && ip4.src == ${ip(vm1)} && ip4.dst == 203.0.113.50 && ip.ttl == 64 && icmp4 && icmp4.type == 8`);
    assert.match(out, new RegExp(`ct_snat(_in_czone)?\\(${ip(gwPort).replace(/\./g, '\\.')}\\)`), out);
    assert.match(out, new RegExp(`output to "${localnetPortName(ext.id)}"`), out);
  });

  it('DNATs a floating IP to its port', async () => {
    const out = await env.trace(
      switchName(ext.id),
      `inport == "${localnetPortName(ext.id)}" && eth.src == 02:00:5e:00:53:50 && eth.dst == ${gwPort.mac_address} && ip4.src == 203.0.113.50 && ip4.dst == ${fip.floating_ip_address} && ip.ttl == 64 && icmp4 && icmp4.type == 8`,
    );
    assert.match(out, new RegExp(`ct_dnat(_in_czone)?\\(${ip(vm2).replace(/\./g, '\\.')}\\)`), out);
  });

  it('sends VLAN provider traffic out of the localnet port, which carries the VLAN id', async () => {
    const out = await env.trace(switchName(vlanNet.id), `inport == "${vm3.id}" && eth.src == ${vm3.mac_address} && eth.dst == 02:00:5e:00:53:99 && ip4.src == ${ip(vm3)} && ip4.dst == 198.51.100.99 && ip.ttl == 64 && icmp4`);
    assert.match(out, new RegExp(`output to "${localnetPortName(vlanNet.id)}"`), out);
    // The tag is applied by ovn-controller from the port binding (it is not part of logical flows).
    assert.equal((await env.sbctl('get', 'Port_Binding', localnetPortName(vlanNet.id), 'tag')).trim(), '101');
    assert.equal((await env.nbctl('get', 'Logical_Switch_Port', localnetPortName(vlanNet.id), 'type')).trim(), 'localnet');
  });

  it('realizes port forwardings as a load balancer on the router that DNATs to the internal port', async () => {
    const pfFip = (await ok(api().post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.id } }))).floatingip;
    const pf = (await ok(api().post(`/v2.0/floatingips/${pfFip.id}/port_forwardings`, { port_forwarding: { protocol: 'tcp', internal_port_id: vm1.id, internal_ip_address: ip(vm1), internal_port: 22, external_port: 2222 } }))).port_forwarding;
    await env.settle();
    const name = `pf-floatingip-${pfFip.id}-tcp`;
    const vips = (await env.nbctl('--bare', '--columns=vips', 'find', 'Load_Balancer', `name=${name}`)).trim();
    assert.equal(vips, `${pfFip.floating_ip_address}:2222=${ip(vm1)}:22`);
    const uuid = (await env.nbctl('--bare', '--columns=_uuid', 'find', 'Load_Balancer', `name=${name}`)).trim();
    assert.match(await env.nbctl('get', 'Logical_Router', routerName(router.id), 'load_balancer'), new RegExp(uuid));
    const flow = (port: number) => `inport == "${localnetPortName(ext.id)}" && eth.src == 02:00:5e:00:53:50 && eth.dst == ${gwPort.mac_address} && ip4.src == 203.0.113.50 && ip4.dst == ${pfFip.floating_ip_address} && ip.ttl == 64 && tcp && tcp.src == 40000 && tcp.dst == ${port}`;
    const out = await env.trace(switchName(ext.id), flow(2222));
    assert.match(out, new RegExp(`ct_lb(_mark)?\\(backends=${ip(vm1).replace(/\./g, '\\.')}:22\\)`), out);
    // Another port of the floating IP is not forwarded.
    assert.doesNotMatch(await env.trace(switchName(ext.id), flow(2223)), /ct_lb/);
    // A second forwarding of the same floating IP joins the balancer; deleting both removes it.
    const pf2 = (await ok(api().post(`/v2.0/floatingips/${pfFip.id}/port_forwardings`, { port_forwarding: { protocol: 'tcp', internal_port_id: def1.id, internal_ip_address: ip(def1), internal_port: 80, external_port: 8080 } }))).port_forwarding;
    await env.settle();
    assert.match((await env.nbctl('--bare', '--columns=vips', 'find', 'Load_Balancer', `name=${name}`)).trim(), new RegExp(`${pfFip.floating_ip_address.replace(/\./g, '\\.')}:8080=${ip(def1).replace(/\./g, '\\.')}:80`));
    for (const p of [pf, pf2]) await ok(api().del(`/v2.0/floatingips/${pfFip.id}/port_forwardings/${p.id}`), 204);
    await env.settle();
    assert.equal((await env.nbctl('--bare', '--columns=_uuid', 'find', 'Load_Balancer', `name=${name}`)).trim(), '');
  });
});
