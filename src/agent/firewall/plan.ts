// The nft commands that bring one piece of the firewall (the base, a port, a group, a set, or
// what nothing explains any more) from the host's state to the desired state, as lines of one
// `nft -f` transaction: all or nothing. Each planner also updates the HostState to what the
// host holds once the transaction is applied (the firewall drops the state if it fails).
//
//   member joins or leaves a group   → `add|delete element` in the group's sets, nothing else
//   a port's rules change            → `flush chain` + its rules again, and its map element's
//                                       fingerprint, in one transaction (no packet sees half)
//   a group's rules change           → its two chains flushed and refilled; its ports untouched
//   a missing chain, set or element  → added (a group chain or set with everything it needs)
import type { DesiredFirewall, DesiredSet, HostState, MapEntry, PortMap, TrackSet } from './model.ts';
import { PORT_MAPS, TRACK_SETS } from './model.ts';
import { BASE_CHAINS, TABLE, baseRuleset, desiredFirewall, type FirewallView } from './ruleset.ts';

/** Elements per `add element` command (keeps lines short for large groups). */
const CHUNK = 256;
const quote = (key: string) => `"${key}"`;
/** Interface names are strings in nft's syntax, MACs are not. */
const trackElement = (set: TrackSet, value: string) => (set === 'track-taps' ? quote(value) : value);

export interface Summary {
  recreated: string[];
  chainsWritten: number;
  chainsDeleted: number;
  elementsAdded: number;
  elementsDeleted: number;
  mapChanges: number;
}

export const emptyState = (): HostState => ({ base: { bridge: false, inet: false }, chains: new Map(), sets: new Map(), maps: new Map(PORT_MAPS.map((m) => [m, new Map()])), zones: new Map() });

/** One transaction being planned against the host's state (which it updates as it goes). */
export class Tx {
  readonly lines: string[] = [];
  readonly summary: Summary = { recreated: [], chainsWritten: 0, chainsDeleted: 0, elementsAdded: 0, elementsDeleted: 0, mapChanges: 0 };
  /** Group chains written in this transaction (their rules' comments, for the firewall's memory). */
  readonly groupsWritten = new Map<string, string[]>();

  constructor(
    readonly state: HostState,
    readonly view: FirewallView,
  ) {}

  get script(): string {
    return this.lines.length ? `${this.lines.join('\n')}\n` : '';
  }

  elements(verb: 'add' | 'delete', family: 'bridge' | 'inet', set: string, elements: string[]): void {
    for (let i = 0; i < elements.length; i += CHUNK) this.lines.push(`${verb} element ${family} ${TABLE} ${set} { ${elements.slice(i, i + CHUNK).join(', ')} }`);
    if (verb === 'add') this.summary.elementsAdded += elements.length;
    else this.summary.elementsDeleted += elements.length;
  }

  /** A chain with exactly these rules: created, or flushed and refilled. */
  writeChain(name: string, rules: string[]): void {
    this.lines.push(this.state.chains.has(name) ? `flush chain bridge ${TABLE} ${name}` : `add chain bridge ${TABLE} ${name}`);
    for (const rule of rules) this.lines.push(`add rule bridge ${TABLE} ${name} ${rule}`);
    if (!this.state.chains.has(name)) this.state.chains.set(name, -1);
    this.summary.chainsWritten++;
  }

  /** Chains nothing jumps to any more: all flushed first (dropping their own jumps), then deleted. */
  deleteChains(names: string[]): void {
    const present = names.filter((n) => this.state.chains.has(n));
    for (const n of present) this.lines.push(`flush chain bridge ${TABLE} ${n}`);
    for (const n of present) {
      this.lines.push(`delete chain bridge ${TABLE} ${n}`);
      this.state.chains.delete(n);
    }
    this.summary.chainsDeleted += present.length;
  }

