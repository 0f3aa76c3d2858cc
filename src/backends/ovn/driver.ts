// The `ovn` backend: Neutrino as OVN's cloud management system. The server translates its
// intent into the OVN northbound database (translate.ts) and reports back what OVN realized.
//
// - Level-triggered and incremental: the driver keeps the intent (networks, subnets, ports,
//   security groups and rules, address groups, routers, floating IPs) in memory and refreshes
//   the objects the change feed names. Each change marks the translation units it affects
//   (the object and what depends on it, translate.ts `affectedUnits`); only those are
//   translated, and the reconciler compares only the NB rows they produced before and now
//   with a replica of NB kept by an OVSDB monitor: the minimal transaction, at a cost that
//   does not grow with the size of the cloud.
// - A full reconcile at start and every `backend.ovn_resync_seconds` re-reads the intent from
//   the database and repairs drift in NB in both directions (rows missing or changed, rows
//   Neutrino does not want); what it repaired is counted (neutrino_ovn_drift_repairs_total)
//   and logged.
// - One writer: several API servers may run the ovn backend; they queue for an OVSDB lock
//   on NB (RFC 7047 lock, as ovn-northd's active/standby does) and only its holder writes.
//   Every NB transaction asserts the lock, so a server that lost it (connection dropped,
//   another took over) cannot write even before it hears so. The new holder reconciles fully.
// - Status: a bound port is ACTIVE when its Logical_Switch_Port is `up` (ovn-controller
//   claimed it on a chassis), DOWN otherwise; reported through the backend context with
//   the revision translated. Bindings are `ovs` on hosts that run an OVN chassis (SB).
import type { Logger } from 'pino';
import type { BackendContext, BackendDriver, PortBinding, PortBindingRequest, VerifyRequest } from '../driver.ts';
import { traceVerify } from './verify.ts';
import type { StatusReport } from '../status.ts';
import type { NeutrinoConfig } from '../../config/index.ts';
import { ResyncRequired } from '../../feed/feed.ts';
import { Ops, OvsdbClient, OvsdbError, Replica } from '../../ovsdb/index.ts';
import { MissingReference, Reconciler, TABLE_ORDER, type Plan, type Scope } from './reconcile.ts';
import { keyOf, EXT } from './names.ts';
import { Intent, INTENT_COLLECTIONS, affectedUnits, allUnits, gatewayUnits, translateUnits, type RowRef, type TranslateOptions, type Unit } from './translate.ts';
import type { Collection } from './intent.ts';
import { ChassisAgents, gatewayCandidates } from './chassis.ts';
import { PORT_FORWARDINGS, forwardingFips } from './port-forwarding.ts';
import { driftRepairs, leaderGauge, nbTransactions, syncSeconds } from './metrics.ts';

const NB_DB = 'OVN_Northbound';
const SB_DB = 'OVN_Southbound';
const FEED_BATCH = 1000;
const FETCH_CHUNK = 500;

/** The NB lock whose holder writes NB (one API server at a time). */
export const NB_LOCK = 'neutrino_ovn_nb';

export type OvnOptions = Pick<NeutrinoConfig['backend'], 'ovn_nb_connection' | 'ovn_sb_connection' | 'ovn_resync_seconds' | 'ovn_agent_probe_seconds'>;

/** What one sync pass did (the bench and tests read it). */
export interface SyncResult {
  trigger: 'start' | 'feed' | 'resync' | 'takeover';
  plan: Plan;
  /** Translation units translated (all of them for start and resync). */
  units: number;
  /** NB transactions committed. */
  transactions: number;
  /** start/resync: reading the whole intent from the database. */
  readSeconds?: number;
  /** From reading the changes (or the whole intent) to NB having committed. */
  seconds: number;
  /** Of which: translating and planning, and the NB transaction (until the replica has it). */
  planSeconds: number;
  commitSeconds: number;
}

