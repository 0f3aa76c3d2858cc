// OVN's metadata agent for one chassis (`neutrino ovn metadata-agent`), as ML2/OVN's
// neutron-ovn-metadata-agent: for every network with a workload bound to this host and an
// IPv4 subnet with DHCP, a namespace `ovnmeta-<network id>` plugged into the chassis' br-int
// as the network's metadata localport (iface-id `ovnmeta-<network id>`, the MAC the ovn
// driver gave that port), holding 169.254.169.254 with on-link routes to the network's IPv4
// subnets, and the Linux agent's metadata proxy (src/agent/dhcp/metadata.ts) in it. The proxy
// forwards with the network id and the caller's address to this agent's metadata server,
// which answers from the port holding that address on that network. A localport's traffic
// stays on its chassis, so each chassis answers its own workloads.
import fs from 'node:fs';
import path from 'node:path';
import type { AgentContext, AgentReport, Change, Obj, Reconciler, ReconcilerFactory } from '../reconciler.ts';
import { MetadataServer } from '../dhcp/metadata.ts';
import { METADATA_IP, metadataMac, metadataPortName } from '../../backends/ovn/metadata-names.ts';

export const OVN_METADATA_AGENT_TYPE = 'OVN Metadata agent';
const NOT_WORKLOADS = /^network:(dhcp|distributed|router_interface|router_interface_distributed|ha_router_replicated_interface|router_gateway|floatingip)$/;

export class OvnMetadataReconciler implements Reconciler {
  readonly name = 'ovn-metadata';
  readonly resources = ['networks', 'subnets', 'ports'] as const;
  /** Created here so --cleanup (which does not start the agent) can stop the proxies too. */
  private readonly metadata: MetadataServer;

  constructor(private readonly ctx: AgentContext) {
    const c = ctx.cache;
    this.metadata = new MetadataServer({ ports: c.ports, networks: c.networks, subnets: c.subnets, config: ctx.config, log: ctx.log, host: ctx.host }, this.socketPath);
  }

  private get config() {
    return this.ctx.config;
  }

  private get cache() {
    return this.ctx.cache;
  }

  private get socketPath(): string {
    return path.join(this.config.state_dir, 'ovn-metadata.sock');
  }

  async start(): Promise<void> {
    if (!this.config.ovs_db) throw new Error('the OVN metadata agent needs ovs_db (the chassis\' Open_vSwitch database, e.g. unix:/var/run/openvswitch/db.sock)');
    fs.mkdirSync(this.config.state_dir, { recursive: true, mode: 0o755 });
    await this.metadata.listen();
  }

  async stop(): Promise<void> {
    await this.metadata.close();
  }

  namespace(networkId: string): string {
    return `${this.config.namespace_prefix}${metadataPortName(networkId)}`;
  }

  /** The veth end on br-int, in the host's namespace (15 characters at most). */
  private device(networkId: string): string {
    return `meta${networkId.replace(/-/g, '').slice(0, 11)}`;
  }

  private subnetsOf(networkId: string): Obj[] {
    return [...this.cache.subnets.values()].filter((s) => s.network_id === networkId && s.ip_version === 4);
  }

  /** Networks that want a metadata namespace here: a workload bound to this host, an IPv4 subnet with DHCP. */
  private wanted(): Set<string> {
    const nets = new Set<string>();
    for (const p of this.cache.ports.values()) {
      if (p['binding:host_id'] !== this.config.host || NOT_WORKLOADS.test(p.device_owner ?? '') || !this.cache.networks.has(p.network_id)) continue;
      if (this.subnetsOf(p.network_id).some((s) => s.enable_dhcp)) nets.add(p.network_id);
    }
    return nets;
  }

  keysFor(change: Change): string[] {
    if (change.resource === 'networks') return [change.id];
    const nets = new Set([change.before?.network_id, change.object?.network_id]);
    if (change.resource === 'ports' && change.kind === 'status') return [];
    return [...nets].filter((n): n is string => !!n);
  }