  setMapEntry(map: PortMap, key: string, want: MapEntry | undefined): void {
    const have = this.state.maps.get(map)!;
    const current = have.get(key);
    if (current && want && current.verdict === want.verdict && current.comment === want.comment) return;
    if (current) this.lines.push(`delete element bridge ${TABLE} ${map} { ${quote(key)} }`);
    if (want) this.lines.push(`add element bridge ${TABLE} ${map} { ${quote(key)}${want.comment ? ` comment "${want.comment}"` : ''} : ${want.verdict} }`);
    if (want) have.set(key, want);
    else have.delete(key);
    this.summary.mapChanges++;
  }
}

/** The tables' fixed parts, recreated whole when missing or damaged (everything else follows in the same transaction). */
export function planBase(tx: Tx): boolean {
  const base = baseRuleset();
  const { state } = tx;
  if (!state.base.bridge) {
    tx.lines.push(`add table bridge ${TABLE}`, `delete table bridge ${TABLE}`, base.bridge);
    state.chains.clear();
    state.sets = new Map(TRACK_SETS.map((s) => [s, new Set()]));
    for (const m of PORT_MAPS) state.maps.set(m, new Map());
    state.base.bridge = true;
    tx.summary.recreated.push('bridge');
  }
  if (!state.base.inet) {
    tx.lines.push(`add table inet ${TABLE}`, `delete table inet ${TABLE}`, base.inet);
    state.zones.clear();
    state.base.inet = true;
    tx.summary.recreated.push('inet');
  }
  return tx.summary.recreated.length > 0;
}

/** A set's elements: created when missing, else only the difference (the one-element change of a member joining). */
export function planSet(tx: Tx, name: string, desired: DesiredSet | null = tx.view.set(name)): void {
  if (!desired) return;
  const have = tx.state.sets.get(name);
  if (!have) tx.lines.push(`add set bridge ${TABLE} ${name} { type ${desired.family === 4 ? 'ipv4_addr' : 'ipv6_addr'}; flags interval; }`);
  const del = have ? [...have].filter((e) => !desired.elements.has(e)) : [];
  const add = [...desired.elements].filter((e) => !have?.has(e));
  tx.elements('delete', 'bridge', name, del);
  tx.elements('add', 'bridge', name, add);
  tx.state.sets.set(name, new Set(desired.elements));
}

/**
 * A group's chains, rewritten when `actual` (their rules' comments as read back, null when
 * missing) differs; without `actual`, only created when missing. Sets they name are created
 * first, with their elements.
 */
export function planGroup(tx: Tx, groupId: string, actual?: Map<string, string[] | null>): void {
  const group = tx.view.group(groupId);
  for (const [name, set] of group.sets) if (!tx.state.sets.has(name)) planSet(tx, name, set);
  for (const [name, rules] of group.chains) {
    const comments = rules.map((r) => /comment "([^"]*)"$/.exec(r)?.[1] ?? '');
    const have = actual ? actual.get(name) : tx.state.chains.has(name) ? comments : null;
    if (have && have.length === comments.length && have.every((c, i) => c === comments[i])) continue;
    tx.writeChain(name, rules);
    tx.groupsWritten.set(name, comments);
  }
}

