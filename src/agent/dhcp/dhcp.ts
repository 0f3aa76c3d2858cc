// The DHCP reconciler: per network this host's DHCP agent hosts (the server schedules
// networks with DHCP-enabled subnets to live DHCP agents and answers them to each heartbeat),
// a namespace qdhcp-<network> with the DHCP port (created here, as Neutron's DHCP agent does),
// dnsmasq answering only the ports' fixed IPs (DHCPv4, and DHCPv6 for the dhcpv6-stateful and
// -stateless subnets: dnsmasq.ts), and the metadata proxy (src/agent/dhcp/metadata.ts).
// Keys: `dhcp/<network id>`.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type { AgentContext, AgentReport, Change, Obj, Reconciler, ReconcilerFactory } from '../reconciler.ts';
import { ApiError } from '../client.ts';
import type { Link } from '../host.ts';
import { dnsmasqFiles, servesSubnet, type DhcpSubnet } from './dnsmasq.ts';
import { MetadataServer, METADATA_IP } from './metadata.ts';
import { tapName } from '../../backends/linux/names.ts';
import { killAndWait, livePid, readText, writeAtomic } from '../proc.ts';

export const DHCP_AGENT_TYPE = 'DHCP agent';
export const METADATA_AGENT_TYPE = 'Metadata agent';

/** Neutron's DHCP port device_id: dhcp<uuid5(host)>-<network id>. */
export function dhcpDeviceId(host: string, networkId: string): string {
  const h = createHash('sha1').update(`neutrino-dhcp:${host}`).digest('hex');
  return `dhcp${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}-${networkId}`;
}

export class DhcpReconciler implements Reconciler {
  readonly name = 'dhcp';
  readonly resources = ['networks', 'subnets', 'ports'] as const;
  /** The networks the server scheduled to this host's DHCP agent (from the last heartbeat). */
  private hosted = new Set<string>();
  private metadata?: MetadataServer;

  constructor(private readonly ctx: AgentContext) {}

  private get config() {
    return this.ctx.config;
  }

  private get host() {
    return this.ctx.host;
  }

  private get stateDir(): string {
    return this.ctx.config.state_dir;
  }

  private get networks() {
    return this.ctx.cache.networks;
  }

  private get subnets() {
    return this.ctx.cache.subnets;
  }

  private get ports() {
    return this.ctx.cache.ports;
  }

  private get client() {
    return this.ctx.client;
  }

  private get log() {
    return this.ctx.log;
  }

  async start(): Promise<void> {
    fs.mkdirSync(path.join(this.stateDir, 'dhcp'), { recursive: true, mode: 0o755 });
    if (this.config.enable_metadata && this.config.enable_dhcp) {
      const c = this.ctx.cache;
      this.metadata = new MetadataServer({ ports: c.ports, networks: c.networks, subnets: c.subnets, config: this.config, log: this.log, host: this.host }, path.join(this.stateDir, 'metadata.sock'));
      await this.metadata.listen();
    }
  }

  async stop(): Promise<void> {
    await this.metadata?.close();
  }

  keysFor(change: Change): string[] {
    if (change.resource === 'networks') return this.hosted.has(change.id) ? [`dhcp/${change.id}`] : [];
    if (change.resource === 'subnets') {
      const net = (change.object ?? change.before)?.network_id;
      if (!net) return [];
      if (this.hosted.has(net)) return [`dhcp/${net}`];
      // A network may need a DHCP agent now: the next heartbeat's answer says whether it is this one.
      if (change.object?.enable_dhcp && this.config.enable_dhcp) this.ctx.requestHeartbeat();
      return [];
    }
    if (change.resource === 'ports') {
      // A status report changes nothing dnsmasq answers.
      if (change.kind === 'status') return [];
      const nets = new Set([change.before?.network_id, change.object?.network_id]);
      return [...nets].filter((net): net is string => !!net && this.hosted.has(net)).map((net) => `dhcp/${net}`);
    }
    return [];
  }

  *keys(): Iterable<string> {
    for (const id of this.hosted) yield `dhcp/${id}`;
  }

  async sync(key: string): Promise<void> {
    const [kind, id] = key.split('/');
    if (kind === 'dhcp') return this.syncDhcp(id);
  }

  agentReports(): AgentReport[] {
    const c = this.config;
    const agents: AgentReport[] = [];
    if (c.enable_dhcp) agents.push({ agent_type: DHCP_AGENT_TYPE, binary: 'neutrino-agent', topic: 'dhcp_agent', configurations: { dhcp_driver: 'dnsmasq', networks: this.hosted.size, dhcp_lease_duration: 86400 } });
    if (c.enable_metadata && c.enable_dhcp) {
      agents.push({ agent_type: METADATA_AGENT_TYPE, binary: 'neutrino-agent', topic: 'N/A', configurations: { metadata_proxy_socket: path.join(this.stateDir, 'metadata.sock') } });
    }
    return agents;
  }

  onHeartbeat(agents: Obj[]): void {
    const dhcp = agents.find((a) => a.agent_type === DHCP_AGENT_TYPE);
    if (!dhcp) return;
    const now = new Set<string>(dhcp.hosted_networks ?? []);
    for (const id of new Set([...now, ...this.hosted])) if (now.has(id) !== this.hosted.has(id)) this.ctx.enqueue(`dhcp/${id}`);
    this.hosted = now;
  }

  /** DHCP namespaces and state directories of networks this host no longer hosts. */
  async gc(): Promise<void> {
    const prefix = this.dhcpNamespace('');
    for (const ns of await this.host.namespaces()) {
      if (ns.startsWith(prefix) && !this.hosted.has(ns.slice(prefix.length))) await this.teardownDhcp(ns.slice(prefix.length));
    }
    const dhcpRoot = path.join(this.stateDir, 'dhcp');
    for (const id of fs.existsSync(dhcpRoot) ? fs.readdirSync(dhcpRoot) : []) if (!this.hosted.has(id)) await this.teardownDhcp(id);
  }

