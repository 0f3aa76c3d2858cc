// OVN chassis as Neutron agents (`OVN Controller agent` in /v2.0/agents, as ML2/OVN shows
// them), and which chassis gateway router ports are scheduled on.
//
// Liveness, as ML2/OVN judges it, from nb_cfg progress: every probe interval the driver bumps
// NB_Global.nb_cfg (what `ovn-nbctl --wait=hv sync` does); ovn-northd hands it to SB and
// every ovn-controller writes it to its Chassis_Private.nb_cfg once it has processed
// everything up to it. A chassis that catches up with the bump of this round heartbeats its
// agent row; an ovn-controller that is gone or stuck stops heartbeating, and the agent turns
// `alive: false` after agents.agent_down_time like any other agent.
import type { Logger } from 'pino';
import { Replica, type OvsdbClient, type ReplicaRow } from '../../ovsdb/index.ts';
import type { AgentHeartbeat } from '../driver.ts';

export const OVN_CONTROLLER_AGENT_TYPE = 'OVN Controller agent';
/** The other_config/external_ids option that marks a chassis eligible to host gateway ports (ML2/OVN). */
const GATEWAY_OPTION = 'enable-chassis-as-gw';

const NB_DB = 'OVN_Northbound';
const SB_DB = 'OVN_Southbound';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const map = (v: unknown): Record<string, string> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {});

/** A chassis' options: other_config (OVN ≥ 22.09) with external_ids as the fallback (older ovn-controllers). */
function options(chassis: ReplicaRow): Record<string, string> {
  return { ...map(chassis.external_ids), ...map(chassis.other_config) };
}

/**
 * Chassis names gateway ports may be scheduled on: those whose ovn-cms-options enable them
 * as gateways, or every chassis when none does (a small or single-host cloud).
 */
export function gatewayCandidates(chassis: ReplicaRow[]): string[] {
  const names = (rows: ReplicaRow[]) => rows.map((c) => str(c.name)).filter(Boolean).sort();
  const marked = chassis.filter((c) => (options(c)['ovn-cms-options'] ?? '').split(',').includes(GATEWAY_OPTION));
  return names(marked.length ? marked : chassis);
}

/**
 * The candidates in priority order for one router: rotated by a hash of the router id, so
 * routers spread their active gateway over the chassis (priority = candidates − index).
 */
export function gatewayPriorities(candidates: string[], routerId: string): string[] {
  if (candidates.length < 2) return candidates;
  let h = 0;
  for (const ch of routerId) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const start = h % candidates.length;
  return [...candidates.slice(start), ...candidates.slice(0, start)];
}

/** Follows SB Chassis and Chassis_Private and heartbeats the chassis that keep up with nb_cfg. */
export class ChassisAgents {
  private replica?: Replica;
  private timer?: NodeJS.Timeout;
  /** The nb_cfg of this round's bump, and the chassis that have answered it. */
  private target = Number.POSITIVE_INFINITY;
  private readonly answered = new Set<string>();

  constructor(
    private readonly o: {
      nb: OvsdbClient;
      sb: OvsdbClient;
      heartbeat: (agents: AgentHeartbeat[]) => Promise<void>;
      log: Logger;
      /** Seconds between nb_cfg bumps (a chassis that answers heartbeats once per round). */
      probeSeconds: number;
      /** Whether this server probes (the leader: standby servers do not bump nb_cfg). */
      active: () => boolean;
    },
  ) {}

  async start(): Promise<void> {
    this.replica = await Replica.follow(this.o.sb, SB_DB, {
      Chassis: ['name', 'hostname', 'external_ids', 'other_config', 'encaps'],
      Chassis_Private: ['name', 'nb_cfg', 'nb_cfg_timestamp'],
      Encap: ['type', 'ip'],
    });
    this.replica.onChange(() => void this.check());
    await this.probe();
    this.timer = setInterval(() => void this.probe(), this.o.probeSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Bumps NB_Global.nb_cfg: the new round's target (the driver calls it too when it becomes the leader). */
  async probe(): Promise<void> {
    if (!this.o.active()) return;
    try {
      const results = await this.o.nb.transact(NB_DB, [
        { op: 'mutate', table: 'NB_Global', where: [], mutations: [['nb_cfg', '+=', 1]] },
        { op: 'select', table: 'NB_Global', where: [], columns: ['nb_cfg'] },
      ]);
      const value = Number(results[1]?.rows?.[0]?.nb_cfg);
      if (!Number.isFinite(value)) return;
      this.target = value;
      this.answered.clear();
      await this.check();
    } catch (err) {
      this.o.log.warn({ err: String(err) }, 'ovn backend: nb_cfg probe failed');
    }
  }

  /** Heartbeats the chassis that reached this round's nb_cfg and have not heartbeat in it yet. */
  private async check(): Promise<void> {
    const replica = this.replica;
    if (!replica) return;
    const progress = new Map(replica.rows('Chassis_Private').map((p) => [str(p.name), Number(p.nb_cfg)]));
    const encaps = new Map(replica.rows('Encap').map((e) => [e._uuid.uuid, e]));
    const due: AgentHeartbeat[] = [];
    for (const chassis of replica.rows('Chassis')) {
      const name = str(chassis.name);
      if (!name || this.answered.has(name) || !((progress.get(name) ?? -1) >= this.target)) continue;
      this.answered.add(name);
      const opts = options(chassis);
      const refs = (Array.isArray(chassis.encaps) ? chassis.encaps : [chassis.encaps]) as { uuid: string }[];
      due.push({
        agent_type: OVN_CONTROLLER_AGENT_TYPE,
        binary: 'ovn-controller',
        topic: 'N/A',
        host: str(chassis.hostname) || name,
        configurations: {
          chassis_name: name,
          'bridge-mappings': opts['ovn-bridge-mappings'] ?? '',
          'datapath-type': opts['datapath-type'] ?? '',
          'iface-types': opts['iface-types'] ?? '',
          'ovn-cms-options': opts['ovn-cms-options'] ?? '',
          encaps: refs.flatMap((r) => (r && encaps.get(r.uuid) ? [`${str(encaps.get(r.uuid)!.type)}:${str(encaps.get(r.uuid)!.ip)}`] : [])),
          nb_cfg: progress.get(name),
        },
      });
    }
    if (!due.length) return;
    try {
      await this.o.heartbeat(due);
    } catch (err) {
      for (const a of due) this.answered.delete(String(a.configurations.chassis_name));
      this.o.log.warn({ err: String(err) }, 'ovn backend: chassis heartbeat failed');
    }
  }
}
