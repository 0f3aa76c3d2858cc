// The firewall as one of the agent's reconcilers (registered in src/agent/reconcilers.ts):
// one key for the whole host, queued by any change of ports, security groups, their rules or
// address groups; the work queue collapses a burst of changes into one sync (firewall.ts).
import type { ReconcilerFactory, Reconciler } from '../reconciler.ts';
import { Firewall, FIREWALL_COLLECTIONS, FIREWALL_KEY, type FirewallCache } from './firewall.ts';

export const firewall: ReconcilerFactory = {
  name: 'firewall',
  enabled: (config) => config.firewall_driver !== 'noop',
  create(ctx): Reconciler {
    const cache: FirewallCache = {
      host: ctx.config.host,
      ports: ctx.cache.of('ports') as FirewallCache['ports'],
      groups: ctx.cache.of('security_groups') as FirewallCache['groups'],
      rules: ctx.cache.of('security_group_rules') as FirewallCache['rules'],
      addressGroups: ctx.cache.of('address_groups') as FirewallCache['addressGroups'],
    };
    const fw = new Firewall(cache, ctx.log, ctx.config.netns || undefined);
    return {
      name: 'firewall',
      resources: ['ports', ...FIREWALL_COLLECTIONS],
      keysFor: () => [FIREWALL_KEY],
      keys: () => [FIREWALL_KEY],
      sync: async () => void (await fw.sync()),
      cleanup: () => fw.remove(),
    };
  },
};
