// The `extraroute` API extension.
import type { AttributeDef, ExtensionDef } from '../../../framework/definitions.ts';
import { checkCidr, isIp } from '../../../foundation/validation.ts';

/** Neutron's router `max_routes`: more extra routes than this is RoutesExhausted. */
export const MAX_ROUTES = 30;

/** `type:hostroutes`: a list of {destination: cidr, nexthop: ip}, without duplicates. */
export function validateRoutes(routes: unknown[]): string | undefined {
  const seen = new Set<string>();
  for (const r of routes) {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) return `'${JSON.stringify(r)}' is not a dictionary`;
    const { destination, nexthop, ...rest } = r as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length) return `Unrecognized attribute(s) '${extra.join(', ')}'`;
    const bad = checkCidr(destination);
    if (bad) return bad;
    if (!isIp(nexthop)) return `'${String(nexthop)}' is not a valid IP address`;
    const key = `${destination}|${nexthop}`;
    if (seen.has(key)) return `Duplicate hostroute '${JSON.stringify(r)}'`;
    seen.add(key);
  }
  return undefined;
}

const routesAttr = (allowPost: boolean): AttributeDef => ({
  type: 'list',
  allowPost,
  allowPut: true,
  filter: false,
  validate: validateRoutes,
  // null means no routes (Neutron's convert_none_to_empty_list; the service stores []).
  nullable: true,
});

export const extrarouteExtension: ExtensionDef = {
  alias: 'extraroute',
  name: 'Neutron Extra Route',
  description: 'Extra routes configuration for L3 router',
  updated: '2013-02-01T10:00:00-00:00',
  requires: ['router'],
  extendAttributes: { routers: { routes: routesAttr(false) } },
};
