// The L2 reconciler: one Linux bridge per network per host (brq<id>), its uplink (a
// `nolearning` VXLAN device with head-end replication FDB entries from the bindings the server
// knows, or the mapped physical interface of a flat network), and the ports bound here (taps
// on the bridge, up or down by admin_state_up), each reported ACTIVE or DOWN with its revision.
// Keys: `network/<id>`, `port/<id>`.
import type { AgentContext, AgentReport, Change, Obj, Reconciler, ReconcilerFactory } from '../reconciler.ts';
import type { Link } from '../host.ts';
import { bridgeName, tapName, L2_AGENT_TYPE } from '../../backends/linux/names.ts';
import { isRouterPort } from '../l3/plan.ts';

const VXLAN_PORT = '4789';
const ZERO_MAC = '00:00:00:00:00:00';
/** What of a port matters to its network's bridge and FDB entries. */
const L2_FIELDS = ['id', 'network_id', 'binding:host_id', 'binding:vif_type', 'mac_address'];

export class L2Reconciler implements Reconciler {
  readonly name = 'l2';
  readonly resources = ['networks', 'ports'] as const;
  /** L2 agents' hosts → VTEP addresses (from the agents list, refreshed at each heartbeat). */
  private vteps = new Map<string, string>();

  constructor(private readonly ctx: AgentContext) {}

  private get config() {
    return this.ctx.config;
  }

  private get host() {
    return this.ctx.host;
  }

  private get networks() {
    return this.ctx.cache.networks;
  }

  private get ports() {
    return this.ctx.cache.ports;
  }

  keysFor(change: Change): string[] {
    const keys: string[] = [];
    if (change.resource === 'networks') {
      keys.push(`network/${change.id}`);
      for (const [id, p] of this.ports) if (p.network_id === change.id && p['binding:host_id'] === this.config.host) keys.push(`port/${id}`);
    } else if (change.resource === 'ports') {
      const { before, object: now } = change;
      // Ports of other hosts matter here only through their networks (FDB entries).
      if (this.isLocal(before) || this.isLocal(now) || this.ctx.reported('ports', change.id) || now?.['binding:host_id'] === this.config.host) keys.push(`port/${change.id}`);
      // The network (bridge wanted, FDB) only when where or what the port is changed, not its status.
      if (L2_FIELDS.some((f) => before?.[f] !== now?.[f])) for (const net of new Set([before?.network_id, now?.network_id])) if (net) keys.push(`network/${net}`);
    }
    return keys;
  }

  *keys(): Iterable<string> {
    for (const id of this.networks.keys()) yield `network/${id}`;
    for (const [id, p] of this.ports) if (p['binding:host_id'] === this.config.host || this.ctx.reported('ports', id)) yield `port/${id}`;
  }

  async sync(key: string): Promise<void> {
    const [kind, id] = key.split('/');
    if (kind === 'network') return this.syncNetwork(id);
    if (kind === 'port') return this.syncPort(id);
  }

  /** A tap appearing or going (a workload plugged), a bridge or VXLAN device deleted by hand. */
  onLink(name: string): string[] {
    const m = /^((?:tap|brq)[0-9a-f-]{11}|vxlan-\d+)$/.exec(name);
    if (!m) return [];
    const keys: string[] = [];
    if (name.startsWith('tap')) {
      for (const [id] of this.ports) if (tapName(id) === name) keys.push(`port/${id}`);
      return keys;
    }
    for (const [id, net] of this.networks) {
      if (bridgeName(id) !== name && `vxlan-${net['provider:segmentation_id']}` !== name) continue;
      keys.push(`network/${id}`);
      for (const [pid, p] of this.ports) if (p.network_id === id && this.isLocal(p)) keys.push(`port/${pid}`);
    }
    return keys;
  }

  agentReports(): AgentReport[] {
    const c = this.config;
    return [
      {
        agent_type: L2_AGENT_TYPE,
        binary: 'neutrino-agent',
        topic: 'N/A',
        configurations: {
          devices: [...this.ports.values()].filter((p) => p['binding:host_id'] === c.host).length,
          interface_mappings: c.physical_interface_mappings,
          tunnel_types: c.local_ip ? ['vxlan'] : [],
          tunneling_ip: c.local_ip || null,
          l2_population: true,
          extensions: [],
        },
      },
    ];
  }