  async cleanup(): Promise<void> {
    this.hosted.clear();
    await this.gc();
  }

  dhcpNamespace(networkId: string): string {
    return `${this.config.namespace_prefix}qdhcp-${networkId}`;
  }

  private dhcpDir(networkId: string): string {
    return path.join(this.stateDir, 'dhcp', networkId);
  }

  private dhcpSubnets(networkId: string): Obj[] {
    return [...this.subnets.values()].filter((s) => s.network_id === networkId && servesSubnet(s as DhcpSubnet));
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
      await this.ipv6Sysctls(ns, inner);
      await this.host.must('ip', ['-n', ns, 'link', 'set', inner, 'address', port.mac_address, 'mtu', String(net.mtu), 'up']);
      await this.host.must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      // The L2 reconciler puts the new tap on the network's bridge.
      this.ctx.touch('ports', port);
    } else {
      const l = innerLinks.get(inner)!;
      if (l.mtu !== net.mtu) await this.host.must('ip', ['-n', ns, 'link', 'set', inner, 'mtu', String(net.mtu)]);
      if (!l.flags.includes('UP')) await this.host.must('ip', ['-n', ns, 'link', 'set', inner, 'up']);
    }
    // The port's addresses on the served subnets: dnsmasq picks a DHCPv6 range by the
    // interface's address in its prefix, as it picks a v4 range.
    const want = new Set<string>();
    for (const f of port.fixed_ips as Obj[]) {
      const s = subnets.find((x) => x.id === f.subnet_id);
      if (s) want.add(`${ipaddr.parse(f.ip_address).toString()}/${s.cidr.split('/')[1]}`);
    }
    if (this.config.enable_metadata) want.add(`${METADATA_IP}/32`);
    const have = new Set(
      (await this.host.addressesIn(ns, inner))
        .filter((a) => a.family === 'inet' || (a.family === 'inet6' && (a as { scope?: string }).scope === 'global'))
        .map((a) => `${a.local}/${a.prefixlen}`),
    );
    for (const a of have) if (!want.has(a)) await this.host.must('ip', ['-n', ns, 'addr', 'del', a, 'dev', inner]);
    const add = [...want].filter((a) => !have.has(a));
    // A namespace made by an older agent may still accept RAs.
    if (add.some((a) => a.includes(':'))) await this.ipv6Sysctls(ns, inner);
    // nodad: the address is the port's own, and dnsmasq cannot answer from a tentative one.
    for (const a of add) await this.host.must('ip', ['-n', ns, 'addr', 'add', a, 'dev', inner, ...(a.includes(':') ? ['nodad'] : [])]);
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
    // Per-port files (host lines, extra options) are read by dnsmasq when they appear; a
    // port's options go in before its host line, which names their tag.
    const perPort: [string, Map<string, string>][] = [['portopts', files.portOpts], ['host', files.hosts]];
    for (const sub of ['tmp', ...perPort.map(([d]) => d)]) fs.mkdirSync(path.join(dir, sub), { recursive: true, mode: 0o755 });
    const hash = createHash('sha256').update(JSON.stringify([this.config.dnsmasq, files.args, files.opts])).digest('hex');
    const oldHash = readText(path.join(dir, 'config.hash'));
    let restart = oldHash !== hash || !this.dnsmasqPid(id);
    const existing = new Map<string, Map<string, string>>();
    for (const [sub, want] of perPort) {
      const have = new Map<string, string>();
      for (const name of fs.readdirSync(path.join(dir, sub))) have.set(name, readText(path.join(dir, sub, name)) ?? '');
      existing.set(sub, have);
      // A removed or changed entry: dnsmasq only adds what it reads from these directories.
      for (const [name, content] of have) if (want.get(name) !== content) restart = true;
    }
    if (!restart) {
      for (const [sub, want] of perPort) {
        for (const [name, content] of want) {
          if (existing.get(sub)!.has(name)) continue;
          writeAtomic(path.join(dir, 'tmp', name), path.join(dir, sub, name), content);
          this.host.changes++;
        }
      }
    } else {
      await this.stopDnsmasq(id);
      for (const [sub, want] of perPort) {
        for (const name of existing.get(sub)!.keys()) fs.rmSync(path.join(dir, sub, name), { force: true });
        for (const [name, content] of want) writeAtomic(path.join(dir, 'tmp', name), path.join(dir, sub, name), content);
      }
      fs.writeFileSync(path.join(dir, 'opts'), files.opts, { mode: 0o644 });
      await this.host.must('ip', ['netns', 'exec', ns, this.config.dnsmasq, ...files.args]);
      fs.writeFileSync(path.join(dir, 'config.hash'), hash);
      this.host.changes++;
      this.log.info({ network: id, hosts: files.hosts.size }, 'dnsmasq (re)started');
    }
    if (this.config.enable_metadata) await this.metadata?.ensureProxy(id, ns);
  }

  /**
   * The DHCP interface takes no router advertisement (its addresses are the port's, set here,
   * as Neutron's DHCP agent sets accept_ra 0) and skips DAD, so DHCPv6 can answer from its
   * link-local address as soon as it is up.
   */
  private async ipv6Sysctls(ns: string, dev: string): Promise<void> {
    await this.host.must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${dev}.accept_ra=0`, `net.ipv6.conf.${dev}.accept_dad=0`]);
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
}

export const dhcp: ReconcilerFactory = { name: 'dhcp', enabled: () => true, create: (ctx) => new DhcpReconciler(ctx) };
