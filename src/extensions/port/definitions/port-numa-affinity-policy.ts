// The `port-numa-affinity-policy` API extension: the NUMA affinity Nova applies to the
// port's device. Zed's values: required, preferred, legacy or None (`socket` came later, with
// its own alias port-numa-affinity-policy-socket).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const NUMA_AFFINITY_POLICIES = ['required', 'preferred', 'legacy'] as const;

export const portNumaAffinityPolicyExtension: ExtensionDef = {
  alias: 'port-numa-affinity-policy',
  name: 'Port NUMA affinity policy',
  description: 'Expose the port NUMA affinity policy',
  updated: '2020-07-08T10:00:00-00:00',
  extendAttributes: {
    ports: { numa_affinity_policy: { type: 'string', allowPost: true, allowPut: true, nullable: true, default: null, enum: NUMA_AFFINITY_POLICIES } },
  },
};
