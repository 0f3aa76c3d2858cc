// Attribute fragments shared by more than one of this feature's API definitions (not an alias).
import type { AttributeDef } from '../../../framework/definitions.ts';

/**
 * Rule attributes whose conversion raises Neutron's own error types (protocol, ethertype,
 * remote_ip_prefix) are typed `any` here and converted by the rule service.
 */
export const ruleAttributes: Record<string, AttributeDef> = {
  security_group_id: { type: 'string', allowPost: true, required: true, maxLength: 36 },
  direction: { type: 'string', allowPost: true, required: true, enum: ['ingress', 'egress'] },
  ethertype: { type: 'any', allowPost: true, default: 'IPv4' },
  protocol: { type: 'any', allowPost: true, nullable: true, default: null },
  port_range_min: { type: 'integer', allowPost: true, nullable: true, default: null },
  port_range_max: { type: 'integer', allowPost: true, nullable: true, default: null },
  remote_ip_prefix: { type: 'any', allowPost: true, nullable: true, default: null },
  remote_group_id: { type: 'string', allowPost: true, nullable: true, default: null, maxLength: 36 },
  // Internal: the rule's identity for duplicate detection (unique per group).
  fingerprint: { type: 'string', visible: false, filter: false, sort: false },
};
