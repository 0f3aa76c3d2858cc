// Non-resource QoS paths: the rule types (/v2.0/qos/rule-types[/{type}], qos-rule-type-details,
// qos-rule-type-filter) and the rule alias API (/v2.0/qos/alias-<type>-rules/{id},
// qos-rules-alias and qos-pps-minimum-rule-alias; the underscore spelling of the API
// reference answers too).
import type { FastifyRequest } from 'fastify';
import type { RouteModule } from '../../framework/feature.ts';
import type { ServiceDeps } from '../../framework/deps.ts';
import { badRequest, NeutronError } from '../../foundation/errors.ts';
import { toBoolean } from '../../foundation/validation.ts';
import { backendOf, enforcedRuleTypes, isRuleType, parametersOf, RULE_KINDS, servedKinds } from './rule-types.ts';
import type { QosRuleService } from './rule-service.ts';

type Raw = Record<string, string | string[] | undefined>;

/** A boolean flag of the rule type list (Neutron's convert_to_boolean_if_not_none). */
function flag(raw: Raw, name: string): boolean | undefined {
  const value = raw[name];
  delete raw[name];
  if (value === undefined) return undefined;
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  const parsed = toBoolean(last);
  if (parsed === undefined) throw badRequest(`Invalid input for ${name}. Reason: '${last}' cannot be converted to boolean.`);
  return parsed;
}

/** Rule types as the list answers them: the enforced ones, or with the filters all implemented / all some driver enforces. */
// One backend driver per deployment: "supported by every driver" (no filter) and "by at
// least one" (all_supported) are the same set.
function listedTypes(deps: ServiceDeps, allRules: boolean | undefined): string[] {
  if (allRules && deps.registry.has('qos-rule-type-filter')) return servedKinds(deps.registry).map((k) => k.type);
  return enforcedRuleTypes(deps);
}

export const qosRoutes: RouteModule = (server, deps, http) => {
  if (!deps.registry.has('qos')) return;

  server.get('/v2.0/qos/rule-types', async (req) => {
    const raw = { ...(req.query as Raw) };
    const allRules = flag(raw, 'all_rules');
    flag(raw, 'all_supported'); // validated; the same set as without it (one driver)
    if (!deps.policy.enforce(req.ctx, 'get_rule_type', {})) return { rule_types: [] };
    const types = listedTypes(deps, allRules).sort().map((type) => ({ type }));
    return { rule_types: http.filterStatic(types, raw, ['type']) };
  });

  if (deps.registry.has('qos-rule-type-details')) {
    server.get('/v2.0/qos/rule-types/:type', async (req) => {
      const { type } = req.params as { type: string };
      // Neutron's plugin answers details to admins only (they describe the infrastructure).
      if (!req.ctx.isAdmin || !deps.policy.enforce(req.ctx, 'get_rule_type', {})) throw new NeutronError(403, 'NotAuthorized', 'Not authorized.');
      const kind = isRuleType(type) ? servedKinds(deps.registry).find((k) => k.type === type) : undefined;
      if (!kind) throw new NeutronError(404, 'HTTPNotFound', `QoS rule type ${type} could not be found.`);
      const backend = backendOf(deps);
      const drivers = enforcedRuleTypes(deps).includes(kind.type) ? [{ name: backend?.name ?? 'neutrino', supported_parameters: parametersOf(deps.registry, kind) }] : [];
      const fields = http.asList((req.query as Raw).fields).flatMap((f) => f.split(',')).filter(Boolean);
      return { rule_type: http.project({ type: kind.type, drivers }, fields.length ? fields : undefined) };
    });
  }

  for (const kind of Object.values(RULE_KINDS)) {
    if (!kind.alias || !kind.aliasExtension || !deps.registry.has(kind.aliasExtension) || !deps.registry.resources.has(kind.collection)) continue;
    const service = () => deps.services.get(kind.collection) as unknown as QosRuleService;
    const key = `alias_${kind.member}`;
    for (const path of [kind.alias, kind.alias.replace(/-/g, '_')]) {
      const item = `/v2.0/qos/${path}/:id`;
      const id = (req: FastifyRequest) => (req.params as { id: string }).id;
      server.get(item, async (req) => {
        const fields = http.asList((req.query as Raw).fields).flatMap((f) => f.split(',')).filter(Boolean);
        return { [key]: http.project(await service().aliasShow(req.ctx, id(req)), fields.length ? fields : undefined) };
      });
      server.put(item, async (req) => ({ [key]: await service().aliasUpdate(req.ctx, id(req), service().aliasBody(req.body)) }));
      server.delete(item, async (req, reply) => {
        await service().aliasDelete(req.ctx, id(req));
        reply.code(204);
        return reply.send();
      });
    }
  }
};
