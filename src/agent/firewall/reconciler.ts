// The firewall as one of the agent's reconcilers (registered in src/agent/reconcilers.ts), with
// its own queue and worker: keys per port, group and set (firewall.ts), so a member joining a
// group elsewhere queues only that group's sets here, and a rule change only its group.
import type { Obj } from '../cache.ts';
import type { ReconcilerFactory, Reconciler } from '../reconciler.ts';
import { Firewall, FIREWALL_COLLECTIONS, type FirewallCache } from './firewall.ts';
import { addressGroupSet, remoteGroupSet } from './ruleset.ts';

const groupSets = (g: string) => [`set/${remoteGroupSet(g, 4)}`, `set/${remoteGroupSet(g, 6)}`];
const ruleKeys = (r: Obj | null | undefined): string[] =>
  !r ? [] : [`group/${r.security_group_id}`, ...(r.remote_group_id ? groupSets(r.remote_group_id) : []), ...(r.remote_address_group_id ? [`set/${addressGroupSet(r.remote_address_group_id, 4)}`, `set/${addressGroupSet(r.remote_address_group_id, 6)}`] : [])];

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
      keysFor(change) {
        const { object: now, before } = change;
        switch (change.resource) {
          case 'ports': {
            // The port itself, and the member sets of every group it is or was in (its addresses).
            const groups = new Set<string>([...(now?.security_groups ?? []), ...(before?.security_groups ?? [])]);
            return [`port/${change.id}`, ...[...groups].flatMap(groupSets)];
          }
          case 'security_groups': {
            const keys = [`group/${change.id}`];
            // stateful changes every port's chains (conntrack lines, the conntrack sets).
            if (now?.stateful !== before?.stateful) for (const p of cache.ports.values()) if (p.security_groups?.includes(change.id)) keys.push(`port/${p.id}`);
            return keys;
          }
          case 'security_group_rules':
            return [...new Set([...ruleKeys(now), ...ruleKeys(before)])];
          case 'address_groups':
            return [`set/${addressGroupSet(change.id, 4)}`, `set/${addressGroupSet(change.id, 6)}`];
          default:
            return [];
        }
      },
      keys() {
        fw.refreshSoon(); // the resync re-reads the host's state: drift repair
        return fw.keys();
      },
      sync: async (key) => void (await fw.sync(key)),
      gc: async () => void (await fw.sync('gc')),
      cleanup: () => fw.remove(),
    };
  },
};