export class OvnDriver implements BackendDriver {
  readonly name = 'ovn';
  readonly capabilities = { qosRuleTypes: [], vifTypes: ['ovs', 'binding_failed', 'unbound'] };
  private nb?: OvsdbClient;
  private sb?: OvsdbClient;
  private nbReplica?: Replica;
  private sbReplica?: Replica;
  private reconciler?: Reconciler;
  private chassisAgents?: ChassisAgents;
  private context?: BackendContext;
  private log?: Logger;
  private readonly intent = new Intent();
  /** The NB rows each translation unit produced, as last committed (what a unit may have to delete). */
  private unitRows = new Map<Unit, RowRef[]>();
  /** Units to translate at the next pass (kept until NB committed them). */
  private readonly dirty = new Set<Unit>();
  /** The gateway chassis the routers were last translated with. */
  private translatedGateways = '';
  /** Ports whose status may have to be reported (all after a full reconcile). */
  private statusPorts = new Set<string>();
  private statusAll = true;
  private cursor = 0;
  private stopping = false;
  private loop?: Promise<void>;
  private resyncDue = false;
  private takeoverDue = false;
  private resyncTimer?: NodeJS.Timeout;
  private readonly abort = new AbortController();
  /** Whether this server holds NB_LOCK (writes NB, reports status). */
  private leader = false;
  private ops?: Ops;
  /** Last status reported per port (`status@revision`), so each is reported once. */
  private readonly reported = new Map<string, string>();
  /** Listeners of each finished sync (tests, bench). */
  readonly synced: ((result: SyncResult) => void)[] = [];
  private readonly options: OvnOptions;

  /** explain's verify: ovn-trace of the path's packet (verify.ts). */
  readonly verify = (request: VerifyRequest) => traceVerify(request, this.options.ovn_sb_connection);

  constructor(options?: Partial<OvnOptions>) {
    this.options = { ovn_nb_connection: 'unix:/var/run/ovn/ovnnb_db.sock', ovn_sb_connection: '', ovn_resync_seconds: 300, ovn_agent_probe_seconds: 30, ...options };
  }

  bindPort(request: PortBindingRequest): PortBinding {
    const { host } = request;
    if (!host) return { vifType: 'unbound', vifDetails: {} };
    const failed = (reason: string): PortBinding => ({ vifType: 'binding_failed', vifDetails: { reason } });
    if (request.vnicType !== 'normal') return failed(`vnic_type ${request.vnicType} is not supported by the ovn backend (only normal)`);
    if (this.sbReplica?.ready && !this.chassisNames().includes(host)) return failed(`no OVN chassis (ovn-controller) with hostname ${host} is registered in the southbound database`);
    return { vifType: 'ovs', vifDetails: { port_filter: true, connectivity: 'l2', bridge_name: 'br-int', datapath_type: 'netdev' }, status: 'DOWN' };
  }

  /** Chassis hostnames (and names) known to the southbound database. */
  private chassisNames(): string[] {
    const names = new Set<string>();
    for (const c of this.sbReplica?.rows('Chassis') ?? []) {
      if (typeof c.hostname === 'string' && c.hostname) names.add(c.hostname);
      if (typeof c.name === 'string') names.add(c.name);
    }
    return [...names].sort();
  }

  /** Chassis names gateway ports may be scheduled on (chassis.ts). */
  private gatewayChassis(): string[] {
    return gatewayCandidates(this.sbReplica?.rows('Chassis') ?? []);
  }

  async start(context: BackendContext): Promise<void> {
    this.context = context;
    this.log = context.log.child({ backend: 'ovn' });
    this.nb = new OvsdbClient(this.options.ovn_nb_connection, { probeMs: 30_000 });
    await this.nb.connect();
    const tables: Record<string, undefined> = {};
    for (const t of TABLE_ORDER) tables[t] = undefined;
    this.nbReplica = await Replica.follow(this.nb, NB_DB, tables);
    this.reconciler = new Reconciler(this.nbReplica.schema, keyOf, this.nbReplica);
    this.nbReplica.onChange((changes, initial) => {
      if (initial) this.statusAll = true;
      // Refilled after a reconnect (the server could not resume the monitor): NB may have
      // changed in any way meanwhile, so reconcile everything.
      if (initial && this.loop) this.resyncDue = true;
      let woken = initial;
      for (const c of changes) {
        if (c.table !== 'Logical_Switch_Port' || upOf(c.old) === upOf(c.new)) continue;
        this.statusPorts.add(String((c.new ?? c.old)!.name));
        woken = true;
      }
      if (woken) this.wake();
    });
    if (this.options.ovn_sb_connection) {
      this.sb = new OvsdbClient(this.options.ovn_sb_connection, { probeMs: 30_000 });
      await this.sb.connect();
      this.sbReplica = await Replica.follow(this.sb, SB_DB, { Chassis: ['name', 'hostname', 'nb_cfg', 'external_ids', 'other_config'] });
      // A chassis coming or going changes gateway scheduling.
      this.sbReplica.onChange(() => this.wake());
      // Chassis as `OVN Controller agent`s, alive while they keep up with nb_cfg (chassis.ts).
      if (context.heartbeatAgents) {
        this.chassisAgents = new ChassisAgents({ nb: this.nb, sb: this.sb, heartbeat: context.heartbeatAgents, log: this.log, probeSeconds: this.options.ovn_agent_probe_seconds, active: () => this.leader });
        await this.chassisAgents.start();
      }
    }
    this.ops = new Ops(this.nbReplica.schema);
    this.nb.on('locked', (id: string) => {
      if (id !== NB_LOCK || this.leader) return;
      this.leader = true;
      leaderGauge.set(1);
      this.log!.info('ovn backend: holds the northbound lock; writing NB');
      // What the previous holder left, and what changed meanwhile: reconcile everything.
      this.takeoverDue = true;
      this.wake();
      void this.chassisAgents?.probe();
    });
    this.nb.on('lockLost', (id: string) => {
      if (id !== NB_LOCK || !this.leader) return;
      this.leader = false;
      leaderGauge.set(0);
      if (!this.stopping) this.log!.warn('ovn backend: lost the northbound lock; standing by');
      this.wake();
    });
    // The cursor first: changes committed while the intent is read are read again after.
    this.cursor = await context.feed.head();
    if (await this.nb.lock(NB_LOCK)) {
      await this.fullSync('start');
      this.takeoverDue = false;
    } else {
      this.log.info({ lock: NB_LOCK }, 'ovn backend: another server holds the northbound lock; standing by');
    }
    if (this.options.ovn_resync_seconds > 0) {
      this.resyncTimer = setInterval(() => {
        this.resyncDue = true;
        this.wake();
      }, this.options.ovn_resync_seconds * 1000);
      this.resyncTimer.unref();
    }
    this.loop = this.run();
  }

