// Neutron's security group and address group errors (types, statuses and messages as
// neutron.extensions.securitygroup and neutron_lib.exceptions define them).
import { NeutronError } from '../../foundation/errors.ts';

/** Python's repr of a list of strings, as Neutron's messages print them. */
const pyList = (values: string[]) => `[${values.map((v) => `'${v}'`).join(', ')}]`;

export const securityGroupNotFound = (id: string) => new NeutronError(404, 'SecurityGroupNotFound', `Security group ${id} does not exist`);
export const securityGroupRuleNotFound = (id: string) => new NeutronError(404, 'SecurityGroupRuleNotFound', `Security group rule ${id} does not exist`);
export const securityGroupInUse = (id: string) => new NeutronError(409, 'SecurityGroupInUse', `Security Group ${id} in use.`);
export const cannotRemoveDefault = () => new NeutronError(409, 'SecurityGroupCannotRemoveDefault', 'Insufficient rights for removing default security group.');
export const cannotUpdateDefault = () => new NeutronError(409, 'SecurityGroupCannotUpdateDefault', 'Updating default security group not allowed.');
export const defaultAlreadyExists = () => new NeutronError(409, 'SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
export const ruleExists = (ruleId: string) => new NeutronError(409, 'SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${ruleId}.`);
export const duplicateRuleInPost = () => new NeutronError(409, 'DuplicateSecurityGroupRuleInPost', 'Duplicate Security Group Rule in POST.');
export const notSingleGroupRules = () => new NeutronError(400, 'SecurityGroupNotSingleGroupRules', 'Only allowed to update rules for one security profile at a time');
export const rulesNotSingleProject = () => new NeutronError(400, 'SecurityGroupRulesNotSingleProject', 'Multiple project_ids in bulk security group rule create not allowed');
export const securityGroupConflict = (reason: string) => new NeutronError(409, 'SecurityGroupConflict', `Error ${reason} while attempting the operation.`);
export const portSecurityRequired = () =>
  new NeutronError(400, 'PortSecurityAndIPRequiredForSecurityGroups', 'Port security must be enabled and port must have an IP address in order to use security groups.');
export const portHasSecurityGroup = () =>
  new NeutronError(409, 'PortSecurityPortHasSecurityGroup', 'Port has security group associated. Cannot disable port security or IP address until security group is removed.');

export const addressGroupNotFound = (id: string) => new NeutronError(404, 'AddressGroupNotFound', `Address group ${id} could not be found.`);
export const addressGroupInUse = (id: string) => new NeutronError(409, 'AddressGroupInUse', `Address group ${id} is in use on one or more security group rules.`);
export const addressesNotFound = (addresses: string[], id: string) =>
  new NeutronError(404, 'AddressesNotFound', `Addresses ${pyList(addresses)} not found in the address group ${id}.`);
export const addressesAlreadyExist = (addresses: string[], id: string) =>
  new NeutronError(400, 'AddressesAlreadyExist', `Addresses ${pyList(addresses)} already exist in the address group ${id}.`);
