// Agent scheduling: the agents hosting a network or router, the networks or routers an
// agent hosts, and binding/unbinding them by hand (dhcp_agent_scheduler, l3_agent_scheduler).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AgentScheduling } from './agent-scheduling.ts';
import { badRequest } from '../../foundation/errors.ts';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { HttpHelpers, RouteModule } from '../../framework/feature.ts';

type Params = Record<string, string>;
type Raw = Record<string, string | string[] | undefined>;

export const agentSchedulingRoutes: RouteModule = (server, app, http) => {
  for (const scheduling of app.services.agentScheduling ?? []) registerBindingRoutes(server, app, http, scheduling);
};

function registerBindingRoutes(server: FastifyInstance, app: ServiceDeps, http: HttpHelpers, scheduling: AgentScheduling): void {
  const kind = scheduling.kind;
  const agents = app.services.get('agents')!;
  const objects = app.services.get(kind.objects)!;
  const listed = (req: FastifyRequest, service: typeof agents) => {
    const query = http.parseListQuery(service, { ...(req.query as Raw) });
    return { query, shown: (items: Record<string, unknown>[]) => items.map((i) => http.project(i, query.fields)) };
  };

  server.get(`/v2.0/${kind.objects}/:id/${kind.agentsPath}`, async (req) => {
    const { query, shown } = listed(req, agents);
    return { agents: shown(await scheduling.agentsHosting(req.ctx, (req.params as Params).id, query)) };
  });
  server.get(`/v2.0/agents/:id/${kind.objectsPath}`, async (req) => {
    const { query, shown } = listed(req, objects);
    return { [kind.objects]: shown(await scheduling.objectsOn(req.ctx, (req.params as Params).id, query)) };
  });
  server.post(`/v2.0/agents/:id/${kind.objectsPath}`, async (req, reply) => {
    const body = req.body as Record<string, unknown> | undefined;
    const objectId = body && typeof body === 'object' ? body[kind.objectColumn] : undefined;
    if (typeof objectId !== 'string') throw badRequest(`Unable to find '${kind.objectColumn}' in request body`);
    await scheduling.bind(req.ctx, (req.params as Params).id, objectId);
    // Neutron answers the bind with an empty JSON document.
    reply.code(201).type('application/json');
    return reply.send('null');
  });
  server.delete(`/v2.0/agents/:id/${kind.objectsPath}/:object_id`, async (req, reply) => {
    const { id, object_id } = req.params as Params;
    await scheduling.unbind(req.ctx, id, object_id);
    reply.code(204);
    return reply.send();
  });
}
