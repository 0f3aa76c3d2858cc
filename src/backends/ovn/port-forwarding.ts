// Floating IP port forwardings as OVN load balancers on the router, as ML2/OVN does: per
// floating IP and protocol a Load_Balancer `pf-floatingip-<fip id>-<protocol>` whose VIPs map
// `<floating ip>:<external port>` to `<internal ip>:<internal port>`, referred to by the
// router's Logical_Router.load_balancer (OVN DNATs on the gateway port). A port range
// forwards port by port (OVN VIPs are single ports), up to MAX_RANGE ports per forwarding.
// The floating IPs carry their forwardings (`port_forwardings`, with ranges), so a
// forwarding's change re-reads the floating IPs that may hold forwardings (forwardingFips).
import type { DesiredRow } from './reconcile.ts';
import { EXT, routerName } from './names.ts';

type Item = Record<string, any>;

/** The change feed's name for port forwardings (the driver re-reads floating IPs on them). */
export const PORT_FORWARDINGS = 'port_forwardings';
/** ML2/OVN's device owner of the balancers it makes for port forwardings. */
const PF_OWNER = 'port_forwarding_plugin';
const MAX_RANGE = 1024;

export const balancerName = (fipId: string, protocol: string) => `pf-floatingip-${fipId}-${protocol}`;

/** Floating IPs that may hold port forwardings: on a router without a port of their own. */
export function forwardingFips(floatingips: Iterable<Item>): string[] {
  const ids: string[] = [];
  for (const f of floatingips) if (f.router_id && !f.port_id) ids.push(f.id);
  return ids;
}

/** "a:b" or a single port → [start, end]. */
function range(pf: Item, side: 'external' | 'internal'): [number, number] {
  const text = pf[`${side}_port_range`];
  if (typeof text === 'string' && text.includes(':')) {
    const [a, b] = text.split(':').map(Number);
    return [a, b];
  }
  const port = Number(pf[`${side}_port`] ?? text);
  return [port, port];
}

/** The floating IP's balancers (one per protocol), keyed by name. */
export function portForwardingBalancers(fip: Item, routerId: string): { key: string; row: DesiredRow }[] {
  const byProtocol = new Map<string, Record<string, string>>();
  for (const pf of (fip.port_forwardings ?? []) as Item[]) {
    const protocol = String(pf.protocol ?? 'tcp').toLowerCase();
    const [extStart, extEnd] = range(pf, 'external');
    const [intStart, intEnd] = range(pf, 'internal');
    if (!Number.isFinite(extStart) || !Number.isFinite(intStart) || !pf.internal_ip_address) continue;
    const vips = byProtocol.get(protocol) ?? {};
    // N:N ranges map port to port; N:1 maps every external port to the one internal port.
    for (let i = 0; i <= Math.min(extEnd - extStart, MAX_RANGE - 1); i++) {
      const internal = intEnd > intStart ? intStart + i : intStart;
      vips[`${fip.floating_ip_address}:${extStart + i}`] = `${pf.internal_ip_address}:${internal}`;
    }
    byProtocol.set(protocol, vips);
  }
  return [...byProtocol].map(([protocol, vips]) => {
    const name = balancerName(fip.id, protocol);
    return {
      key: name,
      row: {
        columns: {
          name,
          protocol,
          vips,
          external_ids: { [EXT.deviceOwner]: PF_OWNER, [EXT.fipId]: fip.id, [EXT.routerName]: routerName(routerId), [EXT.revision]: String(fip.revision_number ?? 0) },
        },
      },
    };
  });
}
