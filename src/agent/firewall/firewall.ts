// The security group reconciler of a host: level-triggered like the agent's other sync
// handlers. Each sync computes the desired ruleset from the cache, reads both tables back
// (`nft -j`), and applies only the difference in one `nft -f` transaction, so a restart, a
// missed change or a table flushed by hand converge the same way; an unchanged host gets no
// write at all. One key for the whole host: the work queue collapses bursts of changes.
import type { Logger } from 'pino';
import { Nft } from './nft.ts';
import { desiredFirewall } from './ruleset.ts';
import { planFirewall, type Plan } from './plan.ts';
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
    const [bridge, inet] = await Promise.all([this.nft.readTable('bridge', TABLE), this.nft.readTable('inet', TABLE)]);
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
      await this.nft.apply(plan.script);
      this.log.info({ firewall: plan.summary }, 'firewall updated');
    }
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