  *keys(): Iterable<string> {
    yield* this.wanted();
  }

  async sync(networkId: string): Promise<void> {
    if (this.wanted().has(networkId)) await this.provision(networkId);
    else await this.teardown(networkId);
  }

  private async ovsVsctl(...args: string[]): Promise<string> {
    return this.ctx.host.must('ovs-vsctl', [`--db=${this.config.ovs_db}`, '--timeout=10', ...args]);
  }

  private async provision(networkId: string): Promise<void> {
    const host = this.ctx.host;
    const ns = this.namespace(networkId);
    const device = this.device(networkId);
    if (!(await host.namespaces()).has(ns)) {
      await host.must('ip', ['netns', 'add', ns]);
      await host.must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      host.changes++;
    }
    const inner = await host.run('ip', ['-n', ns, 'link', 'show', 'eth0']);
    if (inner.code !== 0) {
      if (await host.link(device)) await host.ip('link', 'del', device);
      await host.ip('link', 'add', device, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      await host.must('ip', ['-n', ns, 'link', 'set', 'eth0', 'address', metadataMac(networkId), 'up']);
      // The userspace datapath does not complete offloaded checksums: TCP would move no bytes.
      await host.must('ip', ['netns', 'exec', ns, 'ethtool', '-K', 'eth0', 'tx', 'off']);
      await host.ip('link', 'set', device, 'up');
    }
    await this.ovsVsctl('--may-exist', 'add-port', 'br-int', device, '--', 'set', 'Interface', device, `external_ids:iface-id=${metadataPortName(networkId)}`);
    const addresses = (await host.addressesIn(ns, 'eth0')).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
    if (!addresses.includes(`${METADATA_IP}/32`)) await host.must('ip', ['-n', ns, 'addr', 'add', `${METADATA_IP}/32`, 'dev', 'eth0']);
    // The workloads are on-link: replies go straight back on eth0.
    const want = new Set(this.subnetsOf(networkId).map((s) => s.cidr as string));
    const routes = JSON.parse((await host.must('ip', ['-n', ns, '-j', 'route', 'show', 'dev', 'eth0'])) || '[]') as { dst: string }[];
    for (const r of routes) if (!want.has(r.dst)) await host.must('ip', ['-n', ns, 'route', 'del', r.dst, 'dev', 'eth0']);
    for (const cidr of want) if (!routes.some((r) => r.dst === cidr)) await host.must('ip', ['-n', ns, 'route', 'add', cidr, 'dev', 'eth0']);
    await this.metadata.ensureProxy(networkId, ns);
  }

  private async teardown(networkId: string): Promise<void> {
    const host = this.ctx.host;
    await this.metadata.stopProxy(networkId);
    const device = this.device(networkId);
    await this.ovsVsctl('--if-exists', 'del-port', 'br-int', device);
    const ns = this.namespace(networkId);
    if ((await host.namespaces()).has(ns)) {
      await host.must('ip', ['netns', 'del', ns]);
      host.changes++;
    }
    if (await host.link(device)) await host.ip('link', 'del', device);
  }

  /** Namespaces of networks no longer wanted here. */
  async gc(): Promise<void> {
    const prefix = this.namespace('');
    const wanted = this.wanted();
    for (const ns of await this.ctx.host.namespaces()) {
      const id = ns.startsWith(prefix) ? ns.slice(prefix.length) : null;
      if (id && !wanted.has(id)) await this.teardown(id);
    }
  }

  async cleanup(): Promise<void> {
    await this.gc();
  }

  agentReports(): AgentReport[] {
    return [{ agent_type: OVN_METADATA_AGENT_TYPE, binary: 'neutrino-agent', topic: 'N/A', configurations: { metadata_proxy_socket: this.socketPath, networks: this.wanted().size } }];
  }
}

export const ovnMetadata: ReconcilerFactory = { name: 'ovn-metadata', enabled: (config) => config.ovs_db !== '', create: (ctx) => new OvnMetadataReconciler(ctx) };
