// The L3 reconciler (Neutron's L3 agent): realizes the routers the server scheduled to this
// host's `L3 agent` as network namespaces (router-host.ts) and reports the status of what
// it realized, with the revision realized: the router, its interface and gateway ports
// (which the L2 reconciler leaves to it) and its floating IPs (DOWN once released: when their
// rules left the router's NAT table, which a restarted agent reads back too). Keys: `router/<id>`.
//
//   cache:    routers and floating IPs (a floating IP carries its port forwardings), with
//             the networks, subnets and ports the other reconcilers read too
//   hosting:  the heartbeat's answer names the routers scheduled here (`hosted_routers`);
//             a router no agent hosts yet asks for a heartbeat at once (that schedules it)
//   binding:  the router's ports are bound to this host (binding:host_id), so the L2
//             reconciler puts their taps on the networks' bridges and reports them ACTIVE
//   IPv6:     router advertisements (radvd) for subnets with an ipv6_ra_mode (advertise.ts)
//   gc:       namespaces and state directories no hosted router explains
import fs from 'node:fs';
import path from 'node:path';
import type { AgentContext, AgentReport, Change, Obj, Reconciler, ReconcilerFactory } from '../reconciler.ts';
import { planRouter, routerPorts, type RouterInterface, type RouterPlan } from './plan.ts';
import { RouterHost } from './router-host.ts';
import { RouterMetadata } from './metadata.ts';
import { RouterAdvertiser } from './advertise.ts';
import { bridgeName, tapName } from '../../backends/linux/names.ts';

export const L3_AGENT_TYPE = 'L3 agent';

export class L3Reconciler implements Reconciler {
  readonly name = 'l3';
  readonly resources = ['networks', 'subnets', 'ports', 'routers', 'floatingips'] as const;
  private hosted = new Set<string>();
  /** The server answered at least once which routers are ours (before that, nothing is removed). */
  private hostingKnown = false;
  private readonly metadata?: RouterMetadata;
  private readonly advertiser: RouterAdvertiser;
  /** Per router, floating IP addresses whose rules changed and whose connections are still to flush (→ whether a rule went). */
  private readonly toFlush = new Map<string, Map<string, boolean>>();

  constructor(private readonly ctx: AgentContext) {
    const c = ctx.cache;
    const source = { ports: c.ports, networks: c.networks, subnets: c.subnets, config: ctx.config, log: ctx.log, host: ctx.host };
    this.advertiser = new RouterAdvertiser(ctx.host, ctx.config.radvd);
    if (ctx.config.enable_metadata) this.metadata = new RouterMetadata(source, path.join(this.stateRoot, 'metadata.sock'));
  }

  private get config() {
    return this.ctx.config;
  }

  private get stateRoot(): string {
    return path.join(this.config.state_dir, 'l3');
  }

  private get routers() {
    return this.ctx.cache.of('routers');
  }

  private get floatingips() {
    return this.ctx.cache.of('floatingips');
  }

  namespaceOf(routerId: string): string {
    return `${this.config.namespace_prefix}qrouter-${routerId}`;
  }

  async start(): Promise<void> {
    fs.mkdirSync(this.stateRoot, { recursive: true, mode: 0o755 });
    await this.metadata?.listen();
  }

  async stop(): Promise<void> {
    await this.metadata?.close();
  }

  keysFor(change: Change): string[] {
    const { resource, id, before, object: now } = change;
    // A status report (this agent's own, or the L2 agent's on a workload port) changes no desired state.
    if (change.kind === 'status') return [];
    const hosted = (ids: unknown[]) => [...new Set(ids)].filter((r): r is string => typeof r === 'string' && this.hosted.has(r)).map((r) => `router/${r}`);
    if (resource === 'routers') {
      if (this.hosted.has(id) || !now) return [`router/${id}`];
      if (this.hostingKnown) this.ctx.requestHeartbeat(); // scheduled here, maybe
      return [];
    }
    if (resource === 'floatingips') return hosted([before?.router_id, now?.router_id]);
    if (resource === 'ports') return hosted([before?.device_id, now?.device_id]);
    // Subnets and networks: gateway addresses, prefixes, MTUs, address scopes of any router.
    return [...this.keys()];
  }

