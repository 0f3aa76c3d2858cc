// Neutron's QoS errors (neutron-lib exceptions/qos.py): types, statuses and message forms.
import { NeutronError } from '../../foundation/errors.ts';

export const qosPolicyNotFound = (id: string) => new NeutronError(404, 'QosPolicyNotFound', `QoS policy ${id} could not be found.`);
export const qosRuleNotFound = (policyId: string, ruleId: string) =>
  new NeutronError(404, 'QosRuleNotFound', `QoS rule ${ruleId} for policy ${policyId} could not be found.`);
export const qosPolicyInUse = (policyId: string, objectType: string, objectId: string) =>
  new NeutronError(409, 'QosPolicyInUse', `QoS Policy ${policyId} is used by ${objectType} ${objectId}.`);
export const defaultAlreadyExists = (projectId: string) =>
  new NeutronError(409, 'QoSPolicyDefaultAlreadyExists', `A default QoS policy exists for project ${projectId}.`);
export const rulesConflict = (ruleType: string, ruleId: string, policyId: string) =>
  new NeutronError(409, 'QoSRulesConflict', `Rule ${ruleType} conflicts with rule ${ruleId} which already exists in QoS Policy ${policyId}.`);
export const ruleParameterConflict = (value: unknown, policyId: string, existingRule: string, existingValue: unknown) =>
  new NeutronError(
    409,
    'QoSRuleParameterConflict',
    `Unable to add the rule with value ${String(value)} to the policy ${policyId} as the existing rule of type ${existingRule} has value ${String(existingValue)}.`,
  );
export const ruleNotSupportedByPort = (ruleType: string, portId: string) => new NeutronError(409, 'QosRuleNotSupported', `Rule ${ruleType} is not supported by port ${portId}`);
export const ruleNotSupportedByNetwork = (ruleType: string, networkId: string) =>
  new NeutronError(409, 'QosRuleNotSupportedByNetwork', `Rule ${ruleType} is not supported by network ${networkId}`);
export const policyRemoveNotAuthorized = (policyId: string) =>
  new NeutronError(403, 'PolicyRemoveAuthorizationError', `Failed to remove provided policy ${policyId} because you are not authorized.`);
/** Neutron (Zed) answers NotImplementedError (501) for minimum rule changes of policies used by VMs' ports. */
export const placementBackedUpdate = () => new NeutronError(501, 'NotImplementedError', 'Cannot update QoS policies/rules backed by resources tracked in Placement');
