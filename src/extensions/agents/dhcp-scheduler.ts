// Automatic DHCP scheduling (Neutron's network scheduler with allow_automatic_dhcp_failover):
// every network with a DHCP-enabled subnet is hosted by up to agents.dhcp_agents_per_network
// live, enabled DHCP agents; bindings to dead agents are removed so that the network moves
// to a live one. Runs when agents report through POST /v2.0/agent-reports (every heartbeat,
// and at once when an agent sees a new DHCP-enabled subnet), in one transaction under a
// lock, so concurrent reports of several agents never over-schedule a network. Also runs for
// one network when a DHCP-enabled subnet is created or DHCP is enabled on one (as Neutron's
// DHCP notifier schedules then), so the network has its agent when the create answers.
import type { ServiceDeps } from '../../framework/deps.ts';
import type { Tx } from '../../db/index.ts';
import { AGENT_TYPE_DHCP } from './agent-service.ts';

const agentTime = (date: Date) => date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');

export interface ScheduleResult {
  added: { network_id: string; agent_id: string }[];
  removed: { network_id: string; agent_id: string }[];
}

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    dhcpScheduler?: DhcpScheduler;
  }
}

export class DhcpScheduler {
  constructor(private readonly app: ServiceDeps) {}

  /** One scheduling pass (over every network, or only `networkId`); returns what it changed. */
  async schedule(trx: Tx, networkId?: string): Promise<ScheduleResult> {
    await this.app.database.lockKey(trx, 'dhcp-scheduler');
    const since = agentTime(new Date(Date.now() - this.app.config.agents.agent_down_time * 1000));
    const agents = await trx.selectFrom('agents').select(['id', 'heartbeat_timestamp', 'admin_state_up']).where('agent_type', '=', AGENT_TYPE_DHCP).execute();
    const live = new Set(agents.filter((a: any) => String(a.heartbeat_timestamp) >= since && (a.admin_state_up === true || a.admin_state_up === 1)).map((a: any) => a.id as string));
    const dead = new Set(agents.filter((a: any) => String(a.heartbeat_timestamp) < since).map((a: any) => a.id as string));
    const dhcpTrue = this.app.database.dialect === 'postgres' ? true : 1;
    let dhcpSubnets = trx.selectFrom('subnets').select('network_id').distinct().where('enable_dhcp', '=', dhcpTrue as any);
    if (networkId) dhcpSubnets = dhcpSubnets.where('network_id', '=', networkId);
    const networks = (await dhcpSubnets.execute()).map((r: any) => r.network_id as string);
    const bindings = await trx.selectFrom('network_dhcp_agent_bindings').select(['network_id', 'dhcp_agent_id']).execute();
    const result: ScheduleResult = { added: [], removed: [] };
    const hosting = new Map<string, string[]>();
    const load = new Map<string, number>([...live].map((id) => [id, 0]));
    for (const b of bindings as any[]) {
      if (dead.has(b.dhcp_agent_id) && live.size > 0) {
        result.removed.push({ network_id: b.network_id, agent_id: b.dhcp_agent_id });
        continue;
      }
      hosting.set(b.network_id, [...(hosting.get(b.network_id) ?? []), b.dhcp_agent_id]);
      if (load.has(b.dhcp_agent_id)) load.set(b.dhcp_agent_id, load.get(b.dhcp_agent_id)! + 1);
    }
    for (const r of result.removed) {
      await trx.deleteFrom('network_dhcp_agent_bindings').where('network_id', '=', r.network_id).where('dhcp_agent_id', '=', r.agent_id).execute();
    }
    const wanted = this.app.config.agents.dhcp_agents_per_network;
    for (const network of networks) {
      const current = hosting.get(network) ?? [];
      const liveHosts = current.filter((id) => live.has(id));
      let missing = wanted - liveHosts.length;
      // Least loaded live agents first.
      const candidates = [...live].filter((id) => !current.includes(id)).sort((a, b) => load.get(a)! - load.get(b)! || a.localeCompare(b));
      for (const agent of candidates) {
        if (missing <= 0) break;
        await trx.insertInto('network_dhcp_agent_bindings').values({ network_id: network, dhcp_agent_id: agent }).execute();
        load.set(agent, load.get(agent)! + 1);
        result.added.push({ network_id: network, agent_id: agent });
        missing--;
      }
    }
    return result;
  }

  /** The networks an agent hosts. */
  async networksOf(trx: Tx, agentId: string): Promise<string[]> {
    const rows = await trx.selectFrom('network_dhcp_agent_bindings').select('network_id').where('dhcp_agent_id', '=', agentId).execute();
    return rows.map((r: any) => r.network_id as string).sort();
  }
}
