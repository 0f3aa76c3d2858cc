// What the page shows of the live store: for an admin looking at one project, that project's
// resources plus the shared and external networks it can use, as the project's members see them.
import type { Item, Kind, Snapshot } from './live.ts';

export type View = Record<Kind, Item[]>;

export function viewOf(snapshot: Snapshot, project: string | null): View {
  const all = (k: Kind) => [...snapshot.items[k].values()];
  const mine = (k: Kind) => all(k).filter((i) => project === null || i.project_id === project);
  const networks = all('networks').filter((n) => project === null || n.project_id === project || n.shared || n['router:external']);
  const networkIds = new Set(networks.map((n) => n.id));
  const routers = mine('routers');
  const routerIds = new Set(routers.map((r) => r.id));
  return {
    networks,
    subnets: all('subnets').filter((s) => networkIds.has(s.network_id) && (project === null || s.project_id === project || s.shared || networks.find((n) => n.id === s.network_id)?.project_id === project)),
    ports: all('ports').filter((p) => project === null || p.project_id === project || routerIds.has(p.device_id)),
    routers,
    floatingips: mine('floatingips'),
    security_groups: mine('security_groups'),
    security_group_rules: mine('security_group_rules'),
    agents: all('agents'),
  };
}
