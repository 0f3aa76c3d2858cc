// The security group firewall of a host: level-triggered like the agent's other reconcilers,
// with one key per piece so a change costs what it touches (see ARCHITECTURE.md, "How a
// security group is realized"):
//
//   base          the tables' fixed parts (read back rule by rule; recreated whole when damaged,
//                 with everything else in the same transaction)
//   port/<id>     a local port's three chains, verdict-map and conntrack-set elements
//   group/<id>    a group's two chains (read back: each rule's comment is the hash of its text)
//   set/<name>    a remote group's members (rg-) or an address group's CIDRs (ag-): elements only
//   gc            what nothing desired explains
//
// Each sync compares the desired piece with the host's state: chains (no rules), sets and maps
// with their elements, read back at the first sync and again at every resync (`keys()`) or
// after a failed transaction, and kept up to date by every transaction applied in between.
// So a member joining is one `add element` and no read at all; a restart or a chain, set or
// element deleted by hand converges at the next resync; an unchanged host gets no write.
import type { Logger } from 'pino';
import { Nft } from './nft.ts';
import { BASE_CHAINS, FirewallView, TABLE, groupChainNames } from './ruleset.ts';
import { Tx, baseChainsIntact, emptyState, planAll, planBase, planGc, planGroup, planPort, planSet, type Summary } from './plan.ts';
import type { FirewallAddressGroup, FirewallGroup, FirewallPort, FirewallRule, HostState } from './model.ts';

/** Collections the firewall reads (the informer lists and watches them). */
export const FIREWALL_COLLECTIONS = ['security_groups', 'security_group_rules', 'address_groups'] as const;
export const BASE_KEY = 'base';

/** Bridged traffic must pass the inet hooks (conntrack); per network namespace on this kernel. */
const SYSCTLS = ['net.bridge.bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-ip6tables'];

export interface FirewallCache {
  host: string;
  ports: Map<string, FirewallPort>;
  groups: Map<string, FirewallGroup>;
  rules: Map<string, FirewallRule>;
  addressGroups: Map<string, FirewallAddressGroup>;
}

export class Firewall {
  readonly nft: Nft;
  private sysctlsChecked = false;
  /** The host's state as read back and updated by each transaction since; undefined: read it first. */
  private state?: HostState;
  /** Group chains' rule comments as last read or written, by chain name: trusted until the next resync. */
  private readonly groupRules = new Map<string, string[]>();
  /** Transactions and reads (bench, logs, tests). */
  readonly stats = { applied: 0, stateReads: 0, chainReads: 0 };
  lastSummary?: Summary;

  constructor(
    readonly cache: FirewallCache,
    readonly log: Logger,
    netns?: string,
  ) {
    this.nft = new Nft(netns);
  }

  /**
   * Read the host's state again before the next sync, and each group chain's rules at its
   * group's key (the periodic resync: drift repair, a group chain flushed by hand included).
   */
  refreshSoon(): void {
    this.state = undefined;
    this.groupRules.clear();
  }

  view(): FirewallView {
    return new FirewallView({ host: this.cache.host, ports: this.cache.ports.values(), groups: this.cache.groups, rules: this.cache.rules.values(), addressGroups: this.cache.addressGroups });
  }

  async sync(key: string): Promise<Summary> {
    if (!this.sysctlsChecked) {
      for (const name of SYSCTLS) if ((await this.nft.sysctl(name)) !== '1') await this.nft.sysctl(name, '1');
      this.sysctlsChecked = true;
    }
    if (!this.state) await this.readState();
    const state = this.state!;
    const tx = new Tx(state, this.view());
    try {
      if (key === BASE_KEY) await this.checkBase(state);
      // A missing or damaged base is rebuilt with everything on it, in one transaction.
      if (!state.base.bridge || !state.base.inet) {
        planBase(tx);
        planAll(tx);
      } else if (key.startsWith('port/')) planPort(tx, key.slice(5));
      else if (key.startsWith('set/')) {
        // Only sets a local port's group names (a member of any group changing queues its sets everywhere).
        if (tx.view.neededSets().has(key.slice(4))) planSet(tx, key.slice(4));
      }
      else if (key.startsWith('group/')) await this.planGroup(tx, key.slice(6));
      else if (key === 'gc') planGc(tx);
      else if (key !== BASE_KEY) throw new Error(`unknown firewall key ${key}`);
      if (tx.script) {
        await this.nft.apply(tx.script);
        this.stats.applied++;
        this.log.info({ key, firewall: tx.summary }, 'firewall updated');
      }
    } catch (err) {
      this.state = undefined; // the host is unknown after a failed transaction: read it next time
      throw err;
    }
    for (const [name, comments] of tx.groupsWritten) this.groupRules.set(name, comments);
    this.lastSummary = tx.summary;
    return tx.summary;
  }

  private async readState(): Promise<void> {
    this.state = await this.nft.readState(TABLE);
    this.stats.stateReads++;
  }

  /** The base chains' rules, read back (a chain flushed by hand makes the base damaged). */
  private async checkBase(state: HostState): Promise<void> {
    for (const family of ['bridge', 'inet'] as const) {
      if (!state.base[family]) continue;
      const counts = new Map<string, number | null>();
      for (const chain of Object.keys(BASE_CHAINS[family])) counts.set(chain, (await this.nft.readChain(family, TABLE, chain))?.comments.length ?? null);
      this.stats.chainReads += counts.size;
      if (!baseChainsIntact(counts, family)) state.base[family] = false;
    }
  }

  /** A group's chains, compared rule by rule with what the host holds (read back unless written or read since the last resync). */
  private async planGroup(tx: Tx, groupId: string): Promise<void> {
    if (!tx.view.localGroups().has(groupId)) return; // unused groups' chains go at garbage collection, once no port jumps to them
    const actual = new Map<string, string[] | null>();
    for (const name of Object.values(groupChainNames(groupId))) {
      const known = this.groupRules.get(name);
      if (known && tx.state.chains.has(name)) {
        actual.set(name, known);
        continue;
      }
      const read = tx.state.chains.has(name) ? await this.nft.readChain('bridge', TABLE, name) : null;
      this.stats.chainReads++;
      actual.set(name, read?.comments ?? null);
      if (read) this.groupRules.set(name, read.comments);
    }
    planGroup(tx, groupId, actual);
  }

  /** Every key with desired state (the resync), base first. */
  keys(): string[] {
    const view = this.view();
    const ports = view.localPorts();
    const groups = view.localGroups();
    const sets = view.neededSets();
    return [BASE_KEY, ...[...sets].map((s) => `set/${s}`), ...[...groups].map((g) => `group/${g}`), ...ports.map((p) => `port/${p.id}`)];
  }

  /** Removes both tables (agent cleanup). */
  async remove(): Promise<void> {
    const lines: string[] = [];
    for (const family of ['bridge', 'inet'] as const) lines.push(`add table ${family} ${TABLE}`, `delete table ${family} ${TABLE}`);
    await this.nft.apply(`${lines.join('\n')}\n`);
    this.state = emptyState();
    this.groupRules.clear();
  }
}
