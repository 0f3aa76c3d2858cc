// Address scopes in a router (Neutron's contract, as its L3 agent marks packets by scope):
// traffic is routed without NAT between interfaces whose networks are in the same address
// scope; between different scopes it is not routed at all, except through NAT (floating IPs,
// port forwardings, SNAT to the gateway). Unscoped networks share one "no scope", so a router
// without scopes routes everything and gets no table.
//
//   table inet neutrino-scope
//     prerouting (mangle): meta mark = the scope of the interface the packet came in on
//                          (per family: an interface's IPv4 and IPv6 scopes may differ)
//     forward:   established/related and DNATed (floating IP, port forwarding) → accept;
//                to the gateway, sources that are SNATed (internal subnets, fixed IPs with a
//                floating IP) → accept; then, per outgoing interface, a mark other than its
//                scope's → drop
import type { RouterInterface, RouterPlan } from './plan.ts';
import type { NftTable } from './nft-table.ts';

export const SCOPE_TABLE = 'neutrino-scope';

const NO_SCOPE = 1;

export function scopeTable(plan: RouterPlan): NftTable | null {
  const devices: RouterInterface[] = [...plan.interfaces, ...(plan.gateway ? [plan.gateway] : [])];
  if (!plan.adminUp || devices.every((d) => d.scope4 === null && d.scope6 === null)) return null;
  const ids = [...new Set(devices.flatMap((d) => [d.scope4, d.scope6]).filter((s): s is string => s !== null))].sort();
  const mark = (scope: string | null) => (scope === null ? NO_SCOPE : NO_SCOPE + 1 + ids.indexOf(scope));
  const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
  const families = [
    { nfproto: 'ipv4', scope: (d: RouterInterface) => d.scope4 },
    { nfproto: 'ipv6', scope: (d: RouterInterface) => d.scope6 },
  ];
  const prerouting = families.map((f) => `meta nfproto ${f.nfproto} meta mark set iifname map { ${devices.map((d) => `${JSON.stringify(d.device)} : ${hex(mark(f.scope(d)))}`).join(', ')} }`);
  const forward = ['ct state established,related accept', 'ct status dnat accept'];
  const gw = plan.gateway;
  const fixed = [...new Set(plan.floatingIps.filter((f) => f.fixed && !f.address.includes(':')).map((f) => f.fixed!))];
  // Two rules: one set holding a subnet and an address inside it would overlap.
  for (const sources of [plan.snatSources, fixed]) if (gw && sources.length) forward.push(`oifname ${JSON.stringify(gw.device)} ip saddr { ${sources.join(', ')} } accept`);
  for (const d of devices) for (const f of families) forward.push(`oifname ${JSON.stringify(d.device)} meta nfproto ${f.nfproto} meta mark != ${hex(mark(f.scope(d)))} drop`);
  return {
    family: 'inet',
    name: SCOPE_TABLE,
    chains: [
      { name: 'prerouting', base: 'type filter hook prerouting priority mangle; policy accept;', rules: prerouting },
      { name: 'forward', base: 'type filter hook forward priority filter; policy accept;', rules: forward },
    ],
  };
}
