// QoS vocabulary shared by the definitions and the services (neutron-lib's qos constants).
import { INT32_MAX } from '../../../foundation/validation.ts';
import type { AttributeDef } from '../../../framework/definitions.ts';

export const RULE_TYPES = ['bandwidth_limit', 'dscp_marking', 'minimum_bandwidth', 'minimum_packet_rate', 'packet_rate_limit'] as const;
export type RuleType = (typeof RULE_TYPES)[number];

export const DIRECTIONS = ['ingress', 'egress'] as const;
export const DIRECTIONS_AND_ANY = ['any', 'ingress', 'egress'] as const;
/** DSCP marks Neutron accepts (neutron-lib VALID_DSCP_MARKS). */
export const VALID_DSCP_MARKS = [0, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 44, 46, 48, 56] as const;

/** A rate: an integer 0..2^31-1 (Neutron's DB_INTEGER_MAX_VALUE range). */
export const rate = (extra: Partial<AttributeDef> = {}): AttributeDef => ({ type: 'integer', allowPost: true, allowPut: true, min: 0, max: INT32_MAX, ...extra });

/** Rules are nameless, projectless sub-resources of a policy without standard attributes. */
export const RULE_STANDARD = { name: false, description: false, tags: false, timestamps: false, revision: false, project: false } as const;

export const POLICY_PARENT = { collection: 'policies', member: 'policy', column: 'qos_policy_id' } as const;

/** The policy id column of a rule (the parent; shown in a policy's `rules`, not in the rule). */
export const RULE_POLICY_ID: AttributeDef = { type: 'uuid', allowPost: true, visible: false };
