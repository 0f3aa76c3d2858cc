// `neutrino agent`: the host agent of the linux backend. A level-triggered reconciler in the
// shape of kubernetes/sample-controller:
//
//   informer: list networks/subnets/ports once, then follow GET /v2.0/watch from the cursor
//             (410 → list again); every change updates the cache and queues keys
//   work queue: keys `network/<id>`, `port/<id>`, `dhcp/<id>`, `gc` (src/agent/queue.ts),
//             one worker, failures retried per key with exponential backoff
//   syncHandler: reads the desired state from the cache and what the host has (`ip -j`,
//             `bridge -j`, pid files), applies only the difference, and reports port status
//             with the revision it realized (POST /v2.0/status-reports)
//   triggers besides the feed: heartbeats (POST /v2.0/agent-reports, which answers the
//             networks this host's DHCP agent hosts), `ip monitor link` (a tap appearing),
//             and a periodic resync that queues everything again (a bridge deleted by hand).
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import pino, { type Logger } from 'pino';
import type { AgentConfig } from './config.ts';
import { AgentClient, ApiError } from './client.ts';
import { Host, type Link } from './host.ts';
import { WorkQueue } from './queue.ts';
import { dnsmasqFiles } from './dnsmasq.ts';
import { bridgeName, tapName, L2_AGENT_TYPE } from '../backends/linux/names.ts';
import { MetadataServer, METADATA_IP } from './metadata.ts';
import { killAndWait, livePid, readText, writeAtomic } from './proc.ts';
import { L3Reconciler, L3_AGENT_TYPE } from './l3/reconciler.ts';

export const DHCP_AGENT_TYPE = 'DHCP agent';
export const METADATA_AGENT_TYPE = 'Metadata agent';
const VXLAN_PORT = '4789';
const ZERO_MAC = '00:00:00:00:00:00';

type Obj = Record<string, any>;

/** Neutron's DHCP port device_id: dhcp<uuid5(host)>-<network id>. */
export function dhcpDeviceId(host: string, networkId: string): string {
  const h = createHash('sha1').update(`neutrino-dhcp:${host}`).digest('hex');
  return `dhcp${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}-${networkId}`;
}

export class Agent {
  readonly log: Logger;
  readonly client: AgentClient;
  readonly host: Host;
  readonly queue = new WorkQueue({ baseDelayMs: 50, maxDelayMs: 10_000 });
  readonly networks = new Map<string, Obj>();
  readonly subnets = new Map<string, Obj>();
  readonly ports = new Map<string, Obj>();
  /** L2 agents' hosts → VTEP addresses. */
  private vteps = new Map<string, string>();
  private hosted = new Set<string>();
  private cursor = 0;
  private stopped = false;
  private readonly abort = new AbortController();
  private readonly timers: NodeJS.Timeout[] = [];
  private monitor?: ChildProcess;
  private readonly reported = new Map<string, string>();
  private pendingReports = new Map<string, Obj>();
  private reportTimer?: NodeJS.Timeout;
  private heartbeatSoon?: NodeJS.Timeout;
  private startFlag = true;
  private metadata?: MetadataServer;
  /** Routers (src/agent/l3/), when enable_l3. */
  readonly l3?: L3Reconciler;
  /** Syncs done and host changes made (bench and logs). */
  readonly stats = { syncs: 0, failures: 0, changesAtStart: 0 };
  private readyResolve!: () => void;
  /** Resolves once the first list has been fully reconciled. */
  readonly ready = new Promise<void>((r) => (this.readyResolve = r));

  constructor(readonly config: AgentConfig) {
    this.log = pino({ level: config.log_level, base: { agent: config.host } });
    this.client = new AgentClient(config.server, config.auth);
    this.host = new Host(config.netns || undefined);
    if (config.enable_l3) this.l3 = new L3Reconciler({ ...this.pick(), enqueue: (key) => this.queue.add(key), requestHeartbeat: () => this.requestHeartbeat() });
  }

  private pick() {
    return { config: this.config, host: this.host, client: this.client, log: this.log, networks: this.networks, subnets: this.subnets, ports: this.ports };
  }

  private get stateDir(): string {
    return this.config.state_dir;
  }

