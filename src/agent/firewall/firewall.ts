// The security group reconciler of a host: level-triggered like the agent's other sync
// handlers. Each sync computes the desired ruleset from the cache, reads both tables back
// (`nft -j`), and applies only the difference in one `nft -f` transaction, so a restart, a
// missed change or a table flushed by hand converge the same way; an unchanged host gets no
// write at all. One key for the whole host: the work queue collapses bursts of changes.
import type { Logger } from 'pino';
import { Nft } from './nft.ts';
import { desiredFirewall } from './ruleset.ts';
import { planFirewall, stateAfter, type Plan } from './plan.ts';
import type { ActualTable } from './nft.ts';
import { TABLE } from './ruleset.ts';
import type { DesiredFirewall, FirewallAddressGroup, FirewallGroup, FirewallInput, FirewallPort, FirewallRule } from './model.ts';

/** The queue key of the firewall. */
export const FIREWALL_KEY = 'firewall';
/** Collections the firewall reads (the informer lists and watches them). */
export const FIREWALL_COLLECTIONS = ['security_groups', 'security_group_rules', 'address_groups'] as const;

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
  /** The last desired state applied (which ports are filtered: for status reports). */
  last?: DesiredFirewall;
  lastPlan?: Plan;
  /** The host's tables as last read or applied, and when they were last read. */
  private known?: { bridge: ActualTable; inet: ActualTable };
  private lastRead = 0;
  /** How often the tables are read back in full (drift: a rule or table changed by hand). */
  readEveryMs = 60_000;

  constructor(
    readonly cache: FirewallCache,
    readonly log: Logger,
    netns?: string,
  ) {
    this.nft = new Nft(netns);
  }

  /** Whether a change of this collection concerns the firewall. */
  static watches(collection: string): boolean {
    return collection === 'ports' || (FIREWALL_COLLECTIONS as readonly string[]).includes(collection);
  }

  async sync(): Promise<Plan> {
    if (!this.sysctlsChecked) {
      for (const name of SYSCTLS) if ((await this.nft.sysctl(name)) !== '1') await this.nft.sysctl(name, '1');
      this.sysctlsChecked = true;
    }
    // Reading the tables back costs seconds at hundreds of local ports (`nft -j` of 12,000+
    // rules): between full reads the state this firewall applied last is trusted.
    const fresh = !this.known || Date.now() - this.lastRead >= this.readEveryMs;
    if (fresh) this.lastRead = Date.now();
    const [bridge, inet] = fresh ? await Promise.all([this.nft.readTable('bridge', TABLE), this.nft.readTable('inet', TABLE)]) : [this.known!.bridge, this.known!.inet];
    const input: FirewallInput = {
      host: this.cache.host,
      ports: this.cache.ports.values(),
      groups: this.cache.groups,
      rules: this.cache.rules.values(),
      addressGroups: this.cache.addressGroups,
      zones: new Map([...(inet?.maps.get('zones') ?? new Map<string, string>())].map(([k, v]) => [k, Number(v)])),
    };
    const desired = desiredFirewall(input);
    const plan = planFirewall(desired, bridge, inet);
    if (plan.script) {
      this.known = undefined; // a failed apply leaves the host unknown: read it next time
      await this.nft.apply(plan.script);
      this.log.info({ firewall: plan.summary, read: fresh }, 'firewall updated');
    }
    this.known = stateAfter(desired);
    this.last = desired;
    this.lastPlan = plan;
    return plan;
  }

  /** Removes both tables (agent cleanup). */
  async remove(): Promise<void> {
    const lines: string[] = [];
    for (const family of ['bridge', 'inet'] as const) lines.push(`add table ${family} ${TABLE}`, `delete table ${family} ${TABLE}`);
    await this.nft.apply(`${lines.join('\n')}\n`);
  }
}
