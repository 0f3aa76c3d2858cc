// Which agents host which networks (DHCP) and routers (L3): the bindings behind
// /networks/{id}/dhcp-agents, /agents/{id}/dhcp-networks, /routers/{id}/l3-agents and
// /agents/{id}/l3-routers. Operators bind and unbind by hand here; the agents read their
// bindings. Nothing is scheduled automatically while no agent is registered.
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { conflict, NeutronError, notAuthorized } from '../../foundation/errors.ts';
import type { ListQuery } from '../../framework/repository.ts';
import type { Item } from '../../framework/resource-service.ts';
import { AGENT_TYPE_DHCP, AGENT_TYPE_L3 } from './agent-service.ts';

/** One kind of binding: hosted objects (networks, routers) of one agent type. */
export interface BindingKind {
  /** Extension alias that serves it. */
  alias: string;
  /** URL segments: /<objects>/{id}/<agentsPath>, /agents/{id}/<objectsPath>. */
  agentsPath: string;
  objectsPath: string;
  table: string;
  agentColumn: string;
  objectColumn: string;
  /** Collection of the hosted objects. */
  objects: string;
  agentType: string;
  /** Neutron's policy names: list agents of an object, list objects of an agent, bind, unbind. */
  policy: { agents: string; objects: string; create: string; delete: string };
  /** An agent of another type, or disabled, cannot host. */
  invalidAgent: (agentId: string) => NeutronError;
  /** Binding again: DHCP refuses; a legacy L3 router is hosted by one agent only. */
  alreadyHosted: (objectId: string, agentId: string) => NeutronError;
  /** At most one agent per object (a legacy router): binding it to the same agent again is a no-op. */
  exclusive: boolean;
  notHosted: (objectId: string, agentId: string) => NeutronError;
}

export const DHCP_BINDINGS: BindingKind = {
  alias: 'dhcp_agent_scheduler',
  agentsPath: 'dhcp-agents',
  objectsPath: 'dhcp-networks',
  table: 'network_dhcp_agent_bindings',
  agentColumn: 'dhcp_agent_id',
  objectColumn: 'network_id',
  objects: 'networks',
  agentType: AGENT_TYPE_DHCP,
  policy: { agents: 'get_dhcp-agents', objects: 'get_dhcp-networks', create: 'create_dhcp-network', delete: 'delete_dhcp-network' },
  invalidAgent: (id) => new NeutronError(404, 'InvalidDHCPAgent', `Agent ${id} is not a valid DHCP Agent or has been disabled.`),
  alreadyHosted: (network, agent) => conflict('NetworkHostedByDHCPAgent', `The network ${network} has been already hosted by the DHCP Agent ${agent}.`),
  exclusive: false,
  notHosted: (network, agent) => conflict('NetworkNotHostedByDhcpAgent', `The network ${network} is not hosted by the DHCP agent ${agent}.`),
};

export const L3_BINDINGS: BindingKind = {
  alias: 'l3_agent_scheduler',
  agentsPath: 'l3-agents',
  objectsPath: 'l3-routers',
  table: 'router_l3_agent_bindings',
  agentColumn: 'l3_agent_id',
  objectColumn: 'router_id',
  objects: 'routers',
  agentType: AGENT_TYPE_L3,
  policy: { agents: 'get_l3-agents', objects: 'get_l3-routers', create: 'create_l3-router', delete: 'delete_l3-router' },
  invalidAgent: (id) => new NeutronError(404, 'InvalidL3Agent', `Agent ${id} is not a L3 Agent or has been disabled.`),
  alreadyHosted: (router, agent) => conflict('RouterHostedByL3Agent', `The router ${router} has been already hosted by the L3 Agent ${agent}.`),
  exclusive: true,
  notHosted: (router, agent) => conflict('RouterNotHostedByL3Agent', `The router ${router} is not hosted by L3 agent ${agent}.`),
};

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    /** DHCP and L3 agent scheduling, where enabled. */
    agentScheduling?: AgentScheduling[];
  }
}