  async start(): Promise<void> {
    fs.mkdirSync(path.join(this.stateDir, 'dhcp'), { recursive: true, mode: 0o755 });
    if (this.config.enable_metadata && this.config.enable_dhcp) {
      this.metadata = new MetadataServer(this, path.join(this.stateDir, 'metadata.sock'));
      await this.metadata.listen();
    }
    await this.l3?.start();
    await this.heartbeat();
    await this.relist();
    this.startMonitor();
    void this.watchLoop();
    void this.worker();
    this.every(this.config.report_interval * 1000, () => void this.heartbeat().catch((err) => this.log.warn({ err: String(err) }, 'heartbeat failed')));
    if (this.config.resync_interval > 0) this.every(this.config.resync_interval * 1000, () => this.enqueueAll());
    void this.whenIdle().then(() => {
      this.stats.changesAtStart = this.host.changes;
      this.log.info({ changes: this.host.changes, syncs: this.stats.syncs }, 'initial reconcile done');
      this.readyResolve();
    });
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  async whenIdle(): Promise<void> {
    while (!this.queue.idle || this.pendingReports.size || (this.l3 && !this.l3.idle)) await new Promise((r) => setTimeout(r, 20));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.queue.shutdown();
    for (const t of this.timers) clearInterval(t);
    this.monitor?.kill();
    await this.flushReports().catch(() => undefined);
    await this.metadata?.close();
    await this.l3?.stop();
  }

  // ---- informer -------------------------------------------------------------------------

  private async relist(): Promise<void> {
    this.cursor = (await this.client.get('/v2.0/watch')).cursor;
    const [networks, subnets, ports] = await Promise.all([this.client.list('networks'), this.client.list('subnets'), this.client.list('ports')]);
    for (const [map, items] of [
      [this.networks, networks],
      [this.subnets, subnets],
      [this.ports, ports],
    ] as const) {
      map.clear();
      for (const item of items) map.set(item.id, item);
    }
    await this.l3?.list();
    this.enqueueAll();
  }

  enqueueAll(): void {
    for (const id of this.networks.keys()) this.queue.add(`network/${id}`);
    for (const [id, p] of this.ports) if (p['binding:host_id'] === this.config.host || this.reported.has(id)) this.queue.add(`port/${id}`);
    for (const id of this.hosted) this.queue.add(`dhcp/${id}`);
    this.queue.add('gc');
    this.l3?.enqueueAll();
  }

  private async watchLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        const answer = await this.client.get(`/v2.0/watch?since=${this.cursor}&resources=${['networks', 'subnets', 'ports', ...(this.l3 ? L3Reconciler.resources : [])].join(',')}&timeout=30&limit=1000`, this.abort.signal);
        for (const change of answer.changes) this.apply(change);
        this.cursor = answer.cursor;
      } catch (err) {
        if (this.stopped) return;
        if (err instanceof ApiError && err.status === 410) {
          this.log.warn('change feed compacted past our cursor: listing again');
          await this.relist().catch((e) => this.log.warn({ err: String(e) }, 'relist failed'));
          continue;
        }
        this.log.warn({ err: String(err) }, 'watch failed; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private apply(change: { resource: string; id: string; kind: string; object: Obj | null }): void {
    const map = change.resource === 'networks' ? this.networks : change.resource === 'subnets' ? this.subnets : change.resource === 'ports' ? this.ports : undefined;
    if (!map) {
      this.l3?.onChange({ resource: change.resource, id: change.id, before: undefined, now: change.object });
      return;
    }
    const before = map.get(change.id);
    if (change.object) map.set(change.id, change.object);
    else map.delete(change.id);
    const now = change.object;
    this.l3?.onChange({ resource: change.resource, id: change.id, before, now });
    if (change.resource === 'networks') {
      this.queue.add(`network/${change.id}`);
      for (const [id, p] of this.ports) if (p.network_id === change.id && p['binding:host_id'] === this.config.host) this.queue.add(`port/${id}`);
      if (this.hosted.has(change.id)) this.queue.add(`dhcp/${change.id}`);
    } else if (change.resource === 'subnets') {
      const net = (now ?? before)?.network_id;
      if (net) {
        if (this.hosted.has(net)) this.queue.add(`dhcp/${net}`);
        else if (now?.enable_dhcp && this.config.enable_dhcp) this.requestHeartbeat();
      }
    } else {
      const p = now ?? before;
      if (!p) return;
      // Ports of other hosts matter here only through their networks (FDB entries).
      if (this.isLocal(before) || this.isLocal(now) || this.reported.has(change.id) || now?.['binding:host_id'] === this.config.host) this.queue.add(`port/${change.id}`);
      for (const net of new Set([before?.network_id, now?.network_id])) {
        if (!net) continue;
        this.queue.add(`network/${net}`);
        if (this.hosted.has(net)) this.queue.add(`dhcp/${net}`);
      }
    }
  }

  /** `ip monitor link`: a tap appearing (a workload plugged) is realized at once. */
  private startMonitor(): void {
    const args = [...(this.config.netns ? ['-n', this.config.netns] : []), '-o', 'monitor', 'link'];
    const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    this.monitor = child;
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const name = /^(?:Deleted )?\d+: ([^:@\s]+)[@:]/.exec(line)?.[1];
        if (name) this.host.linkEvent(name);
        // A tap appearing or going (a workload plugged), a bridge or VXLAN device deleted by hand.
        const m = /^(?:Deleted )?\d+: ((?:tap|brq)[0-9a-f-]{11}|vxlan-\d+)[@:]/.exec(line);
        if (!m) continue;
        if (m[1].startsWith('tap')) {
          for (const [id] of this.ports) if (tapName(id) === m[1]) this.queue.add(`port/${id}`);
        } else {
          for (const [id, net] of this.networks) {
            if (bridgeName(id) !== m[1] && `vxlan-${net['provider:segmentation_id']}` !== m[1]) continue;
            this.queue.add(`network/${id}`);
            for (const [pid, p] of this.ports) if (p.network_id === id && this.isLocal(p)) this.queue.add(`port/${pid}`);
          }
        }
      }
    });
    child.on('exit', () => {
      if (!this.stopped) setTimeout(() => !this.stopped && this.startMonitor(), 1000).unref();
    });
  }

  // ---- heartbeat, DHCP scheduling ---------------------------------------------------------

  requestHeartbeat(): void {
    if (this.heartbeatSoon) return;
    this.heartbeatSoon = setTimeout(() => {
      this.heartbeatSoon = undefined;
      void this.heartbeat().catch((err) => this.log.warn({ err: String(err) }, 'heartbeat failed'));
    }, 50);
  }

  private localPorts(): Obj[] {
    return [...this.ports.values()].filter((p) => p['binding:host_id'] === this.config.host);
  }

  async heartbeat(): Promise<void> {
    const c = this.config;
    const agents: Obj[] = [
      {
        agent_type: L2_AGENT_TYPE,
        binary: 'neutrino-agent',
        topic: 'N/A',
        host: c.host,
        start_flag: this.startFlag,
        configurations: {
          devices: this.localPorts().length,
          interface_mappings: c.physical_interface_mappings,
          tunnel_types: c.local_ip ? ['vxlan'] : [],
          tunneling_ip: c.local_ip || null,
          l2_population: true,
          extensions: [],
        },
      },
    ];
    if (c.enable_dhcp) {
      agents.push({ agent_type: DHCP_AGENT_TYPE, binary: 'neutrino-agent', topic: 'dhcp_agent', host: c.host, start_flag: this.startFlag, configurations: { dhcp_driver: 'dnsmasq', networks: this.hosted.size, dhcp_lease_duration: 86400 } });
    }
    if (c.enable_metadata && c.enable_dhcp) {
      agents.push({ agent_type: METADATA_AGENT_TYPE, binary: 'neutrino-agent', topic: 'N/A', host: c.host, start_flag: this.startFlag, configurations: { metadata_proxy_socket: path.join(this.stateDir, 'metadata.sock') } });
    }
    if (this.l3) agents.push(this.l3.agentState(this.startFlag));
    const answer = await this.client.post('/v2.0/agent-reports', { agents });
    this.startFlag = false;
    const dhcp = (answer.agents as Obj[]).find((a) => a.agent_type === DHCP_AGENT_TYPE);
    if (dhcp) {
      const now = new Set<string>(dhcp.hosted_networks ?? []);
      for (const id of new Set([...now, ...this.hosted])) if (now.has(id) !== this.hosted.has(id)) this.queue.add(`dhcp/${id}`);
      this.hosted = now;
    }
    const l3 = (answer.agents as Obj[]).find((a) => a.agent_type === L3_AGENT_TYPE);
    if (l3 && this.l3) this.l3.onHosted(l3.hosted_routers ?? []);
    const l2 = await this.client.list('agents', `agent_type=${encodeURIComponent(L2_AGENT_TYPE)}&fields=host&fields=configurations&fields=alive`);
    const vteps = new Map<string, string>();
    for (const a of l2) if (a.configurations?.tunneling_ip && a.host !== c.host) vteps.set(a.host, a.configurations.tunneling_ip);
    const changed = vteps.size !== this.vteps.size || [...vteps].some(([h, ip]) => this.vteps.get(h) !== ip);
    this.vteps = vteps;
    if (changed) for (const id of this.networks.keys()) this.queue.add(`network/${id}`);
  }

  // ---- worker ------------------------------------------------------------------------------

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === null) return;
      try {
        await this.sync(key);
        this.queue.forget(key);
      } catch (err) {
        this.stats.failures++;
        if (!this.stopped) {
          this.log.warn({ key, retries: this.queue.retries(key), err: err instanceof Error ? err.message : String(err) }, 'sync failed; retrying');
          this.queue.addRateLimited(key);
        }
      } finally {
        this.stats.syncs++;
        this.queue.done(key);
      }
    }
  }

  private async sync(key: string): Promise<void> {
    const [kind, id] = key.split('/');
    if (kind === 'network') return this.syncNetwork(id);
    if (kind === 'port') return this.syncPort(id);
    if (kind === 'dhcp') return this.syncDhcp(id);
    if (kind === 'gc') return this.collectGarbage();
    if (this.l3?.handles(key)) return this.l3.sync(key);
  }

  // ---- L2 -----------------------------------------------------------------------------------

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

  private wantsNetwork(id: string): boolean {
    if (!this.networks.has(id)) return false;
    if (this.hosted.has(id) && this.config.enable_dhcp) return true;
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
    for (const e of await this.host.fdb(device)) {
      if (!e.dst) continue;
      const key = `${e.mac}|${e.dst}`;
      if (want.has(key)) have.add(key);
      else await this.host.bridge('fdb', 'del', e.mac, 'dev', device, 'dst', e.dst);
    }
    for (const [key, e] of want) {
      if (have.has(key)) continue;
      if (e.mac === ZERO_MAC) await this.host.bridge('fdb', 'append', e.mac, 'dev', device, 'dst', e.dst);
      else await this.host.bridge('fdb', 'replace', e.mac, 'dev', device, 'dst', e.dst);
    }
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
      this.reported.delete(id);
      return;
    }
    const net = this.networks.get(port!.network_id);
    if (!net) throw new Error(`network ${port!.network_id} of port ${id} is not known yet`);
    const br = bridgeName(net.id);
    if (!(await this.host.cachedLink(br))) {
      await this.syncNetwork(net.id);
      if (!(await this.host.link(br))) throw new Error(`bridge ${br} is missing`);
    }
    if (!l) return this.report(port!, 'DOWN');
    const up = port!.admin_state_up !== false && net.admin_state_up !== false;
    if (l.mtu !== net.mtu) await this.host.ip('link', 'set', tap, 'mtu', String(net.mtu));
    if (l.master !== br) await this.host.ip('link', 'set', tap, 'master', br);
    if (l.flags.includes('UP') !== up) await this.host.ip('link', 'set', tap, up ? 'up' : 'down');
    this.report(port!, up ? 'ACTIVE' : 'DOWN');
  }

  // ---- status reports -------------------------------------------------------------------------

  private report(port: Obj, status: string): void {
    const stamp = `${port.revision_number}:${status}`;
    if (this.reported.get(port.id) === stamp && port.status === status) return;
    this.reported.set(port.id, stamp);
    this.pendingReports.set(port.id, { resource: 'ports', id: port.id, revision: port.revision_number, status });
    this.reportTimer ??= setTimeout(() => void this.flushReports(), 10);
  }

  private async flushReports(): Promise<void> {
    this.reportTimer = undefined;
    const reports = [...this.pendingReports.values()];
    if (reports.length === 0) return;
    this.pendingReports = new Map();
    try {
      for (let i = 0; i < reports.length; i += 500) await this.client.post('/v2.0/status-reports', { reports: reports.slice(i, i + 500) });
    } catch (err) {
      this.log.warn({ err: String(err) }, 'status report failed; will report again');
      for (const r of reports) {
        this.reported.delete(r.id);
        this.queue.addRateLimited(`port/${r.id}`);
      }
    }
  }

  // ---- DHCP ---------------------------------------------------------------------------------

  dhcpNamespace(networkId: string): string {
    return `${this.config.namespace_prefix}qdhcp-${networkId}`;
  }

  private dhcpDir(networkId: string): string {
    return path.join(this.stateDir, 'dhcp', networkId);
  }

  private dhcpSubnets(networkId: string): Obj[] {
    return [...this.subnets.values()].filter((s) => s.network_id === networkId && s.enable_dhcp && s.ip_version === 4);
  }

  dhcpPortOf(networkId: string): Obj | undefined {
    const deviceId = dhcpDeviceId(this.config.host, networkId);
    return [...this.ports.values()].find((p) => p.network_id === networkId && p.device_owner === 'network:dhcp' && p.device_id === deviceId);
  }

  async syncDhcp(id: string): Promise<void> {
    const net = this.networks.get(id);
    const subnets = this.dhcpSubnets(id);
    const ns = this.dhcpNamespace(id);
    const dir = this.dhcpDir(id);
    if (!net || !this.hosted.has(id) || subnets.length === 0 || !this.config.enable_dhcp) {
      await this.teardownDhcp(id);
      return;
    }
    // The DHCP port: created by this agent (as Neutron's DHCP agent does), bound here.
    let port = this.dhcpPortOf(id);
    if (!port) {
      const created = await this.client.post('/v2.0/ports', {
        port: { network_id: id, project_id: net.project_id, device_owner: 'network:dhcp', device_id: dhcpDeviceId(this.config.host, id), 'binding:host_id': this.config.host, fixed_ips: subnets.map((s) => ({ subnet_id: s.id })), name: '' },
      });
      port = created.port as Obj;
      this.ports.set(port.id, port);
    } else {
      const missing = subnets.filter((s) => !port!.fixed_ips.some((f: Obj) => f.subnet_id === s.id));
      if (missing.length) {
        port = (await this.client.put(`/v2.0/ports/${port.id}`, { port: { fixed_ips: [...port.fixed_ips, ...missing.map((s) => ({ subnet_id: s.id }))] } })).port as Obj;
        this.ports.set(port.id, port);
      }
      if (port['binding:host_id'] !== this.config.host || port['binding:vif_type'] !== 'tap') {
        port = (await this.client.put(`/v2.0/ports/${port.id}`, { port: { 'binding:host_id': this.config.host } })).port as Obj;
        this.ports.set(port.id, port);
      }
    }
    if (port['binding:vif_type'] !== 'tap') throw new Error(`DHCP port ${port.id} is not bound here: ${JSON.stringify(port['binding:vif_details'])}`);
    // The namespace and its interface (a veth whose host end is the port's tap).
    const namespaces = await this.host.namespaces();
    if (!namespaces.has(ns)) {
      await this.host.must('ip', ['netns', 'add', ns]);
      this.host.changes++;
    }
    const inner = `ns-${port.id.slice(0, 11)}`;
    const tap = tapName(port.id);
    const innerLinks = new Map(JSON.parse((await this.host.must('ip', ['-n', ns, '-j', 'link', 'show'])) || '[]').map((l: Link) => [l.ifname, l])) as Map<string, Link>;
    if (!innerLinks.has(inner)) {
      const links = await this.host.links();
      if (links.has(tap)) await this.host.ip('link', 'del', tap);
      await this.host.ip('link', 'add', tap, 'mtu', String(net.mtu), 'type', 'veth', 'peer', 'name', inner, 'netns', ns);
      await this.host.must('ip', ['-n', ns, 'link', 'set', inner, 'address', port.mac_address, 'mtu', String(net.mtu), 'up']);
      await this.host.must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      this.queue.add(`port/${port.id}`);
    } else {
      const l = innerLinks.get(inner)!;
      if (l.mtu !== net.mtu) await this.host.must('ip', ['-n', ns, 'link', 'set', inner, 'mtu', String(net.mtu)]);
      if (!l.flags.includes('UP')) await this.host.must('ip', ['-n', ns, 'link', 'set', inner, 'up']);
    }
    const want = new Set<string>();
    for (const f of port.fixed_ips as Obj[]) {
      const s = this.subnets.get(f.subnet_id);
      if (s && s.ip_version === 4) want.add(`${f.ip_address}/${s.cidr.split('/')[1]}`);
    }
    if (this.config.enable_metadata) want.add(`${METADATA_IP}/32`);
    const have = new Set((await this.host.addressesIn(ns, inner)).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`));
    for (const a of have) if (!want.has(a)) await this.host.must('ip', ['-n', ns, 'addr', 'del', a, 'dev', inner]);
    for (const a of want) if (!have.has(a)) await this.host.must('ip', ['-n', ns, 'addr', 'add', a, 'dev', inner]);
    // dnsmasq: static hosts in a hosts dir (read on change, no SIGHUP); a restart for
    // anything else (a host removed or changed, options, subnets).
    const ipBySubnet = new Map<string, string>((port.fixed_ips as Obj[]).map((f) => [f.subnet_id, f.ip_address]));
    const files = dnsmasqFiles({
      network: { id, mtu: net.mtu },
      subnets: subnets as any,
      ports: [...this.ports.values()].filter((p) => p.network_id === id) as any,
      dhcpPort: { ip_by_subnet: ipBySubnet },
      interfaceName: inner,
      dir,
      metadata: this.config.enable_metadata,
    });
    fs.mkdirSync(path.join(dir, 'host'), { recursive: true, mode: 0o755 });
    fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true, mode: 0o755 });
    const hash = createHash('sha256').update(JSON.stringify([this.config.dnsmasq, files.args, files.opts])).digest('hex');
    const oldHash = readText(path.join(dir, 'config.hash'));
    const existing = new Map<string, string>();
    for (const name of fs.readdirSync(path.join(dir, 'host'))) existing.set(name, readText(path.join(dir, 'host', name)) ?? '');
    let restart = oldHash !== hash || !this.dnsmasqPid(id);
    for (const [name, content] of existing) if (files.hosts.get(name) !== content) restart = true;
    if (!restart) {
      for (const [name, content] of files.hosts) {
        if (existing.has(name)) continue;
        writeAtomic(path.join(dir, 'tmp', name), path.join(dir, 'host', name), content);
        this.host.changes++;
      }
    } else {
      await this.stopDnsmasq(id);
      for (const name of existing.keys()) fs.rmSync(path.join(dir, 'host', name), { force: true });
      for (const [name, content] of files.hosts) writeAtomic(path.join(dir, 'tmp', name), path.join(dir, 'host', name), content);
      fs.writeFileSync(path.join(dir, 'opts'), files.opts, { mode: 0o644 });
      await this.host.must('ip', ['netns', 'exec', ns, this.config.dnsmasq, ...files.args]);
      fs.writeFileSync(path.join(dir, 'config.hash'), hash);
      this.host.changes++;
      this.log.info({ network: id, hosts: files.hosts.size }, 'dnsmasq (re)started');
    }
    if (this.config.enable_metadata) await this.metadata?.ensureProxy(id, ns);
  }

  /** The running dnsmasq of a network (its pid file names a live dnsmasq of that directory). */
  private dnsmasqPid(networkId: string): number | null {
    return livePid(path.join(this.dhcpDir(networkId), 'pid'), this.dhcpDir(networkId));
  }

  private async stopDnsmasq(networkId: string): Promise<void> {
    const pid = this.dnsmasqPid(networkId);
    if (pid) await killAndWait(pid);
  }

  async teardownDhcp(id: string): Promise<void> {
    const ns = this.dhcpNamespace(id);
    const dir = this.dhcpDir(id);
    await this.stopDnsmasq(id);
    await this.metadata?.stopProxy(id);
    if ((await this.host.namespaces()).has(ns)) {
      await this.host.must('ip', ['netns', 'del', ns]);
      this.host.changes++;
    }
    if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
    const port = this.dhcpPortOf(id);
    if (port && this.networks.has(id)) {
      try {
        await this.client.delete(`/v2.0/ports/${port.id}`);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
      }
      this.ports.delete(port.id);
    }
    const tap = port ? tapName(port.id) : null;
    if (tap && (await this.host.links()).has(tap)) await this.host.ip('link', 'del', tap);
  }

  // ---- garbage: what no desired object explains ----------------------------------------------

  private async collectGarbage(): Promise<void> {
    const links = await this.host.links();
    const wanted = new Set([...this.networks.keys()].filter((id) => this.wantsNetwork(id)).map(bridgeName));
    for (const l of links.values()) {
      if (l.ifname.startsWith('brq') && l.linkinfo?.info_kind === 'bridge' && !wanted.has(l.ifname)) await this.removeBridge(l.ifname, await this.host.links());
    }
    const prefix = this.dhcpNamespace('');
    for (const ns of await this.host.namespaces()) {
      if (ns.startsWith(prefix) && !this.hosted.has(ns.slice(prefix.length))) await this.teardownDhcp(ns.slice(prefix.length));
    }
    const dhcpRoot = path.join(this.stateDir, 'dhcp');
    for (const id of fs.existsSync(dhcpRoot) ? fs.readdirSync(dhcpRoot) : []) if (!this.hosted.has(id)) await this.teardownDhcp(id);
  }

  /** Removes everything this agent created on the host (tests, `neutrino agent --cleanup`). */
  async cleanupHost(): Promise<void> {
    this.hosted.clear();
    this.networks.clear();
    await this.collectGarbage();
    await this.l3?.cleanupHost();
  }
}

