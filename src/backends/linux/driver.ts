// The `linux` backend: ports are realized by `neutrino agent` processes, one per host
// (src/agent/), which watch the change feed over HTTP and report status. The server only
// decides bindings, as ML2's linuxbridge mechanism driver does: a port whose
// binding:host_id names a host with a live L2 agent is bound `tap` (the device is
// `tap` + the first 11 characters of the port id, as Neutron names it); an unknown or dead
// host, or a network the host cannot realize, gives `binding_failed` with the reason in
// binding:vif_details (admins see it; the agent also reports reasons to status-reports).
// A host whose L2 agent dies (no heartbeat for agents.agent_down_time): its ACTIVE ports go
// DOWN with the reason (GET /v2.0/status-reports), as OVN marks a lost chassis' ports down;
// their binding stays, and the agent reports them ACTIVE again when it is back.
import type { BackendContext, BackendDriver, PathVerification, PortBinding, PortBindingRequest, VerifyRequest } from '../driver.ts';
import type { Tx } from '../../db/index.ts';

import { bridgeName, L2_AGENT_TYPE, tapName } from './names.ts';
import { AgentVerifier } from './verify.ts';

/** Naive UTC, as the agents table stores heartbeats (`2017-09-12 19:35:38`). */
const agentTime = (date: Date) => date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');

export interface LinuxDriverOptions {
  /** Seconds without a heartbeat after which an agent is dead (agents.agent_down_time). */
  agentDownTime: number;
}

export class LinuxDriver implements BackendDriver {
  readonly name = 'linux';
  // L3 agents report router and floating IP status (src/agent/l3/).
  readonly capabilities = { qosRuleTypes: [], vifTypes: ['tap', 'binding_failed', 'unbound'], reportsL3Status: true };

  /** verify: the hosts' agents check their part of a path (verify.ts). */
  readonly verifyChannel = new AgentVerifier();

  private timer?: NodeJS.Timeout;

  constructor(private readonly options: LinuxDriverOptions) {}

  async start(context: BackendContext): Promise<void> {
    // Twice per agent_down_time: a dead host's ports are DOWN within 1.5 × agent_down_time.
    const every = Math.max(1, this.options.agentDownTime / 2) * 1000;
    this.timer = setInterval(() => {
      this.markDeadHostsDown(context).catch((err) => context.log.warn({ err: String(err) }, 'linux backend: marking the ports of dead hosts down failed'));
    }, every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }

  /** Reports DOWN, with the reason, every ACTIVE tap port bound to a host whose L2 agent is dead; answers how many. */
  async markDeadHostsDown(context: Pick<BackendContext, 'list' | 'reportStatus'>): Promise<number> {
    const dead = (await context.list('agents', { agent_type: [L2_AGENT_TYPE] })).filter((a) => a.alive === false);
    if (dead.length === 0) return 0;
    const reasons = new Map(dead.map((a) => [String(a.host), `the ${L2_AGENT_TYPE} on host ${a.host} is dead (last heartbeat ${a.heartbeat_timestamp} UTC)`]));
    const ports = await context.list('ports', { 'binding:host_id': [...reasons.keys()] });
    const reports = ports
      .filter((p) => p.status === 'ACTIVE' && p['binding:vif_type'] === 'tap')
      .map((p) => ({ resource: 'ports', id: String(p.id), revision: Number(p.revision_number), status: 'DOWN', reason: reasons.get(String(p['binding:host_id'])) }));
    if (reports.length) await context.reportStatus(reports);
    return reports.length;
  }

  verify(request: VerifyRequest): Promise<PathVerification> {
    return this.verifyChannel.verify(request, this.name);
  }

  async bindPort(request: PortBindingRequest): Promise<PortBinding> {
    const { trx, port, host } = request;
    if (!host) return { vifType: 'unbound', vifDetails: {} };
    const failed = (reason: string): PortBinding => ({ vifType: 'binding_failed', vifDetails: { reason } });
    if (request.vnicType !== 'normal') return failed(`vnic_type ${request.vnicType} is not supported by the linux backend (only normal)`);
    const agent = await trx
      .selectFrom('agents')
      .select(['heartbeat_timestamp', 'configurations', 'admin_state_up'])
      .where('agent_type', '=', L2_AGENT_TYPE)
      .where('host', '=', host)
      .executeTakeFirst();
    if (!agent) return failed(`no ${L2_AGENT_TYPE} is registered on host ${host}`);
    const since = agentTime(new Date(Date.now() - this.options.agentDownTime * 1000));
    if (String(agent.heartbeat_timestamp) < since) return failed(`the ${L2_AGENT_TYPE} on host ${host} is dead (last heartbeat ${agent.heartbeat_timestamp} UTC)`);
    const configurations = parseJson(agent.configurations);
    const problem = await this.segmentProblem(trx, String(port.network_id), configurations);
    if (problem) return failed(problem);
    return {
      vifType: 'tap',
      vifDetails: { port_filter: false, connectivity: 'l2', devname: tapName(String(port.id)), bridge_name: bridgeName(String(port.network_id)) },
    };
  }

  /** Why the host cannot realize the network's segment, or null when it can. */
  private async segmentProblem(trx: Tx, networkId: string, configurations: Record<string, any>): Promise<string | null> {
    const segments = await trx.selectFrom('network_segments').select(['network_type', 'physical_network', 'segmentation_id']).where('network_id', '=', networkId).execute();
    if (segments.length === 0) return null; // a network without segments: a local bridge
    const mappings: Record<string, string> = configurations.interface_mappings ?? {};
    const reasons: string[] = [];
    for (const s of segments) {
      const type = String(s.network_type);
      if (type === 'local') return null;
      if (type === 'vxlan') {
        if (configurations.tunneling_ip) return null;
        reasons.push('the host has no VTEP address (local_ip) for VXLAN');
      } else if (type === 'flat') {
        if (s.physical_network && mappings[String(s.physical_network)]) return null;
        reasons.push(`the host has no interface mapping for physical network ${s.physical_network}`);
      } else if (type === 'vlan') {
        reasons.push('VLAN networks cannot be realized by the linux backend on this host: its kernel has no 802.1Q VLAN devices and no bridge VLAN filtering');
      } else {
        reasons.push(`network type ${type} is not supported by the linux backend`);
      }
    }
    return reasons.join('; ');
  }
}

function parseJson(value: unknown): Record<string, any> {
  if (value && typeof value === 'object') return value as Record<string, any>;
  try {
    return typeof value === 'string' ? JSON.parse(value) : {};
  } catch {
    return {};
  }
}
