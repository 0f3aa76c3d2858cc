// The L3 part of `neutrino agent` (Neutron's L3 agent): realizes the routers the server
// scheduled to this host's `L3 agent` as network namespaces (router-host.ts) and reports
// router and floating IP status with the revision realized.
//
//   cache:    routers and floating IPs (listed, then followed through the change feed; a
//             floating IP carries its port forwardings), plus the agent's networks, subnets
//             and ports
//   hosting:  the heartbeat's answer names the routers scheduled here (`hosted_routers`);
//             a router no agent hosts yet asks for a heartbeat at once (that schedules it)
//   keys:     `router/<id>` (converge one router), `l3gc` (namespaces and state no hosted
//             router explains)
//   binding:  the router's ports are bound to this host (binding:host_id), so the L2
//             reconciler puts their taps on the networks' bridges and reports them ACTIVE
import fs from 'node:fs';
import path from 'node:path';
import type { AgentConfig } from '../config.ts';
import type { L3Deps } from './deps.ts';
import { planRouter, routerPorts, type RouterPlan } from './plan.ts';
import { RouterHost } from './router-host.ts';
import { RouterMetadata } from './metadata.ts';

export const L3_AGENT_TYPE = 'L3 agent';

type Obj = Record<string, any>;

export interface Change {
  resource: string;
  id: string;
  before: Obj | undefined;
  now: Obj | null | undefined;
}

export class L3Reconciler {
  /** Collections this reconciler follows besides networks, subnets and ports. */
  static readonly resources = ['routers', 'floatingips'];
  readonly routers = new Map<string, Obj>();
  readonly floatingips = new Map<string, Obj>();
  private hosted = new Set<string>();
  /** The server answered at least once which routers are ours (before that, nothing is removed). */
  private hostingKnown = false;
  private readonly reported = new Map<string, string>();
  private pending = new Map<string, Obj>();
  private reportTimer?: NodeJS.Timeout;
  readonly metadata?: RouterMetadata;

  constructor(private readonly deps: L3Deps) {
    if (deps.config.enable_metadata) this.metadata = new RouterMetadata(deps, path.join(this.stateRoot, 'metadata.sock'));
  }

  private get config(): AgentConfig {
    return this.deps.config;
  }

  private get stateRoot(): string {
    return path.join(this.config.state_dir, 'l3');
  }

  namespaceOf(routerId: string): string {
    return `${this.config.namespace_prefix}qrouter-${routerId}`;
  }

  isHosted(routerId: string): boolean {
    return this.hosted.has(routerId);
  }

  async start(): Promise<void> {
    fs.mkdirSync(this.stateRoot, { recursive: true, mode: 0o755 });
    await this.metadata?.listen();
  }

  async stop(): Promise<void> {
    if (this.reportTimer) clearTimeout(this.reportTimer);
    await this.flushReports().catch(() => undefined);
    await this.metadata?.close();
  }

  // ---- informer ---------------------------------------------------------------------------

  async list(): Promise<void> {
    const [routers, fips] = await Promise.all([this.deps.client.list('routers'), this.deps.client.list('floatingips')]);
    for (const [map, items] of [
      [this.routers, routers],
      [this.floatingips, fips],
    ] as const) {
      map.clear();
      for (const item of items) map.set(item.id, item);
    }
  }

  /** A change seen by the informer (networks, subnets and ports are cached by the agent). */
  onChange(change: Change): void {
    const { resource, id, before, now } = change;
    if (resource === 'routers') {
      if (now) this.routers.set(id, now);
      else this.routers.delete(id);
      if (now && !this.hostingKnown) return;
      if (this.hosted.has(id) || !now) this.deps.enqueue(`router/${id}`);
      else this.deps.requestHeartbeat(); // maybe scheduled here now
    } else if (resource === 'floatingips') {
      if (now) this.floatingips.set(id, now);
      else this.floatingips.delete(id);
      for (const r of new Set([before?.router_id, now?.router_id])) if (r && this.hosted.has(r)) this.deps.enqueue(`router/${r}`);
    } else if (resource === 'ports') {
      for (const r of new Set([before?.device_id, now?.device_id])) if (r && this.hosted.has(r)) this.deps.enqueue(`router/${r}`);
    } else if (resource === 'subnets' || resource === 'networks') {
      // Gateway addresses, prefixes, MTUs, address scopes: cheap to look at every router again.
      this.enqueueAll();
    }
  }

  enqueueAll(): void {
    for (const id of this.hosted) this.deps.enqueue(`router/${id}`);
    if (this.hostingKnown) this.deps.enqueue('l3gc');
  }

  handles(key: string): boolean {
    return key.startsWith('router/') || key === 'l3gc';
  }

  // ---- heartbeat ----------------------------------------------------------------------------

  agentState(startFlag: boolean): Obj {
    return {
      agent_type: L3_AGENT_TYPE,
      binary: 'neutrino-agent',
      topic: 'l3_agent',
      host: this.config.host,
      start_flag: startFlag,
      configurations: {
        agent_mode: 'legacy',
        routers: this.hosted.size,
        floating_ips: [...this.floatingips.values()].filter((f) => f.router_id && this.hosted.has(f.router_id)).length,
        interfaces: [...this.deps.ports.values()].filter((p) => this.hosted.has(p.device_id)).length,
        external_network_bridge: '',
        interface_driver: 'linuxbridge',
      },
    };
  }

  /** The heartbeat's answer for this host's L3 agent: the routers scheduled here. */
  onHosted(routerIds: string[]): void {
    const now = new Set(routerIds);
    for (const id of new Set([...now, ...this.hosted])) if (now.has(id) !== this.hosted.has(id)) this.deps.enqueue(`router/${id}`);
    this.hosted = now;
    if (!this.hostingKnown) {
      this.hostingKnown = true;
      this.deps.enqueue('l3gc');
    }
  }