  /** Every heartbeat refreshes the other hosts' VTEPs; a change reprograms every network's FDB. */
  async onHeartbeat(): Promise<void> {
    const l2 = await this.ctx.client.list('agents', `agent_type=${encodeURIComponent(L2_AGENT_TYPE)}&fields=host&fields=configurations&fields=alive`);
    const vteps = new Map<string, string>();
    for (const a of l2) if (a.configurations?.tunneling_ip && a.host !== this.config.host) vteps.set(a.host, a.configurations.tunneling_ip);
    const changed = vteps.size !== this.vteps.size || [...vteps].some(([h, ip]) => this.vteps.get(h) !== ip);
    this.vteps = vteps;
    if (changed) for (const id of this.networks.keys()) this.ctx.enqueue(`network/${id}`);
  }

  /** Bridges no network wants any more (with their VXLAN devices). */
  async gc(): Promise<void> {
    const links = await this.host.links();
    const wanted = new Set([...this.networks.keys()].filter((id) => this.wantsNetwork(id)).map(bridgeName));
    for (const l of links.values()) {
      if (l.ifname.startsWith('brq') && l.linkinfo?.info_kind === 'bridge' && !wanted.has(l.ifname)) await this.removeBridge(l.ifname, await this.host.links());
    }
  }

  async cleanup(): Promise<void> {
    // With an empty cache no network is wanted: every bridge goes.
    await this.gc();
  }

  private segment(net: Obj): { type: string; physnet: string | null; vni: number | null } | null {
    const segs: Obj[] = net.segments ?? [{ 'provider:network_type': net['provider:network_type'], 'provider:physical_network': net['provider:physical_network'], 'provider:segmentation_id': net['provider:segmentation_id'] }];
    for (const s of segs) {
      const type = s['provider:network_type'];
      if (type === 'vxlan' && this.config.local_ip) return { type, physnet: null, vni: s['provider:segmentation_id'] };
      if (type === 'flat' && this.config.physical_interface_mappings[s['provider:physical_network']]) return { type, physnet: s['provider:physical_network'], vni: null };
      if (type === 'local' || type === undefined || type === null) return { type: 'local', physnet: null, vni: null };
    }
    return null;
  }

  /** Ports realized here: bound to this host by the linux driver. */
  private isLocal(p: Obj | undefined | null): boolean {
    return !!p && p['binding:host_id'] === this.config.host && p['binding:vif_type'] === 'tap';
  }

  /** A bridge exists where a port of the network is realized (DHCP and router ports are ports bound here too). */
  private wantsNetwork(id: string): boolean {
    if (!this.networks.has(id)) return false;
    for (const p of this.ports.values()) if (p.network_id === id && this.isLocal(p)) return true;
    return false;
  }

  private async removeBridge(br: string, links: Map<string, Link>): Promise<void> {
    for (const l of links.values()) {
      if (l.master !== br) continue;
      if (l.linkinfo?.info_kind === 'vxlan') await this.host.ip('link', 'del', l.ifname);
      else await this.host.ip('link', 'set', l.ifname, 'nomaster');
    }
    await this.host.ip('link', 'del', br);
  }

  async syncNetwork(id: string): Promise<void> {
    const links = await this.host.links();
    const br = bridgeName(id);
    const net = this.networks.get(id);
    if (!net || !this.wantsNetwork(id)) {
      if (links.has(br)) await this.removeBridge(br, links);
      return;
    }
    const seg = this.segment(net);
    if (!seg) throw new Error(`network ${id} has no segment this host can realize`);
    const up = net.admin_state_up !== false;
    if (!links.has(br)) {
      await this.host.ip('link', 'add', br, 'mtu', String(net.mtu), 'type', 'bridge');
    } else if (links.get(br)!.mtu !== net.mtu) {
      await this.host.ip('link', 'set', br, 'mtu', String(net.mtu));
    }
    const brLink = links.get(br);
    const brUp = !!brLink?.flags.includes('UP');
    if (!brLink || brUp !== up) await this.host.ip('link', 'set', br, up ? 'up' : 'down');
    // The uplink: a VXLAN device (unicast, static FDB) or the mapped physical interface.
    let uplink: string | null = null;
    if (seg.type === 'vxlan') {
      uplink = `vxlan-${seg.vni}`;
      const vx = links.get(uplink);
      const data = vx?.linkinfo?.info_data;
      if (vx && (vx.linkinfo?.info_kind !== 'vxlan' || data?.id !== seg.vni || data?.local !== this.config.local_ip || data?.learning !== false)) {
        await this.host.ip('link', 'del', uplink);
        links.delete(uplink);
      }
      if (!links.has(uplink)) {
        await this.host.ip('link', 'add', uplink, 'mtu', String(net.mtu), 'type', 'vxlan', 'id', String(seg.vni), 'local', this.config.local_ip, 'dstport', VXLAN_PORT, 'nolearning');
        await this.host.ip('link', 'set', uplink, 'master', br, 'up');
      } else {
        const l = links.get(uplink)!;
        if (l.mtu !== net.mtu) await this.host.ip('link', 'set', uplink, 'mtu', String(net.mtu));
        if (l.master !== br) await this.host.ip('link', 'set', uplink, 'master', br);
        if (!l.flags.includes('UP')) await this.host.ip('link', 'set', uplink, 'up');
      }
      await this.syncFdb(net, uplink);
    } else if (seg.type === 'flat') {
      uplink = this.config.physical_interface_mappings[seg.physnet!];
      const l = links.get(uplink);
      if (!l) throw new Error(`interface ${uplink} mapped to physical network ${seg.physnet} does not exist`);
      if (l.master !== br) await this.host.ip('link', 'set', uplink, 'master', br);
      if (!l.flags.includes('UP')) await this.host.ip('link', 'set', uplink, 'up');
    }
    // Anything else on the bridge that is not a port of this network comes off.
    for (const l of links.values()) {
      if (l.master !== br || l.ifname === uplink) continue;
      if (l.ifname.startsWith('tap') && [...this.ports.values()].some((p) => p.network_id === id && this.isLocal(p) && tapName(p.id) === l.ifname)) continue;
      if (l.linkinfo?.info_kind === 'vxlan') await this.host.ip('link', 'del', l.ifname);
      else await this.host.ip('link', 'set', l.ifname, 'nomaster');
    }
  }

