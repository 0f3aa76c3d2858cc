// GET /v2.0/network-ip-availabilities[/{network_id}]: total and used addresses per network
// and subnet (admin only under Neutron's default policy: get_network_ip_availability).
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.ts';
import { badRequest, notFound } from '../../foundation/errors.ts';
import { asList, project } from '../query.ts';
import { networkAvailability, type AvailabilityFilters, type NetworkAvailability } from '../../services/ipam/availability.ts';
import type { RequestContext } from '../../foundation/context.ts';

type Raw = Record<string, string | string[] | undefined>;

const FILTERS = new Set(['network_id', 'network_name', 'project_id', 'tenant_id', 'ip_version', 'fields']);

function parseFilters(raw: Raw): AvailabilityFilters {
  const unknown = Object.keys(raw).filter((k) => !FILTERS.has(k));
  if (unknown.length) throw badRequest(`[${unknown.join(', ')}] is invalid attribute for filtering`);
  const filters: AvailabilityFilters = {};
  if (raw.network_id) filters.network_id = asList(raw.network_id);
  if (raw.network_name) filters.network_name = asList(raw.network_name);
  const projects = [...asList(raw.project_id), ...asList(raw.tenant_id)];
  if (projects.length) filters.project_id = projects;
  if (raw.ip_version) {
    filters.ip_version = asList(raw.ip_version).map((v) => {
      if (!/^\d+$/.test(v)) throw badRequest(`Invalid input for ip_version. Reason: '${v}' is not an integer.`);
      return Number(v);
    });
  }
  return filters;
}

export function registerNetworkIpAvailabilityRoutes(server: FastifyInstance, app: App): void {
  if (!app.registry.has('network-ip-availability')) return;
  const allowed = (ctx: RequestContext, a: NetworkAvailability) => app.policy.enforce(ctx, 'get_network_ip_availability', { project_id: a.project_id, tenant_id: a.project_id });
  const fieldsOf = (raw: Raw) => {
    const f = asList(raw.fields).flatMap((x) => x.split(',')).filter(Boolean);
    return f.length ? f : undefined;
  };

  server.get('/v2.0/network-ip-availabilities', async (req) => {
    const raw = req.query as Raw;
    const list = (await networkAvailability(app.database.db, parseFilters(raw))).filter((a) => allowed(req.ctx, a));
    return { network_ip_availabilities: list.map((a) => project(a as unknown as Record<string, unknown>, fieldsOf(raw))) };
  });

  server.get('/v2.0/network-ip-availabilities/:id', async (req) => {
    const { id } = req.params as { id: string };
    const [found] = await networkAvailability(app.database.db, { network_id: [id] });
    if (!found || !allowed(req.ctx, found)) throw notFound('network', id);
    return { network_ip_availability: project(found as unknown as Record<string, unknown>, fieldsOf(req.query as Raw)) };
  });
}