  // ---- sync ---------------------------------------------------------------------------------

  async sync(key: string): Promise<void> {
    if (key === 'l3gc') return this.collectGarbage();
    const id = key.slice('router/'.length);
    const router = this.routers.get(id);
    if (!router || !this.hosted.has(id)) return this.teardown(id);
    return this.syncRouter(router);
  }

  private async syncRouter(router: Obj): Promise<void> {
    await this.bindPorts(router.id);
    const plan = planRouter(router, { routers: this.routers, floatingips: this.floatingips, ports: this.deps.ports, subnets: this.deps.subnets, networks: this.deps.networks });
    const rh = new RouterHost(this.deps.host, this.namespaceOf(router.id));
    const ipv6 = plan.advertise.length > 0 || plan.interfaces.some((i) => i.addresses.some((a) => a.includes(':')));
    await rh.ensureNamespace(ipv6);
    const devices = [...plan.interfaces, ...(plan.gateway ? [plan.gateway] : [])];
    await rh.syncDevices(devices, plan.adminUp);
    const addresses = new Map<string, string[]>(devices.map((d) => [d.device, [...d.addresses]]));
    if (plan.gateway) addresses.get(plan.gateway.device)!.push(...plan.floatingIps.filter((f) => !f.address.includes(':')).map((f) => `${f.address}/32`));
    const added = await rh.syncAddresses(addresses);
    const problems = [...plan.problems, ...(await rh.syncRoutes(plan.adminUp ? plan.routes : []))];
    await rh.syncNat(plan);
    if (plan.gateway) for (const f of plan.floatingIps) if (added.has(`${f.address}/32`)) rh.announce(plan.gateway.device, f.address);
    if (this.metadata) await this.metadata.ensure(router.id, rh.namespace);
    this.reportRouter(router, plan, problems);
  }

  /** The router's ports are bound to this host, as Neutron's L3 agent binds them. */
  private async bindPorts(routerId: string): Promise<void> {
    const { interfaces, gateway } = routerPorts(routerId, this.deps.ports);
    for (const p of [...interfaces, ...(gateway ? [gateway] : [])]) {
      if (p['binding:host_id'] === this.config.host && p['binding:vif_type'] === 'tap') continue;
      const answer = (await this.deps.client.put(`/v2.0/ports/${p.id}`, { port: { 'binding:host_id': this.config.host } })).port as Obj;
      this.deps.ports.set(answer.id, answer);
      if (answer['binding:vif_type'] !== 'tap') throw new Error(`router port ${p.id} is not bound here: ${JSON.stringify(answer['binding:vif_details'])}`);
    }
  }

  private async teardown(routerId: string): Promise<void> {
    await this.metadata?.stop(routerId);
    await new RouterHost(this.deps.host, this.namespaceOf(routerId)).remove();
    fs.rmSync(path.join(this.stateRoot, routerId), { recursive: true, force: true });
    this.reported.delete(routerId);
  }

  private async collectGarbage(): Promise<void> {
    if (!this.hostingKnown) return;
    const prefix = this.namespaceOf('');
    for (const ns of await this.deps.host.namespaces()) {
      const id = ns.slice(prefix.length);
      if (ns.startsWith(prefix) && !this.hosted.has(id)) await this.teardown(id);
    }
    for (const entry of fs.existsSync(this.stateRoot) ? fs.readdirSync(this.stateRoot, { withFileTypes: true }) : []) {
      if (entry.isDirectory() && !this.hosted.has(entry.name)) await this.teardown(entry.name);
    }
  }

  /** Removes every router namespace of this agent (`cleanupHost`). */
  async cleanupHost(): Promise<void> {
    this.hosted.clear();
    this.hostingKnown = true;
    await this.collectGarbage();
  }

  // ---- status -------------------------------------------------------------------------------

  private reportRouter(router: Obj, plan: RouterPlan, problems: string[]): void {
    const status = problems.length ? 'ERROR' : plan.adminUp ? 'ACTIVE' : 'DOWN';
    this.report({ resource: 'routers', id: router.id, revision: router.revision_number, status, reason: problems.length ? problems.join('; ') : null }, router.status);
    for (const f of plan.floatingIps) {
      const fip = this.floatingips.get(f.id);
      if (fip) this.report({ resource: 'floatingips', id: f.id, revision: f.revision, status: plan.adminUp && plan.gateway ? 'ACTIVE' : 'DOWN' }, fip.status);
    }
  }

  private report(r: Obj, current: string | undefined): void {
    const stamp = `${r.revision}:${r.status}:${r.reason ?? ''}`;
    if (this.reported.get(r.id) === stamp && current === r.status) return;
    this.reported.set(r.id, stamp);
    this.pending.set(r.id, r);
    this.reportTimer ??= setTimeout(() => void this.flushReports(), 10);
  }

  private async flushReports(): Promise<void> {
    this.reportTimer = undefined;
    const reports = [...this.pending.values()];
    if (!reports.length) return;
    this.pending = new Map();
    try {
      await this.deps.client.post('/v2.0/status-reports', { reports });
    } catch (err) {
      this.deps.log.warn({ err: String(err) }, 'router status report failed; will report again');
      for (const r of reports) {
        this.reported.delete(r.id);
        const routerId = r.resource === 'routers' ? r.id : this.floatingips.get(r.id)?.router_id;
        if (routerId) this.deps.enqueue(`router/${routerId}`);
      }
    }
  }

  get idle(): boolean {
    return this.pending.size === 0 && !this.reportTimer;
  }
}
