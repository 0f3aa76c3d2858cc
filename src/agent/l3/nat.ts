// A router's NAT as one nftables table in its namespace (`table ip neutrino-router`):
// floating IPs (1:1 DNAT in prerouting, SNAT of the fixed IP in postrouting), port
// forwardings (DNAT per protocol and external port or range) and SNAT of the internal
// subnets to the gateway address. Only traffic leaving through the gateway device is SNATed,
// so traffic between the router's own subnets is never translated. The table is replaced
// atomically (one `nft -f` transaction: create, delete, create with rules). Each rule
// carries a hash of its text as its comment, so what the host has is read back (`nft -j`
// lists rule comments, not table comments, in nftables 1.0.6) and compared rule by rule in
// order, without re-applying an unchanged table.
import { createHash } from 'node:crypto';
import type { RouterPlan } from './plan.ts';

export const NAT_TABLE = 'neutrino-router';

export interface NatRules {
  prerouting: string[];
  postrouting: string[];
}

export function natRules(plan: RouterPlan): NatRules {
  const prerouting: string[] = [];
  const postrouting: string[] = [];
  const gw = plan.gateway;
  if (!gw || !plan.adminUp) return { prerouting, postrouting };
  const out = JSON.stringify(gw.device);
  for (const fip of plan.floatingIps) {
    if (fip.address.includes(':')) continue;
    for (const pf of fip.forwardings) {
      prerouting.push(`ip daddr ${fip.address} meta l4proto ${pf.protocol} th dport ${pf.externalPort} dnat to ${pf.internalIp}:${pf.internalPort}`);
    }
    if (fip.fixed) {
      prerouting.push(`ip daddr ${fip.address} dnat to ${fip.fixed}`);
      postrouting.push(`oifname ${out} ip saddr ${fip.fixed} snat to ${fip.address}`);
    }
  }
  if (plan.snatSources.length && gw.snatAddress) postrouting.push(`oifname ${out} ip saddr { ${plan.snatSources.join(', ')} } snat to ${gw.snatAddress}`);
  return { prerouting, postrouting };
}

/** The comment identifying a rule (its text's hash). */
export function ruleTag(rule: string): string {
  return createHash('sha256').update(rule).digest('hex').slice(0, 24);
}

/** The `nft -f` input replacing the table in one transaction. */
export function natScript(rules: NatRules): string {
  const indent = (lines: string[]) => lines.map((l) => `    ${l} comment "${ruleTag(l)}"\n`).join('');
  return (
    `table ip ${NAT_TABLE}\n` +
    `delete table ip ${NAT_TABLE}\n` +
    `table ip ${NAT_TABLE} {\n` +
    `  chain prerouting {\n    type nat hook prerouting priority dstnat; policy accept;\n${indent(rules.prerouting)}  }\n` +
    `  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n${indent(rules.postrouting)}  }\n` +
    `}\n`
  );
}

/** Whether the table `nft -j list table` printed holds exactly these rules, in order. */
export function natTableMatches(listed: string, rules: NatRules): boolean {
  let parsed: { nftables?: Record<string, any>[] };
  try {
    parsed = JSON.parse(listed);
  } catch {
    return false;
  }
  const items = parsed.nftables ?? [];
  const chains = new Set(items.filter((i) => i.chain?.table === NAT_TABLE).map((i) => i.chain.name));
  if (!chains.has('prerouting') || !chains.has('postrouting')) return false;
  const tags = (chain: string) => items.filter((i) => i.rule?.chain === chain).map((i) => String(i.rule.comment ?? ''));
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  return same(tags('prerouting'), rules.prerouting.map(ruleTag)) && same(tags('postrouting'), rules.postrouting.map(ruleTag));
}