export class AgentScheduling {
  constructor(
    private readonly app: ServiceDeps,
    readonly kind: BindingKind,
  ) {}

  private authorize(ctx: RequestContext, action: string): void {
    if (!this.app.policy.enforce(ctx, action, {})) throw notAuthorized(action);
  }

  private get agents() {
    return this.app.services.get('agents')!;
  }

  private get objects() {
    return this.app.services.get(this.kind.objects)!;
  }

  /** The agents hosting an object (404 if the object does not exist). */
  async agentsHosting(ctx: RequestContext, objectId: string, query: ListQuery): Promise<Item[]> {
    this.authorize(ctx, this.kind.policy.agents);
    const db = this.app.database.db;
    await this.objects.getVisible(db, ctx, objectId);
    const rows = await db.selectFrom(this.kind.table).select(this.kind.agentColumn).where(this.kind.objectColumn, '=', objectId).execute();
    return this.listOf(this.agents, ctx, rows.map((r: any) => r[this.kind.agentColumn]), query);
  }

  /** The objects an agent hosts (404 AgentNotFound if it does not exist). */
  async objectsOn(ctx: RequestContext, agentId: string, query: ListQuery): Promise<Item[]> {
    this.authorize(ctx, this.kind.policy.objects);
    const db = this.app.database.db;
    await this.agents.getVisible(db, ctx, agentId);
    const rows = await db.selectFrom(this.kind.table).select(this.kind.objectColumn).where(this.kind.agentColumn, '=', agentId).execute();
    return this.listOf(this.objects, ctx, rows.map((r: any) => r[this.kind.objectColumn]), query);
  }

  private async listOf(service: typeof this.agents, ctx: RequestContext, ids: string[], query: ListQuery): Promise<Item[]> {
    if (ids.length === 0) return [];
    return service.list(ctx, { ...query, filters: { ...query.filters, id: ids } });
  }

  async bind(ctx: RequestContext, agentId: string, objectId: string): Promise<void> {
    this.authorize(ctx, this.kind.policy.create);
    await this.app.transact(async (trx) => {
      // Holding the object serializes bindings of it (one agent per legacy router).
      await this.app.database.lock(trx, this.objects.resource.table, 'id', objectId);
      await this.objects.getVisible(trx, ctx, objectId);
      const agent = await this.agents.getVisible(trx, ctx, agentId);
      if (agent.agent_type !== this.kind.agentType || !agent.admin_state_up) throw this.kind.invalidAgent(agentId);
      const hosts = (await trx.selectFrom(this.kind.table).select(this.kind.agentColumn).where(this.kind.objectColumn, '=', objectId).execute()).map((r: any) => r[this.kind.agentColumn] as string);
      if (hosts.includes(agentId)) {
        if (this.kind.exclusive) return;
        throw this.kind.alreadyHosted(objectId, agentId);
      }
      if (this.kind.exclusive && hosts.length) throw this.kind.alreadyHosted(objectId, hosts[0]);
      await trx.insertInto(this.kind.table).values({ [this.kind.agentColumn]: agentId, [this.kind.objectColumn]: objectId }).execute();
      this.app.queueEvent(trx, { resource: this.kind.table, action: 'created', id: objectId, body: { agent_id: agentId, [this.kind.objectColumn]: objectId }, context: ctx });
    });
  }

  async unbind(ctx: RequestContext, agentId: string, objectId: string): Promise<void> {
    this.authorize(ctx, this.kind.policy.delete);
    await this.app.transact(async (trx) => {
      await this.agents.getVisible(trx, ctx, agentId);
      const deleted = await trx.deleteFrom(this.kind.table).where(this.kind.agentColumn, '=', agentId).where(this.kind.objectColumn, '=', objectId).executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) throw this.kind.notHosted(objectId, agentId);
      this.app.queueEvent(trx, { resource: this.kind.table, action: 'deleted', id: objectId, body: { agent_id: agentId, [this.kind.objectColumn]: objectId }, context: ctx });
    });
  }
}
