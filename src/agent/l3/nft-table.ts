// One nftables table the L3 agent owns in a router namespace, described as data: its
// family, name and chains (a base-chain declaration and rules each). The table is replaced
// atomically (one `nft -f` transaction: create, delete, create with rules). Each rule carries
// a hash of its text as its comment, so what the host has is read back (`nft -j` lists rule
// comments, not table comments, in nftables 1.0.6) and compared rule by rule in order,
// without re-applying an unchanged table.
import { createHash } from 'node:crypto';

export interface NftChain {
  name: string;
  /** The base chain's declaration, e.g. `type nat hook prerouting priority dstnat; policy accept;`. */
  base: string;
  rules: string[];
}

export interface NftTable {
  family: 'ip' | 'ip6' | 'inet';
  name: string;
  chains: NftChain[];
}

/** The comment identifying a rule (its text's hash). */
export function ruleTag(rule: string): string {
  return createHash('sha256').update(rule).digest('hex').slice(0, 24);
}

/** The `nft -f` input replacing the table in one transaction. */
export function tableScript(table: NftTable): string {
  const id = `${table.family} ${table.name}`;
  const chains = table.chains.map((c) => `  chain ${c.name} {\n    ${c.base}\n${c.rules.map((l) => `    ${l} comment "${ruleTag(l)}"\n`).join('')}  }\n`).join('');
  return `table ${id}\ndelete table ${id}\ntable ${id} {\n${chains}}\n`;
}

/** The `nft -f` input removing the table (nothing when it is absent: `nft` 1.0.6 has no `destroy`). */
export function deleteScript(table: Pick<NftTable, 'family' | 'name'>): string {
  return `table ${table.family} ${table.name}\ndelete table ${table.family} ${table.name}\n`;
}

type Listed = Record<string, any>[];

/** The items of `nft -j list table …` output, or null when it is not JSON. */
export function parseListing(listed: string): Listed | null {
  try {
    return (JSON.parse(listed) as { nftables?: Listed }).nftables ?? [];
  } catch {
    return null;
  }
}

/** Whether the listed table holds exactly these chains and rules, in order. */
export function tableMatches(listed: string, table: NftTable): boolean {
  const items = parseListing(listed);
  if (!items) return false;
  const chains = new Set(items.filter((i) => i.chain?.table === table.name).map((i) => i.chain.name));
  if (chains.size !== table.chains.length || !table.chains.every((c) => chains.has(c.name))) return false;
  const tags = (chain: string) => items.filter((i) => i.rule?.chain === chain).map((i) => String(i.rule.comment ?? ''));
  return table.chains.every((c) => {
    const have = tags(c.name);
    return have.length === c.rules.length && c.rules.every((r, i) => ruleTag(r) === have[i]);
  });
}