  private wake(): void {
    this.context?.feed.wakeup.wake();
  }

  /** Requests a full reconcile now (tests; an operator signal could too). */
  resyncNow(): void {
    this.resyncDue = true;
    this.wake();
  }

  private async run(): Promise<void> {
    const { feed } = this.context!;
    while (!this.stopping) {
      const generation = feed.wakeup.generation;
      try {
        if (!this.leader) {
          // Standby: the holder of the lock writes; wait to be woken (lock granted, stop).
          await feed.wakeup.wait(generation, 5000, this.abort.signal);
          continue;
        }
        if (this.takeoverDue || this.resyncDue) {
          const trigger = this.takeoverDue ? 'takeover' : 'resync';
          this.takeoverDue = this.resyncDue = false;
          await this.fullSync(trigger);
          continue;
        }
        const changed = await this.followFeed();
        // Status is level-triggered too: derived from NB after every pass.
        await this.reportStatus();
        if (changed) continue;
      } catch (err) {
        if (this.stopping) break;
        if (err instanceof ResyncRequired) {
          this.log!.warn({ err: err.message }, 'ovn backend: change feed compacted past its cursor; full reconcile');
          this.resyncDue = true;
          this.cursor = await feed.head().catch(() => this.cursor);
          continue;
        }
        this.log!.error({ err }, 'ovn backend: sync failed; retrying');
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      await feed.wakeup.wait(generation, feed.options.poll_seconds * 1000 || 5000, this.abort.signal);
    }
  }

  /** Reads the feed after the cursor; refreshes the objects it names and syncs what they affect. Whether anything was read. */
  private async followFeed(): Promise<boolean> {
    const { feed } = this.context!;
    const rows = await feed.read(this.cursor, { resources: [...INTENT_COLLECTIONS, PORT_FORWARDINGS], limit: FEED_BATCH });
    const started = performance.now();
    const byCollection = new Map<Collection, Set<string>>();
    // A port forwarding changed: its floating IP carries it (port-forwarding.ts).
    if (rows.some((r) => r.resource === PORT_FORWARDINGS)) byCollection.set('floatingips', new Set(forwardingFips(this.intent.floatingips.values())));
    for (const row of rows) {
      if (row.resource === PORT_FORWARDINGS) continue;
      const c = row.resource as Collection;
      if (!byCollection.has(c)) byCollection.set(c, new Set());
      byCollection.get(c)!.add(row.resource_id);
    }
    for (const [collection, ids] of byCollection) await this.refresh(collection, [...ids]);
    // A chassis coming or going changes gateway scheduling.
    if (this.gatewayChassis().join(' ') !== this.translatedGateways) for (const u of gatewayUnits(this.intent)) this.dirty.add(u);
    if (this.dirty.size) await this.syncDirty('feed', started);
    // Advanced only once NB has it: a failed sync reads the same changes again (and the units stay dirty).
    if (rows.length) this.cursor = rows[rows.length - 1].cursor;
    return rows.length > 0;
  }

  /** Re-reads objects by id: present ones are replaced, missing ones dropped; marks the units they affect. */
  private async refresh(collection: Collection, ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += FETCH_CHUNK) {
      const chunk = ids.slice(i, i + FETCH_CHUNK);
      const items = await this.context!.list(collection, { id: chunk });
      const found = new Set<string>();
      for (const item of items) {
        const old = this.intent.put(collection, item);
        affectedUnits(this.intent, collection, old, item, this.dirty);
        found.add(item.id);
      }
      for (const id of chunk) {
        if (found.has(id)) continue;
        const old = this.intent.remove(collection, id);
        affectedUnits(this.intent, collection, old, undefined, this.dirty);
      }
      if (collection === 'ports') for (const id of chunk) this.statusPorts.add(id);
    }
  }