  *keys(): Iterable<string> {
    for (const id of this.hosted) yield `router/${id}`;
  }

  /** A router port's tap put on (or taken off) its bridge by the L2 reconciler: the port's status follows. */
  onLink(name: string): string[] {
    if (!name.startsWith('tap')) return [];
    for (const p of this.ctx.cache.ports.values()) if (this.hosted.has(p.device_id) && tapName(p.id) === name) return [`router/${p.device_id}`];
    return [];
  }

  agentReports(): AgentReport[] {
    const routers = this.hosted;
    return [
      {
        agent_type: L3_AGENT_TYPE,
        binary: 'neutrino-agent',
        topic: 'l3_agent',
        configurations: {
          agent_mode: 'legacy',
          routers: routers.size,
          floating_ips: [...this.floatingips.values()].filter((f) => f.router_id && routers.has(f.router_id)).length,
          interfaces: [...this.ctx.cache.ports.values()].filter((p) => routers.has(p.device_id)).length,
          interface_driver: 'linuxbridge',
        },
      },
    ];
  }

  /** The heartbeat's answer for this host's L3 agent: the routers scheduled here. */
  onHeartbeat(agents: Obj[]): void {
    const mine = agents.find((a) => a.agent_type === L3_AGENT_TYPE);
    if (!mine) return;
    const now = new Set<string>(mine.hosted_routers ?? []);
    for (const id of new Set([...now, ...this.hosted])) if (now.has(id) !== this.hosted.has(id)) this.ctx.enqueue(`router/${id}`);
    this.hosted = now;
    this.hostingKnown = true;
  }

  async sync(key: string): Promise<void> {
    const id = key.slice('router/'.length);
    const router = this.routers.get(id);
    if (!router || !this.hosted.has(id)) return this.teardown(id);
    return this.syncRouter(router);
  }

  private async syncRouter(router: Obj): Promise<void> {
    await this.bindPorts(router.id);
    const c = this.ctx.cache;
    const plan = planRouter(router, { routers: this.routers, floatingips: this.floatingips, ports: c.ports, subnets: c.subnets, networks: c.networks });
    const rh = new RouterHost(this.ctx.host, this.namespaceOf(router.id));
    const ipv6 = plan.advertise.length > 0 || plan.interfaces.some((i) => i.addresses.some((a) => a.includes(':')));
    await rh.ensureNamespace(ipv6);
    const devices = [...plan.interfaces, ...(plan.gateway ? [plan.gateway] : [])];
    await rh.syncDevices(devices, plan.adminUp);
    // NAT before the floating IPs' addresses: an address answers only once its DNAT is in place.
    try {
      const pending = this.toFlush.get(router.id) ?? new Map<string, boolean>();
      for (const c of await rh.syncTables(plan)) pending.set(c.address, c.lost || !!pending.get(c.address));
      this.toFlush.set(router.id, pending);
      // Kept until done: the table is already right, so a retry would not find them again.
      for (const [address, lost] of pending) {
        await rh.flushConnections({ address, lost });
        pending.delete(address);
        this.released(router.id, address);
      }
      if (pending.size === 0) this.toFlush.delete(router.id);
    } catch (err) {
      // Neutron's agent marks what it could not configure ERROR; the key is retried.
      const reason = `NAT: ${err instanceof Error ? err.message : String(err)}`;
      this.reportRouter(router, plan, [...plan.problems, reason], 'ERROR');
      throw err;
    }
    const addresses = new Map<string, string[]>(devices.map((d) => [d.device, [...d.addresses]]));
    if (plan.gateway) addresses.get(plan.gateway.device)!.push(...plan.floatingIps.filter((f) => !f.address.includes(':')).map((f) => `${f.address}/32`));
    const added = await rh.syncAddresses(addresses);
    const problems = [...plan.problems, ...(await rh.syncRoutes(plan.adminUp ? plan.routes : []))];
    await this.advertiser.ensure(rh.namespace, path.join(this.stateRoot, router.id), plan.adminUp ? plan.advertise : []);
    if (plan.gateway) for (const f of plan.floatingIps) if (added.has(`${f.address}/32`)) rh.announce(plan.gateway.device, f.address);
    if (this.metadata) await this.metadata.ensure(router.id, rh.namespace);
    this.reportRouter(router, plan, problems);
    await this.reportPorts(router.id, plan, devices);
  }

