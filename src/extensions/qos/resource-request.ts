// port-resource-request(-groups): what Nova asks Placement for on behalf of a port whose
// QoS policy (its own, else its network's) has minimum bandwidth or minimum packet rate
// rules, in the groups format Nova reads:
//   {request_groups: [{id, required: [traits], resources: {class: amount}}], same_subtree: [ids]}
// - minimum bandwidth: NET_BW_EGR_KILOBIT_PER_SEC / NET_BW_IGR_KILOBIT_PER_SEC, required
//   traits CUSTOM_PHYSNET_<physnet of the network's first segment> and
//   CUSTOM_VNIC_TYPE_<vnic type>; no group when the network has no physical network.
// - minimum packet rate: NET_PACKET_RATE_EGR/IGR_KILOPACKET_PER_SEC, or
//   NET_PACKET_RATE_KILOPACKET_PER_SEC for direction `any`; required trait the VNIC type's.
// - a group's id is a UUIDv5 in the port's id namespace of its rules' ids joined by ':'
//   (stable: Nova and Neutron derive the same id), as neutron-lib's placement utils do.
import { createHash } from 'node:crypto';
import type { Tx } from '../../db/index.ts';
import type { Item } from '../../framework/resource-service.ts';
import type { QosPolicyService } from './policy-service.ts';

const BW_CLASS: Record<string, string> = { egress: 'NET_BW_EGR_KILOBIT_PER_SEC', ingress: 'NET_BW_IGR_KILOBIT_PER_SEC' };
const PPS_CLASS: Record<string, string> = {
  egress: 'NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC',
  ingress: 'NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC',
  any: 'NET_PACKET_RATE_KILOPACKET_PER_SEC',
};

/** A custom Placement trait name (os-traits' normalize_name): CUSTOM_ + upper case, other characters to '_'. */
export const customTrait = (name: string): string => `CUSTOM_${name.replace(/[^0-9A-Za-z]+/g, '_').toUpperCase()}`;

/** RFC 4122 version 5 (SHA-1, name-based) UUID of name in namespace (a UUID string). */
export function uuid5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

interface Group {
  id: string;
  required: string[];
  resources: Record<string, number>;
}

function group(portId: string, rules: Item[], classes: Record<string, string>, amount: string, required: string[]): Group | undefined {
  if (!rules.length || !required.length) return undefined;
  const resources: Record<string, number> = {};
  for (const rule of rules) resources[classes[rule.direction]] = rule[amount];
  return { id: uuid5(portId, rules.map((r) => r.id).join(':')), required, resources };
}

/** The resource_request of each port (by id; absent: null), in one query per kind of data. */
export async function resourceRequests(q: Tx, policies: QosPolicyService, ports: Item[], networkPolicy: Map<string, string | null>): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  const policyOf = (port: Item): string | null => port.qos_policy_id ?? networkPolicy.get(port.network_id) ?? null;
  const policyIds = [...new Set(ports.map(policyOf).filter((id): id is string => !!id))];
  if (!policyIds.length) return out;
  const rules = await policies.rulesOf(q, policyIds);
  const networkIds = [...new Set(ports.filter((p) => policyOf(p)).map((p) => p.network_id as string))];
  const physnets = new Map<string, string | null>();
  const segments = await q
    .selectFrom('network_segments')
    .select(['network_id', 'physical_network', 'segment_index'])
    .where('network_id', 'in', networkIds)
    .orderBy('segment_index')
    .execute();
  for (const s of segments) if (!physnets.has(s.network_id)) physnets.set(s.network_id, s.physical_network ?? null);
  for (const port of ports) {
    const policyId = policyOf(port);
    if (!policyId) continue;
    const policyRules = rules.get(policyId) ?? [];
    const vnicTrait = customTrait(`VNIC_TYPE_${port['binding:vnic_type'] ?? 'normal'}`);
    const physnet = physnets.get(port.network_id);
    const groups = [
      group(port.id, policyRules.filter((r) => r.type === 'minimum_bandwidth'), BW_CLASS, 'min_kbps', physnet ? [customTrait(`PHYSNET_${physnet}`), vnicTrait] : []),
      group(port.id, policyRules.filter((r) => r.type === 'minimum_packet_rate'), PPS_CLASS, 'min_kpps', [vnicTrait]),
    ].filter((g): g is Group => !!g);
    if (groups.length) out.set(port.id, { request_groups: groups, same_subtree: groups.map((g) => g.id) });
  }
  return out;
}