  /** Head-end replication: a flood entry per remote VTEP with ports on the network, and each remote port's MAC. */
  private async syncFdb(net: Obj, device: string): Promise<void> {
    const want = new Map<string, { mac: string; dst: string }>();
    for (const p of this.ports.values()) {
      if (p.network_id !== net.id) continue;
      const host = p['binding:host_id'];
      if (!host || host === this.config.host || p['binding:vif_type'] !== 'tap') continue;
      const vtep = this.vteps.get(host);
      if (!vtep || vtep === this.config.local_ip) continue;
      want.set(`${ZERO_MAC}|${vtep}`, { mac: ZERO_MAC, dst: vtep });
      want.set(`${p.mac_address}|${vtep}`, { mac: p.mac_address, dst: vtep });
    }
    const have = new Set<string>();
    const commands: string[][] = [];
    for (const e of await this.host.fdb(device)) {
      if (!e.dst) continue;
      const key = `${e.mac}|${e.dst}`;
      if (want.has(key)) have.add(key);
      else commands.push(['fdb', 'del', e.mac, 'dev', device, 'dst', e.dst]);
    }
    for (const [key, e] of want) {
      if (have.has(key)) continue;
      // Flood entries are one per VTEP (append); a MAC lives behind one VTEP (replace).
      commands.push(['fdb', e.mac === ZERO_MAC ? 'append' : 'replace', e.mac, 'dev', device, 'dst', e.dst]);
    }
    await this.host.bridgeBatch(commands);
  }

  async syncPort(id: string): Promise<void> {
    const port = this.ports.get(id);
    const tap = tapName(id);
    // Only the devices this port concerns are read (a host with 1,000 ports has 2,000+ links).
    const l = await this.host.cachedLink(tap);
    if (!this.isLocal(port)) {
      // Deleted, unbound or moved away: the device leaves the network.
      if (l?.master?.startsWith('brq')) await this.host.ip('link', 'set', tap, 'nomaster');
      if (l?.flags.includes('UP')) await this.host.ip('link', 'set', tap, 'down');
      this.ctx.forgetReport('ports', id);
      return;
    }
    const net = this.networks.get(port!.network_id);
    if (!net) throw new Error(`network ${port!.network_id} of port ${id} is not known yet`);
    const br = bridgeName(net.id);
    if (!(await this.host.cachedLink(br))) {
      await this.syncNetwork(net.id);
      if (!(await this.host.link(br))) throw new Error(`bridge ${br} is missing`);
    }
    // A router's ports are reported by the L3 reconciler (their other end is in the router).
    if (!l) return isRouterPort(port) ? undefined : this.ctx.report('ports', port!, 'DOWN', `port/${id}`);
    const up = port!.admin_state_up !== false && net.admin_state_up !== false;
    // One command for whatever differs (a first start plugs 1,000 taps: each command is a process).
    const set: string[] = [];
    if (l.mtu !== net.mtu) set.push('mtu', String(net.mtu));
    if (l.master !== br) set.push('master', br);
    if (l.flags.includes('UP') !== up) set.push(up ? 'up' : 'down');
    if (set.length) await this.host.ip('link', 'set', tap, ...set);
    if (!isRouterPort(port)) this.ctx.report('ports', port!, up ? 'ACTIVE' : 'DOWN', `port/${id}`);
  }
}

export const l2: ReconcilerFactory = { name: 'l2', enabled: () => true, create: (ctx) => new L2Reconciler(ctx) };
