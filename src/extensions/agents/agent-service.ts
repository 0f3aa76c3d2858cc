// Agents: a host's DHCP, L3, L2 ... processes register and stay registered by reporting
// their state (reportState); the API lists, shows, updates (admin_state_up, description)
// and deletes them. An agent is alive while its last report is younger than
// agents.agent_down_time seconds.
import type { ServiceDeps } from '../../framework/deps.ts';
import { randomUUID } from 'node:crypto';
import { adminContext, type RequestContext } from '../../foundation/context.ts';
import type { Tx } from '../../db/index.ts';
import type { Query } from '../../framework/repository.ts';
import { ResourceService, type Item } from '../../framework/resource-service.ts';
import { toBoolean } from '../../foundation/validation.ts';
import { badRequest } from '../../foundation/errors.ts';

export const AGENT_TYPE_DHCP = 'DHCP agent';
export const AGENT_TYPE_L3 = 'L3 agent';

/** Neutron renders agent times as naive UTC: `2017-09-12 19:35:38`. */
const agentTime = (date: Date) => date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');

/** What an agent reports about itself at start and every report interval. */
export interface AgentState {
  agent_type: string;
  binary: string;
  topic: string;
  host: string;
  configurations?: Record<string, unknown>;
  availability_zone?: string | null;
  resources_synced?: boolean | null;
  /** The agent (re)started since its last report: started_at is reset. */
  start_flag?: boolean;
}

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    agents?: AgentService;
  }
}

export class AgentService extends ResourceService {
  constructor(app: ServiceDeps) {
    super(app, 'agents');
    // alive is computed from the heartbeat: filter on the heartbeat's age in SQL.
    this.customFilters.alive = (q: Query, values: unknown[]) => {
      const wanted = new Set(values.map((v) => toBoolean(v)));
      if (wanted.has(undefined)) throw badRequest(`Invalid input for alive: ${JSON.stringify(values)} is not a boolean`);
      if (wanted.size === 2) return q;
      return q.where('agents.heartbeat_timestamp', wanted.has(true) ? '>=' : '<', this.aliveSince());
    };
  }

  /** Agents belong to no project: what a caller sees is decided by get_agent alone (admin only by default). */
  protected override scope(_ctx: RequestContext, q: Query): Query {
    return q;
  }

  /** Heartbeats at or after this time mean alive. */
  private aliveSince(): string {
    return agentTime(new Date(Date.now() - this.app.config.agents.agent_down_time * 1000));
  }

  protected override async extend(_q: Tx, _ctx: RequestContext, items: Item[]): Promise<void> {
    const since = this.aliveSince();
    for (const item of items) item.alive = item.heartbeat_timestamp >= since;
  }

  /** Whether the agent of this type on this host is registered and alive now. */
  async isAlive(agentType: string, host: string): Promise<boolean> {
    const row = await this.app.database.db.selectFrom('agents').select('heartbeat_timestamp').where('agent_type', '=', agentType).where('host', '=', host).executeTakeFirst();
    return !!row && String(row.heartbeat_timestamp) >= this.aliveSince();
  }

  /**
   * Registers an agent or refreshes its row (one per agent type and host): heartbeat,
   * configurations and, on a restart, started_at. Returns the agent as admins see it.
   */
  async reportState(state: AgentState): Promise<Item> {
    const at = agentTime(new Date());
    const refreshed = this.repo.toRow({
      binary: state.binary,
      topic: state.topic,
      heartbeat_timestamp: at,
      configurations: state.configurations ?? {},
      availability_zone: state.availability_zone ?? null,
      resources_synced: state.resources_synced ?? null,
    });
    const created = this.repo.toRow({ id: randomUUID(), agent_type: state.agent_type, host: state.host, admin_state_up: true, created_at: at, started_at: at });
    const id = await this.app.transact(async (trx) => {
      // One statement decides between registering and refreshing, so concurrent first
      // reports of one agent cannot register it twice.
      await trx
        .insertInto('agents')
        .values({ ...created, ...refreshed })
        .onConflict((oc: any) => oc.columns(['agent_type', 'host']).doUpdateSet(state.start_flag ? { ...refreshed, started_at: at } : refreshed))
        .execute();
      const row = await trx.selectFrom('agents').select('id').where('agent_type', '=', state.agent_type).where('host', '=', state.host).executeTakeFirstOrThrow();
      return row.id as string;
    });
    return this.show(adminContext(), id);
  }
}
