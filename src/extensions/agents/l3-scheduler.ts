// Automatic L3 scheduling (Neutron's legacy router scheduler with router_auto_schedule and
// allow_automatic_l3agent_failover): every router is hosted by exactly one live, enabled
// `L3 agent`, the least loaded one; a router whose agent died moves to a live agent. Runs
// when L3 agents report through POST /v2.0/agent-reports (every heartbeat, and at once when
// an agent sees a router no agent hosts), in one transaction under a lock, so concurrent
// reports never bind a router twice. Bindings made by hand (/agents/{id}/l3-routers) to a
// live agent are kept.
import type { ServiceDeps } from '../../framework/deps.ts';
import type { Tx } from '../../db/index.ts';
import { AGENT_TYPE_L3 } from './agent-service.ts';

const agentTime = (date: Date) => date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');

export interface L3ScheduleResult {
  added: { router_id: string; agent_id: string }[];
  removed: { router_id: string; agent_id: string }[];
}

export class L3Scheduler {
  constructor(private readonly app: ServiceDeps) {}

  async schedule(trx: Tx): Promise<L3ScheduleResult> {
    await this.app.database.lockKey(trx, 'l3-scheduler');
    const since = agentTime(new Date(Date.now() - this.app.config.agents.agent_down_time * 1000));
    const agents = await trx.selectFrom('agents').select(['id', 'heartbeat_timestamp', 'admin_state_up']).where('agent_type', '=', AGENT_TYPE_L3).execute();
    const isLive = (a: any) => String(a.heartbeat_timestamp) >= since;
    const eligible = new Set(agents.filter((a: any) => isLive(a) && (a.admin_state_up === true || a.admin_state_up === 1)).map((a: any) => a.id as string));
    const dead = new Set(agents.filter((a: any) => !isLive(a)).map((a: any) => a.id as string));
    const result: L3ScheduleResult = { added: [], removed: [] };
    const load = new Map<string, number>([...eligible].map((id) => [id, 0]));
    const hosted = new Set<string>();
    for (const b of (await trx.selectFrom('router_l3_agent_bindings').select(['router_id', 'l3_agent_id']).execute()) as any[]) {
      if (dead.has(b.l3_agent_id) && eligible.size > 0) {
        await trx.deleteFrom('router_l3_agent_bindings').where('router_id', '=', b.router_id).where('l3_agent_id', '=', b.l3_agent_id).execute();
        result.removed.push({ router_id: b.router_id, agent_id: b.l3_agent_id });
        continue;
      }
      hosted.add(b.router_id);
      if (load.has(b.l3_agent_id)) load.set(b.l3_agent_id, load.get(b.l3_agent_id)! + 1);
    }
    if (eligible.size === 0) return result;
    const routers = (await trx.selectFrom('routers').select('id').orderBy('id').execute()).map((r: any) => r.id as string);
    for (const router of routers) {
      if (hosted.has(router)) continue;
      const agent = [...load].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0][0];
      await trx.insertInto('router_l3_agent_bindings').values({ router_id: router, l3_agent_id: agent }).execute();
      load.set(agent, load.get(agent)! + 1);
      result.added.push({ router_id: router, agent_id: agent });
    }
    return result;
  }

  async routersOf(trx: Tx, agentId: string): Promise<string[]> {
    const rows = await trx.selectFrom('router_l3_agent_bindings').select('router_id').where('l3_agent_id', '=', agentId).execute();
    return rows.map((r: any) => r.router_id as string).sort();
  }
}
