// GET /v2.0/network-ip-availabilities[/{network_id}]: total and used addresses per network
// and subnet (admin only under Neutron's default policy: get_network_ip_availability).
import { badRequest } from '../../foundation/errors.ts';
import type { HttpHelpers, RouteModule } from '../../framework/feature.ts';
import type { AvailabilityFilters } from './availability.ts';

type Raw = Record<string, string | string[] | undefined>;

const FILTERS = new Set(['network_id', 'network_name', 'project_id', 'tenant_id', 'ip_version', 'fields']);

function parseFilters(raw: Raw, http: HttpHelpers): AvailabilityFilters {
  const unknown = Object.keys(raw).filter((k) => !FILTERS.has(k));
  if (unknown.length) throw badRequest(`[${unknown.join(', ')}] is invalid attribute for filtering`);
  const filters: AvailabilityFilters = {};
  if (raw.network_id) filters.network_id = http.asList(raw.network_id);
  if (raw.network_name) filters.network_name = http.asList(raw.network_name);
  const projects = [...http.asList(raw.project_id), ...http.asList(raw.tenant_id)];
  if (projects.length) filters.project_id = projects;
  if (raw.ip_version) {
    filters.ip_version = http.asList(raw.ip_version).map((v) => {
      if (!/^\d+$/.test(v)) throw badRequest(`Invalid input for ip_version. Reason: '${v}' is not an integer.`);
      return Number(v);
    });
  }
  return filters;
}

export const networkIpAvailabilityRoutes: RouteModule = (server, app, http) => {
  const service = app.services.networkIpAvailability;
  if (!service) return;
  const fieldsOf = (raw: Raw) => {
    const f = http.asList(raw.fields).flatMap((x) => x.split(',')).filter(Boolean);
    return f.length ? f : undefined;
  };

  server.get('/v2.0/network-ip-availabilities', async (req) => {
    const raw = req.query as Raw;
    const list = await service.list(req.ctx, parseFilters(raw, http));
    return { network_ip_availabilities: list.map((a) => http.project(a as unknown as Record<string, unknown>, fieldsOf(raw))) };
  });

  server.get('/v2.0/network-ip-availabilities/:id', async (req) => {
    const found = await service.show(req.ctx, (req.params as { id: string }).id);
    return { network_ip_availability: http.project(found as unknown as Record<string, unknown>, fieldsOf(req.query as Raw)) };
  });
};