  /** Re-reads the whole intent and reconciles NB with it. */
  async fullSync(trigger: 'start' | 'resync' | 'takeover'): Promise<SyncResult> {
    const started = performance.now();
    // Everything up to the head is covered by the re-read.
    const head = await this.context!.feed.head();
    const read = await Promise.all(INTENT_COLLECTIONS.map((c) => this.context!.list(c)));
    this.intent.clear();
    INTENT_COLLECTIONS.forEach((c, i) => {
      for (const item of read[i]) this.intent.put(c, item);
    });
    this.cursor = Math.max(this.cursor, head);
    const readSeconds = (performance.now() - started) / 1000;
    // Every unit: the dirty ones are among them.
    this.dirty.clear();
    // The cursor has moved past what the re-read covers: if NB does not take it, only another
    // full reconcile can bring it back.
    const result = await this.sync(trigger, started, [...allUnits(this.intent)], undefined).catch((err) => {
      this.resyncDue = true;
      throw err;
    });
    result.readSeconds = readSeconds;
    this.statusAll = true;
    const { plan } = result;
    if (trigger === 'resync' && (plan.inserted || plan.updated || plan.deleted)) {
      driftRepairs.inc({ action: 'insert' }, plan.inserted);
      driftRepairs.inc({ action: 'update' }, plan.updated);
      driftRepairs.inc({ action: 'delete' }, plan.deleted);
      this.log!.warn({ inserted: plan.inserted, updated: plan.updated, deleted: plan.deleted, changes: plan.changes.slice(0, 20) }, 'ovn backend: repaired drift in the northbound database');
    } else if (trigger !== 'resync') {
      this.log!.info({ trigger, inserted: plan.inserted, updated: plan.updated, deleted: plan.deleted, seconds: result.seconds }, 'ovn backend: northbound database reconciled');
    }
    await this.reportStatus();
    return result;
  }

  /** Translates the dirty units and commits the difference of the rows they own. */
  private async syncDirty(trigger: SyncResult['trigger'], started: number): Promise<void> {
    const units = [...this.dirty];
    try {
      await this.sync(trigger, started, units, (produced) => {
        // The scope: the rows these units had and have now.
        const scope: Scope = new Map();
        const add = ([table, key]: RowRef) => {
          let keys = scope.get(table);
          if (!keys) scope.set(table, (keys = new Set()));
          keys.add(key);
        };
        for (const u of units) {
          for (const r of this.unitRows.get(u) ?? []) add(r);
          for (const r of produced.get(u) ?? []) add(r);
        }
        return scope;
      });
      for (const u of units) this.dirty.delete(u);
    } catch (err) {
      if (!(err instanceof MissingReference)) throw err;
      // NB lacks a row an unchanged unit should have written (drift): repair everything.
      this.log!.warn({ err: err.message }, 'ovn backend: northbound database lacks a row the change refers to; full reconcile');
      this.resyncDue = true;
    }
  }

  /**
   * Translates units and commits the difference to NB (one transaction, none when equal).
   * scopeOf gives the rows to compare from what the units produced (absent: a full reconcile).
   */
  private async sync(trigger: SyncResult['trigger'], started: number, units: Unit[], scopeOf: ((produced: Map<Unit, RowRef[]>) => Scope) | undefined): Promise<SyncResult> {
    const planStarted = performance.now();
    const options: TranslateOptions = { gatewayChassis: this.gatewayChassis(), leaseTime: 43200 };
    const translation = translateUnits(this.intent, units, options);
    const plan = this.reconciler!.plan(translation.desired, scopeOf?.(translation.rowsByUnit));
    const commitStarted = performance.now();
    const transactions = await this.commit(trigger, plan);
    // Committed: what each unit owns now.
    if (!scopeOf) this.unitRows = new Map();
    for (const [u, rows] of translation.rowsByUnit) {
      if (rows.length) this.unitRows.set(u, rows);
      else this.unitRows.delete(u);
    }
    this.translatedGateways = options.gatewayChassis.join(' ');
    const ended = performance.now();
    const seconds = (ended - started) / 1000;
    if (plan.operations.length) syncSeconds.observe({ trigger }, seconds);
    const result: SyncResult = { trigger, plan, units: units.length, transactions, seconds, planSeconds: (commitStarted - planStarted) / 1000, commitSeconds: (ended - commitStarted) / 1000 };
    for (const l of this.synced) l(result);
    return result;
  }