  /**
   * Interface and gateway ports: ACTIVE when the router is up and the port's device is
   * plugged on both sides (qr-/qg- up in the namespace, its tap up on the network's bridge,
   * which the L2 reconciler does); DOWN otherwise (router admin down, tap not bridged yet).
   */
  private async reportPorts(routerId: string, plan: RouterPlan, devices: RouterInterface[]): Promise<void> {
    for (const d of devices) {
      const port = this.ctx.cache.ports.get(d.portId);
      if (!port) continue;
      const tap = await this.ctx.host.cachedLink(d.tap);
      const plugged = !!tap && tap.master === bridgeName(d.networkId) && tap.flags.includes('UP');
      this.ctx.report('ports', port, plan.adminUp && plugged ? 'ACTIVE' : 'DOWN', `router/${routerId}`);
    }
  }

  /** The router's ports are bound to this host, as Neutron's L3 agent binds them. */
  private async bindPorts(routerId: string): Promise<void> {
    const { interfaces, gateway } = routerPorts(routerId, this.ctx.cache.ports);
    for (const p of [...interfaces, ...(gateway ? [gateway] : [])]) {
      if (p['binding:host_id'] === this.config.host && p['binding:vif_type'] === 'tap') continue;
      const answer = (await this.ctx.client.put(`/v2.0/ports/${p.id}`, { port: { 'binding:host_id': this.config.host } })).port as Obj;
      this.ctx.touch('ports', answer);
      if (answer['binding:vif_type'] !== 'tap') throw new Error(`router port ${p.id} is not bound here: ${JSON.stringify(answer['binding:vif_details'])}`);
    }
  }

  /** A floating IP whose rules left this router: DOWN once its connections are flushed, unless a router holds it again. */
  private released(routerId: string, address: string): void {
    this.ctx.log.info({ router: routerId, floating_ip: address }, 'l3: connections of a changed floating IP mapping flushed');
    for (const fip of this.floatingips.values()) {
      if (fip.floating_ip_address === address && !fip.router_id) this.ctx.report('floatingips', fip, 'DOWN', `router/${routerId}`);
    }
  }

  private async teardown(routerId: string): Promise<void> {
    await this.metadata?.stop(routerId);
    await this.advertiser.stop(path.join(this.stateRoot, routerId));
    await new RouterHost(this.ctx.host, this.namespaceOf(routerId)).remove();
    fs.rmSync(path.join(this.stateRoot, routerId), { recursive: true, force: true });
    this.ctx.forgetReport('routers', routerId);
    this.toFlush.delete(routerId); // the namespace and its conntrack table are gone
  }

  async gc(): Promise<void> {
    if (!this.hostingKnown) return;
    const prefix = this.namespaceOf('');
    for (const ns of await this.ctx.host.namespaces()) {
      const id = ns.slice(prefix.length);
      if (ns.startsWith(prefix) && !this.hosted.has(id)) await this.teardown(id);
    }
    for (const entry of fs.existsSync(this.stateRoot) ? fs.readdirSync(this.stateRoot, { withFileTypes: true }) : []) {
      if (entry.isDirectory() && !this.hosted.has(entry.name)) await this.teardown(entry.name);
    }
  }

  async cleanup(): Promise<void> {
    this.hosted.clear();
    this.hostingKnown = true;
    await this.gc();
  }

  private reportRouter(router: Obj, plan: RouterPlan, problems: string[], fipStatus?: 'ERROR'): void {
    const key = `router/${router.id}`;
    const status = problems.length ? 'ERROR' : plan.adminUp ? 'ACTIVE' : 'DOWN';
    this.ctx.report('routers', router, status, key, problems.length ? problems.join('; ') : undefined);
    for (const f of plan.floatingIps) {
      const fip = this.floatingips.get(f.id);
      if (fip) this.ctx.report('floatingips', fip, fipStatus ?? (plan.adminUp && plan.gateway ? 'ACTIVE' : 'DOWN'), key);
    }
  }
}

export const l3: ReconcilerFactory = {
  name: 'l3',
  enabled: (config) => config.enable_l3,
  create: (ctx) => new L3Reconciler(ctx),
};
