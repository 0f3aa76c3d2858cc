// The difference between the desired firewall and what the host has, as one nft script
// (applied as one transaction). Membership changes are set-element additions/deletions;
// a changed port or group is a new chain (its name carries a hash of its rules), the verdict
// map repointed, the old chain deleted; a damaged base (table, base chain or map missing,
// a base chain's rules changed) recreates that table whole. Empty script: nothing to do.
import type { DesiredFirewall } from './model.ts';
import type { ActualTable } from './nft.ts';
import { BASE_CHAINS, BASE_MAPS, TABLE, baseRuleset } from './ruleset.ts';

const EMPTY: ActualTable = { chains: new Map(), sets: new Map(), maps: new Map() };
/** Elements per `add element` command (keeps lines short for large groups). */
const CHUNK = 256;

function baseIntact(actual: ActualTable | null, family: 'bridge' | 'inet'): actual is ActualTable {
  if (!actual) return false;
  for (const [chain, count] of Object.entries(BASE_CHAINS[family])) if (actual.chains.get(chain) !== count) return false;
  return BASE_MAPS[family].every((m) => actual.maps.has(m));
}

const quote = (key: string) => `"${key}"`;

function elementCommands(verb: 'add' | 'delete', family: string, set: string, elements: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < elements.length; i += CHUNK) out.push(`${verb} element ${family} ${TABLE} ${set} { ${elements.slice(i, i + CHUNK).join(', ')} }`);
  return out;
}

function mapCommands(family: string, map: string, want: Map<string, string | number>, have: Map<string, string>, lines: { before: string[]; after: string[] }): void {
  const add: string[] = [];
  const del: string[] = [];
  for (const [key, value] of want) {
    const current = have.get(key);
    if (current === String(value)) continue;
    if (current !== undefined) del.push(quote(key));
    add.push(`${quote(key)} : ${value}`);
  }
  for (const key of have.keys()) if (!want.has(key)) lines.after.push(...elementCommands('delete', family, map, [quote(key)]));
  lines.before.push(...elementCommands('delete', family, map, del), ...elementCommands('add', family, map, add));
}

export interface Plan {
  script: string;
  /** What changed, for logs and the bench. */
  summary: { recreated: string[]; chainsAdded: number; chainsDeleted: number; elementsAdded: number; elementsDeleted: number; mapChanges: number };
}

export function planFirewall(desired: DesiredFirewall, actualBridge: ActualTable | null, actualInet: ActualTable | null): Plan {
  const summary: Plan['summary'] = { recreated: [], chainsAdded: 0, chainsDeleted: 0, elementsAdded: 0, elementsDeleted: 0, mapChanges: 0 };
  const lines: string[] = [];
  const base = baseRuleset();
  let bridge = actualBridge;
  if (!baseIntact(bridge, 'bridge')) {
    lines.push(`add table bridge ${TABLE}`, `delete table bridge ${TABLE}`, base.bridge);
    summary.recreated.push('bridge');
    bridge = EMPTY;
  }
  let inet = actualInet;
  if (!baseIntact(inet, 'inet')) {
    lines.push(`add table inet ${TABLE}`, `delete table inet ${TABLE}`, base.inet);
    summary.recreated.push('inet');
    inet = EMPTY;
  }

  // 1. Sets and their elements (before the chains that name them).
  for (const [name, set] of desired.sets) {
    const have = bridge.sets.get(name);
    if (!have) lines.push(`add set bridge ${TABLE} ${name} { type ${set.family === 4 ? 'ipv4_addr' : 'ipv6_addr'}; flags interval; }`);
    const del = have ? [...have].filter((e) => !set.elements.has(e)) : [];
    const add = [...set.elements].filter((e) => !have?.has(e));
    lines.push(...elementCommands('delete', 'bridge', name, del), ...elementCommands('add', 'bridge', name, add));
    summary.elementsAdded += add.length;
    summary.elementsDeleted += del.length;
  }
  // 2. New chains (group chains come first in the desired order: port chains jump to them);
  //    a chain whose rule count drifted is refilled.
  for (const [name, rules] of desired.chains) {
    const count = bridge.chains.get(name);
    if (count === rules.length) continue;
    if (count === undefined) {
      lines.push(`add chain bridge ${TABLE} ${name}`);
      summary.chainsAdded++;
    } else lines.push(`flush chain bridge ${TABLE} ${name}`);
    for (const rule of rules) lines.push(`add rule bridge ${TABLE} ${name} ${rule}`);
  }
  // 3. Verdict maps and zones point at the new chains; stale keys go after.
  const maps = { before: [] as string[], after: [] as string[] };
  mapCommands('bridge', 'spoof-ports', desired.spoof, bridge.maps.get('spoof-ports') ?? new Map(), maps);
  mapCommands('bridge', 'egress-ports', desired.egress, bridge.maps.get('egress-ports') ?? new Map(), maps);
  mapCommands('bridge', 'ingress-ports', desired.ingress, bridge.maps.get('ingress-ports') ?? new Map(), maps);
  mapCommands('inet', 'zones', desired.zones, inet.maps.get('zones') ?? new Map(), maps);
  summary.mapChanges = maps.before.length + maps.after.length;
  lines.push(...maps.before, ...maps.after);
  // 4. Chains and sets nothing refers to any more: flushed first (dropping their jumps), then deleted.
  const baseChains = new Set(Object.keys(BASE_CHAINS.bridge));
  const stale = [...bridge.chains.keys()].filter((c) => !baseChains.has(c) && !desired.chains.has(c));
  for (const c of stale) lines.push(`flush chain bridge ${TABLE} ${c}`);
  for (const c of stale) lines.push(`delete chain bridge ${TABLE} ${c}`);
  summary.chainsDeleted = stale.length;
  for (const s of bridge.sets.keys()) if (!desired.sets.has(s)) lines.push(`delete set bridge ${TABLE} ${s}`);
  return { script: lines.length ? `${lines.join('\n')}\n` : '', summary };
}

/** What `nft -j` reads back once a plan for `desired` is applied (the firewall trusts it between full reads). */
export function stateAfter(desired: DesiredFirewall): { bridge: ActualTable; inet: ActualTable } {
  const chains = new Map<string, number>(Object.entries(BASE_CHAINS.bridge));
  for (const [name, rules] of desired.chains) chains.set(name, rules.length);
  return {
    bridge: {
      chains,
      sets: new Map([...desired.sets].map(([name, set]) => [name, new Set(set.elements)])),
      maps: new Map([
        ['spoof-ports', new Map(desired.spoof)],
        ['egress-ports', new Map(desired.egress)],
        ['ingress-ports', new Map(desired.ingress)],
      ]),
    },
    inet: { chains: new Map(Object.entries(BASE_CHAINS.inet)), sets: new Map(), maps: new Map([['zones', new Map([...desired.zones].map(([k, v]) => [k, String(v)]))]]) },
  };
}