/** One port: its group chains if missing, its own chains if their fingerprint changed, map and conntrack-set elements, its bridge's zone. */
export function planPort(tx: Tx, portId: string): void {
  const { state } = tx;
  const port = tx.view.port(portId);
  for (const g of port.groups) planGroup(tx, g);
  if (port.bridge && !state.zones.has(port.bridge)) {
    const taken = new Set(state.zones.values());
    let zone = 1;
    while (taken.has(zone)) zone++;
    tx.lines.push(`add element inet ${TABLE} zones { ${quote(port.bridge)} : ${zone} }`);
    state.zones.set(port.bridge, zone);
    tx.summary.mapChanges++;
  }
  const mapOf = new Map([...port.maps].map(([m, e]) => [e.verdict.replace(/^jump /, ''), m]));
  for (const [name, rules] of port.chains) {
    const map = mapOf.get(name)!;
    if (state.chains.has(name) && state.maps.get(map)!.get(port.tap)?.comment === port.maps.get(map)!.comment) continue;
    tx.writeChain(name, rules);
    // A rewritten chain gets its element again even if unchanged: the fingerprint is what the next read trusts.
    state.maps.get(map)!.delete(port.tap);
  }
  for (const map of PORT_MAPS) tx.setMapEntry(map, port.tap, port.maps.get(map));
  const mac = tx.view.ports.get(portId)?.mac_address.toLowerCase();
  const own: Record<TrackSet, string | undefined> = { 'notrack-macs': mac, 'track-macs': mac, 'track-taps': port.tap };
  for (const set of TRACK_SETS) {
    const have = state.sets.get(set)!;
    const want = port.track.get(set);
    const mine = own[set];
    // A port gone from the cache leaves its MAC behind here: garbage collection removes it. A MAC
    // another local port (on another network) still needs stays.
    if (mine && have.has(mine) && want !== mine && !(set !== 'track-taps' && tx.view.macWanted(mine, set, portId))) {
      tx.elements('delete', 'bridge', set, [trackElement(set, mine)]);
      have.delete(mine);
    }
    if (want && !have.has(want)) {
      tx.elements('add', 'bridge', set, [trackElement(set, want)]);
      have.add(want);
    }
  }
  // Chains of this port it no longer needs (port security off, port gone or moved).
  tx.deleteChains([`spoof-${portId}`, `out-${portId}`, `in-${portId}`].filter((n) => !port.chains.has(n)));
}

/** Everything at once: the first build over an empty table (one transaction, however many ports). */
export function planAll(tx: Tx, desired: DesiredFirewall = desiredFirewall(tx.view.input, tx.view)): void {
  for (const name of desired.sets.keys()) planSet(tx, name, desired.sets.get(name)!);
  for (const id of desired.ports.keys()) planPort(tx, id);
}

/** What nothing desired explains: map and conntrack-set elements, chains, sets and zones. */
export function planGc(tx: Tx, desired: DesiredFirewall = desiredFirewall(tx.view.input, tx.view)): void {
  const { state } = tx;
  const taps = new Map([...desired.ports.values()].map((p) => [p.tap, p]));
  for (const map of PORT_MAPS) for (const key of [...state.maps.get(map)!.keys()]) if (!taps.get(key)?.maps.has(map)) tx.setMapEntry(map, key, undefined);
  for (const set of TRACK_SETS) {
    const wanted = new Set([...desired.ports.values()].map((p) => p.track.get(set)).filter((e): e is string => !!e));
    const stale = [...state.sets.get(set)!].filter((e) => !wanted.has(e));
    tx.elements('delete', 'bridge', set, stale.map((e) => trackElement(set, e)));
    for (const e of stale) state.sets.get(set)!.delete(e);
  }
  tx.deleteChains([...state.chains.keys()].filter((c) => !desired.chains.has(c)));
  for (const name of [...state.sets.keys()]) {
    if ((TRACK_SETS as readonly string[]).includes(name) || desired.sets.has(name)) continue;
    tx.lines.push(`delete set bridge ${TABLE} ${name}`);
    state.sets.delete(name);
  }
  for (const [bridge] of [...state.zones]) {
    if (desired.bridges.has(bridge)) continue;
    tx.lines.push(`delete element inet ${TABLE} zones { ${quote(bridge)} }`);
    state.zones.delete(bridge);
    tx.summary.mapChanges++;
  }
}

/** Rules each base chain must hold (a read-back with other counts means the base was damaged). */
export function baseChainsIntact(counts: Map<string, number | null>, family: 'bridge' | 'inet'): boolean {
  return Object.entries(BASE_CHAINS[family]).every(([chain, n]) => counts.get(chain) === n);
}
