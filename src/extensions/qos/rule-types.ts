// The QoS rule types Neutrino implements: each type's collection, table, parameters and the
// values its definition accepts (what rule-type details report for a driver that does not
// narrow them), and which types the configured backend driver enforces.
import type { AttributeDef } from '../../framework/definitions.ts';
import type { Registry } from '../../framework/registry.ts';
import type { ServiceDeps } from '../../framework/deps.ts';
import { RULE_TYPES, type RuleType } from './definitions/constants.ts';

export interface RuleKind {
  type: RuleType;
  /** Sub-resource collection under a policy: `bandwidth_limit_rules`. */
  collection: string;
  member: string;
  /** Path segment of the alias API (qos-rules-alias, qos-pps-minimum-rule-alias), if any. */
  alias?: string;
  /** The alias extension serving it. */
  aliasExtension?: string;
}

export const RULE_KINDS: Readonly<Record<RuleType, RuleKind>> = {
  bandwidth_limit: { type: 'bandwidth_limit', collection: 'bandwidth_limit_rules', member: 'bandwidth_limit_rule', alias: 'alias-bandwidth-limit-rules', aliasExtension: 'qos-rules-alias' },
  dscp_marking: { type: 'dscp_marking', collection: 'dscp_marking_rules', member: 'dscp_marking_rule', alias: 'alias-dscp-marking-rules', aliasExtension: 'qos-rules-alias' },
  minimum_bandwidth: { type: 'minimum_bandwidth', collection: 'minimum_bandwidth_rules', member: 'minimum_bandwidth_rule', alias: 'alias-minimum-bandwidth-rules', aliasExtension: 'qos-rules-alias' },
  packet_rate_limit: { type: 'packet_rate_limit', collection: 'packet_rate_limit_rules', member: 'packet_rate_limit_rule' },
  minimum_packet_rate: { type: 'minimum_packet_rate', collection: 'minimum_packet_rate_rules', member: 'minimum_packet_rate_rule', alias: 'alias-minimum-packet-rate-rules', aliasExtension: 'qos-pps-minimum-rule-alias' },
};

/** The rule kinds this deployment serves (their extension is enabled). */
export const servedKinds = (registry: Registry): RuleKind[] => Object.values(RULE_KINDS).filter((k) => registry.resources.has(k.collection));

export const kindOfCollection = (collection: string): RuleKind | undefined => Object.values(RULE_KINDS).find((k) => k.collection === collection);

/** A parameter as rule-type details report it. */
export interface SupportedParameter {
  parameter_name: string;
  parameter_type: 'range' | 'choices';
  parameter_values: { start: number; end: number } | unknown[];
}

/** The parameters of a rule type with the values its API definition accepts. */
export function parametersOf(registry: Registry, kind: RuleKind): SupportedParameter[] {
  const attrs = registry.resource(kind.collection).attributes;
  const out: SupportedParameter[] = [];
  for (const [name, def] of Object.entries(attrs) as [string, AttributeDef][]) {
    if (name === 'id' || name === 'qos_policy_id' || !def.allowPut) continue;
    if (def.enum) out.push({ parameter_name: name, parameter_type: 'choices', parameter_values: [...def.enum] });
    else if (def.type === 'integer') out.push({ parameter_name: name, parameter_type: 'range', parameter_values: { start: def.min ?? 0, end: def.max ?? 2 ** 31 - 1 } });
  }
  return out;
}

/** What a backend driver declares about QoS (BackendCapabilities.qosRuleTypes in src/backends/). */
interface QosCapableDriver {
  name: string;
  capabilities?: { qosRuleTypes?: readonly string[] };
}

/** The configured backend driver, when this deployment has one (ServiceDeps.backend). */
export function backendOf(deps: ServiceDeps): QosCapableDriver | undefined {
  return (deps as unknown as { backend?: QosCapableDriver }).backend;
}

/**
 * Rule types the configured backend driver enforces: those it declares in
 * `capabilities.qosRuleTypes` and Neutrino implements. A driver declaring nothing enforces none.
 */
export function enforcedRuleTypes(deps: ServiceDeps): RuleType[] {
  const backend = backendOf(deps);
  const served = servedKinds(deps.registry).map((k) => k.type);
  if (!backend) return served; // no backend seam in this build: nothing narrows the API
  const declared = new Set(backend.capabilities?.qosRuleTypes ?? []);
  return served.filter((t) => declared.has(t));
}

export const isRuleType = (v: string): v is RuleType => (RULE_TYPES as readonly string[]).includes(v);