  /** Commits a plan; resolves once the replica has what it inserted. The number of NB transactions. */
  private async commit(trigger: SyncResult['trigger'], plan: Plan): Promise<number> {
    if (!plan.operations.length) return 0;
    // Fenced: refused unless this connection holds the lock.
    let results: any[];
    try {
      results = (await this.nb!.transact(NB_DB, [this.ops!.assertLock(NB_LOCK), ...plan.operations])).slice(1);
    } catch (err) {
      if (err instanceof OvsdbError && err.error === 'not owner') {
        this.leader = false;
        leaderGauge.set(0);
      }
      throw err;
    }
    nbTransactions.inc({ trigger });
    // The replica hears of the commit by the monitor: wait until it has the inserted rows,
    // or the next plan would insert them again.
    const inserted = plan.operations.flatMap((op, i) => (op.op === 'insert' ? [{ table: String(op.table), uuid: String(results[i]?.uuid?.[1]) }] : []));
    await this.replicaHas(inserted);
    return 1;
  }

  private async replicaHas(rows: { table: string; uuid: string }[]): Promise<void> {
    const replica = this.nbReplica!;
    // Non-root rows may be gone already if unreferenced; the roots and those referred to are what matter.
    const missing = () => rows.some((r) => !replica.get(r.table, r.uuid));
    const deadline = Date.now() + 5000;
    while (missing() && Date.now() < deadline) {
      await Promise.race([new Promise<void>((resolve) => replica.onceChanged(resolve)), new Promise((r) => setTimeout(r, 100))]);
    }
  }

  /** Reports bound ports whose LSP `up` disagrees with their status (those refreshed or whose `up` changed since the last pass). */
  private async reportStatus(): Promise<void> {
    const reports: StatusReport[] = [];
    const ids = this.statusAll ? [...this.intent.ports.keys()] : [...this.statusPorts];
    this.statusAll = false;
    this.statusPorts = new Set();
    for (const id of ids) {
      const port = this.intent.ports.get(id);
      const lsp = this.reconciler!.get('Logical_Switch_Port', id);
      if (!port || !lsp || port['binding:vif_type'] !== 'ovs') continue;
      const status = upOf(lsp) ? 'ACTIVE' : 'DOWN';
      const revision = Number(port.revision_number ?? 0);
      const mark = `${status}@${revision}`;
      if (status === port.status || this.reported.get(port.id) === mark) continue;
      reports.push({ resource: 'ports', id: port.id, revision, status, 'binding:vif_type': 'ovs' });
      this.reported.set(port.id, mark);
    }
    if (!reports.length) return;
    const results = await this.context!.reportStatus(reports).catch((err) => {
      // Tried again at the next pass.
      for (const r of reports) {
        this.statusPorts.add(r.id);
        this.reported.delete(r.id);
      }
      throw err;
    });
    const refused = results.filter((r) => r.result !== 'applied' && r.result !== 'not_found');
    if (refused.length) this.log!.debug({ refused: refused.slice(0, 5) }, 'ovn backend: status reports not applied');
  }

  /** The feed cursor NB has caught up with (tests wait for it to reach the feed's head). */
  get position(): number {
    return this.cursor;
  }

  /** The NB revision Neutrino last wrote for a port (tests). */
  translatedRevision(portId: string): number | undefined {
    const row = this.reconciler?.get('Logical_Switch_Port', portId);
    const ext = row?.external_ids as Record<string, string> | undefined;
    return ext?.[EXT.revision] !== undefined ? Number(ext[EXT.revision]) : undefined;
  }

  /** Whether this server holds the northbound lock (writes NB). */
  get isLeader(): boolean {
    return this.leader;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.resyncTimer);
    this.chassisAgents?.stop();
    this.abort.abort();
    this.wake();
    await this.loop?.catch(() => {});
    this.nb?.close();
    this.sb?.close();
  }
}

/** Whether a Logical_Switch_Port row is up (ovn-northd sets it once a chassis claimed the port). */
function upOf(row: Record<string, unknown> | undefined): boolean {
  const up = row?.up;
  return Array.isArray(up) ? up[0] === true : up === true;
}
