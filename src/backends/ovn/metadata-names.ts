// The names the ovn driver and the OVN metadata agent (src/agent/ovn-metadata/) share: each
// network's metadata `localport` (ML2/OVN's `ovnmeta-<network id>`) and its MAC, which the
// driver writes into NB and the agent gives the namespace it plugs in as that port.
import { createHash } from 'node:crypto';

export const METADATA_IP = '169.254.169.254';
export const METADATA_DEVICE_OWNER = 'network:distributed';

/** The localport's name, its iface-id on every chassis and its device_id (as ML2/OVN). */
export const metadataPortName = (networkId: string) => `ovnmeta-${networkId}`;

/** A MAC for a network's metadata port, the same on every chassis and across restarts. */
export function metadataMac(networkId: string): string {
  const h = createHash('sha256').update(`ovnmeta:${networkId}`).digest();
  return `fa:16:3e:${[h[0], h[1], h[2]].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}
