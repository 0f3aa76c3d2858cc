// The agents feature's edges in the wiring graph (src/framework/wiring.ts).
//   on        phase           what                                                          handler
import { react, type Edge } from '../../framework/wiring.ts';

import type { Operation } from '../../framework/operation.ts';
import type { ServiceLookup } from '../../framework/lookup.ts';

async function scheduleDhcp(op: Operation, s: ServiceLookup): Promise<void> {
  if (op.item.enable_dhcp) await s.dhcpScheduler?.schedule(op.trx, String(op.item.network_id));
}

export const agentsWiring: Edge[] = [
  react('subnets', 'afterCreate', 'schedule the network to a live DHCP agent (DHCP-enabled subnet)', scheduleDhcp),
  react('subnets', 'afterUpdate', 'schedule the network to a live DHCP agent (DHCP enabled)', scheduleDhcp),
];
