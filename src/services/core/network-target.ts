// What subnet and port policy checks see of the parent network, as Neutron adds it to
// their targets: `network:tenant_id` / `network:project_id` (network owner rules) and the
// network's sharing flags.
import type { Tx } from '../../db/index.ts';
import type { Item } from '../repository.ts';

export interface NetworkFacts {
  project_id: string | null;
  shared: boolean;
  external: boolean;
}

const truthy = (v: unknown) => v === true || v === 1;

export async function networkFacts(trx: Tx, networkId: string): Promise<NetworkFacts | undefined> {
  const row = await trx.selectFrom('networks').select(['project_id', 'shared', 'router_external']).where('id', '=', networkId).executeTakeFirst();
  return row ? { project_id: row.project_id, shared: truthy(row.shared), external: truthy(row.router_external) } : undefined;
}

/** item plus its network's owner and sharing, under Neutron's target keys. */
export function withNetworkFacts(item: Item, net: NetworkFacts | undefined): Item {
  if (!net) return item;
  return { ...item, 'network:tenant_id': net.project_id, 'network:project_id': net.project_id, 'network:shared': net.shared, 'network:router:external': net.external };
}
