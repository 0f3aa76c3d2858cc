// A hand-built world for the reachability engine's unit tests (and explain's verify checks):
// networks with one subnet each, ports, routers, groups, floating IPs; everything visible
// unless said.
import { explain } from '../../src/extensions/reachability/engine.ts';
import type { SnapAddressGroup, SnapFloatingIp, SnapGroup, SnapNetwork, SnapPort, SnapRouter, SnapRule, SnapSubnet, Snapshot, TrafficSpec } from '../../src/extensions/reachability/snapshot.ts';

let seq = 0;
const id = (prefix: string) => `${prefix}-${++seq}`;

/** A small world: networks with one subnet each, ports, routers, groups; everything visible unless said. */
export class World {
  ports = new Map<string, SnapPort>();
  networks = new Map<string, SnapNetwork>();
  subnets = new Map<string, SnapSubnet>();
  routers = new Map<string, SnapRouter>();
  groups = new Map<string, SnapGroup>();
  floatingIps: SnapFloatingIp[] = [];
  groupMembers = new Map<string, Set<string>>();

  network(cidr: string, extra: Partial<SnapNetwork> = {}, subnet: Partial<SnapSubnet> = {}): SnapSubnet {
    const net: SnapNetwork = { id: id('net'), name: `net ${cidr}`, project_id: 'p', visible: true, admin_state_up: true, router_external: false, ...extra };
    this.networks.set(net.id, net);
    const gateway = cidr.includes(':') ? cidr.replace(/::\/\d+$/, '::1') : cidr.replace(/\.0\/\d+$/, '.1');
    const sub: SnapSubnet = { id: id('subnet'), name: `subnet ${cidr}`, project_id: 'p', visible: net.visible, network_id: net.id, cidr, ip_version: cidr.includes(':') ? 6 : 4, gateway_ip: gateway, host_routes: [], ...subnet };
    this.subnets.set(sub.id, sub);
    return sub;
  }

  group(name: string, rules: Partial<SnapRule>[], extra: Partial<SnapGroup> = {}): SnapGroup {
    const g: SnapGroup = {
      id: id('sg'),
      name,
      project_id: 'p',
      visible: true,
      stateful: true,
      rules: rules.map((r) => ({ id: id('rule'), direction: 'ingress', ethertype: 'IPv4', protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: null, remote_address_group_id: null, ...r })),
      ...extra,
    };
    this.groups.set(g.id, g);
    return g;
  }

  port(subnet: SnapSubnet, ip: string, extra: Partial<SnapPort> = {}): SnapPort {
    const p: SnapPort = {
      id: id('port'),
      name: `port ${ip}`,
      project_id: 'p',
      visible: true,
      network_id: subnet.network_id,
      admin_state_up: true,
      device_owner: 'compute:nova',
      device_id: '',
      fixed_ips: [{ subnet_id: subnet.id, ip_address: ip }],
      allowed_address_pairs: [],
      port_security_enabled: true,
      security_groups: [],
      ...extra,
    };
    this.ports.set(p.id, p);
    return p;
  }

  router(interfaces: SnapSubnet[], extra: Partial<SnapRouter> = {}, gateway?: { subnet: SnapSubnet; ip: string }): SnapRouter {
    const r: SnapRouter = { id: id('router'), name: 'r', project_id: 'p', visible: true, admin_state_up: true, enable_snat: true, interfaces: [], gateway: null, routes: [], ...extra };
    for (const sub of interfaces) {
      const port = this.port(sub, sub.gateway_ip!, { device_owner: 'network:router_interface', device_id: r.id, visible: r.visible });
      r.interfaces.push({ port_id: port.id, network_id: sub.network_id, subnet_id: sub.id, ip_address: sub.gateway_ip! });
    }
    if (gateway) {
      const port = this.port(gateway.subnet, gateway.ip, { device_owner: 'network:router_gateway', device_id: r.id, visible: r.visible });
      r.gateway = { network_id: gateway.subnet.network_id, port_id: port.id, fixed_ips: port.fixed_ips };
    }
    this.routers.set(r.id, r);
    return r;
  }

  floatingIp(external: SnapSubnet, address: string, router: SnapRouter, target?: SnapPort, extra: Partial<SnapFloatingIp> = {}): SnapFloatingIp {
    this.port(external, address, { device_owner: 'network:floatingip' });
    const f: SnapFloatingIp = {
      id: id('fip'),
      name: '',
      project_id: 'p',
      visible: true,
      floating_ip_address: address,
      floating_network_id: external.network_id,
      fixed_port_id: target?.id ?? null,
      fixed_ip_address: target?.fixed_ips[0].ip_address ?? null,
      router_id: router.id,
      port_forwardings: [],
      ...extra,
    };
    this.floatingIps.push(f);
    return f;
  }

  addressGroups = new Map<string, SnapAddressGroup>();

  snapshot(source: SnapPort | string, destination: SnapPort | string, sourceIp?: string): Snapshot {
    return {
      source: typeof source === 'string' ? { ip_address: source } : { port_id: source.id, ip_address: sourceIp ?? source.fixed_ips[0].ip_address },
      destination: typeof destination === 'string' ? { ip_address: destination } : { port_id: destination.id, ip_address: destination.fixed_ips[0].ip_address },
      ports: this.ports,
      networks: this.networks,
      subnets: this.subnets,
      routers: this.routers,
      floatingIps: this.floatingIps,
      groups: this.groups,
      addressGroups: this.addressGroups,
      groupMembers: this.groupMembers,
    };
  }

  ask(source: SnapPort | string, destination: SnapPort | string, traffic: TrafficSpec, sourceIp?: string) {
    return explain(this.snapshot(source, destination, sourceIp), traffic);
  }
}
