// A router's NAT as one nftables table in its namespace (`table ip neutrino-router`):
// floating IPs (1:1 DNAT in prerouting, SNAT of the fixed IP in postrouting), port
// forwardings (DNAT per protocol and external port or range; a range onto a range of the
// same length maps port by port, 8000:8010 → 80:90 sends 8003 to 83) and SNAT of the
// internal subnets to the gateway address. Only traffic leaving through the gateway device is
// SNATed, so traffic between the router's own subnets is never translated — except hairpin:
// a workload reaching a floating IP of the same router is DNATed and then SNATed to the
// gateway address (as Neutron's `--ctstate DNAT -j SNAT` rule), so the reply comes back
// through the router even when both are on one subnet. Replaced and compared as nft-table.ts says.
import type { RouterPlan } from './plan.ts';
import { parseListing, ruleTag, type NftTable } from './nft-table.ts';

export const NAT_TABLE = 'neutrino-router';

export interface NatRules {
  prerouting: string[];
  postrouting: string[];
  /** The rules of each floating IP (by address), for flushing connections of a changed mapping. */
  byAddress: Map<string, string[]>;
}

/** `a-b`, or `a` for one port, from Neutron's `a:b` / `a` / a number. */
function portRange(value: string): { start: number; end: number } {
  const [start, end = start] = value.split(/[:-]/).map(Number);
  return { start, end };
}

/** The DNAT target of a forwarding: one port, or port by port when both sides are ranges of one length. */
export function forwardTarget(internalIp: string, external: string, internal: string): string {
  const ext = portRange(external);
  const int = portRange(internal);
  if (int.start === int.end) return `${internalIp}:${int.start}`;
  if (int.start === ext.start) return internalIp; // the same ports: DNAT keeps the destination port (no map)
  const pairs: string[] = [];
  for (let p = ext.start; p <= ext.end; p++) pairs.push(`${p} : ${int.start + (p - ext.start)}`);
  return `${internalIp} : th dport map { ${pairs.join(', ')} }`;
}

export function natRules(plan: RouterPlan): NatRules {
  const prerouting: string[] = [];
  const postrouting: string[] = [];
  const byAddress = new Map<string, string[]>();
  const gw = plan.gateway;
  if (!gw || !plan.adminUp) return { prerouting, postrouting, byAddress };
  const out = JSON.stringify(gw.device);
  for (const fip of plan.floatingIps) {
    if (fip.address.includes(':')) continue;
    const mine: string[] = [];
    for (const pf of fip.forwardings) {
      const ext = portRange(pf.externalPort);
      const dport = ext.start === ext.end ? `${ext.start}` : `${ext.start}-${ext.end}`;
      mine.push(`ip daddr ${fip.address} meta l4proto ${pf.protocol} th dport ${dport} dnat to ${forwardTarget(pf.internalIp, pf.externalPort, pf.internalPort)}`);
    }
    if (fip.fixed) mine.push(`ip daddr ${fip.address} dnat to ${fip.fixed}`);
    prerouting.push(...mine);
    if (fip.fixed) {
      const snat = `oifname ${out} ip saddr ${fip.fixed} snat to ${fip.address}`;
      postrouting.push(snat);
      mine.push(snat);
    }
    byAddress.set(fip.address, mine);
  }
  // Hairpin from a workload with a floating IP of its own: that address, as Neutron's float-snat.
  for (const fip of plan.floatingIps) {
    if (!fip.fixed || fip.address.includes(':') || !gw.snatAddress) continue;
    const hairpin = `oifname != ${out} ct status dnat ip saddr ${fip.fixed} snat to ${fip.address}`;
    postrouting.push(hairpin);
    byAddress.get(fip.address)!.push(hairpin);
  }
  if (gw.snatAddress && plan.internalCidrs4.length && plan.floatingIps.length) {
    postrouting.push(`oifname != ${out} ct status dnat ip saddr { ${plan.internalCidrs4.join(', ')} } snat to ${gw.snatAddress}`);
  }
  if (plan.snatSources.length && gw.snatAddress) postrouting.push(`oifname ${out} ip saddr { ${plan.snatSources.join(', ')} } snat to ${gw.snatAddress}`);
  return { prerouting, postrouting, byAddress };
}

export function natTable(rules: NatRules): NftTable {
  return {
    family: 'ip',
    name: NAT_TABLE,
    chains: [
      { name: 'prerouting', base: 'type nat hook prerouting priority dstnat; policy accept;', rules: rules.prerouting },
      { name: 'postrouting', base: 'type nat hook postrouting priority srcnat; policy accept;', rules: rules.postrouting },
    ],
  };
}

/**
 * Floating IPs whose mapping lost a rule between the listed table and the new rules, or that
 * had none: their connections must be flushed (conntrack keeps translating an established flow by its
 * entry, so a moved or disassociated floating IP would keep reaching its old fixed IP).
 * The gateway address is never among them (its SNAT rule changes with the interfaces).
 */
export interface ChangedMapping {
  address: string;
  /** A rule went (flush connections to it and SNATed to it); else only new (flush connections to it). */
  lost: boolean;
}

export function changedMappings(listed: string | null, rules: NatRules, gatewayAddress: string | null): ChangedMapping[] {
  const items = listed === null ? null : parseListing(listed);
  if (!items) return [];
  const had = new Map<string, string[]>();
  for (const item of items) {
    const rule = item.rule;
    if (!rule || !Array.isArray(rule.expr)) continue;
    let address: string | undefined;
    for (const e of rule.expr) {
      if (rule.chain === 'prerouting' && e.match?.left?.payload?.field === 'daddr' && typeof e.match.right === 'string') address = e.match.right;
      if (rule.chain === 'postrouting' && typeof e.snat?.addr === 'string') address = e.snat.addr;
    }
    if (!address || address === gatewayAddress) continue;
    (had.get(address) ?? had.set(address, []).get(address)!).push(String(rule.comment ?? ''));
  }
  const changed: ChangedMapping[] = [];
  for (const [address, tags] of had) {
    const now = new Set((rules.byAddress.get(address) ?? []).map(ruleTag));
    if (tags.some((t) => !now.has(t))) changed.push({ address, lost: true });
  }
  // A new mapping too: packets that reached the address while it had none (released a moment
  // ago) left unNATed entries that would keep a flow off the new mapping until they expire.
  for (const address of rules.byAddress.keys()) if (!had.has(address)) changed.push({ address, lost: false });
  return changed.sort((a, b) => a.address.localeCompare(b.address));
}
