// Neutron's default rules for QoS (neutron/conf/policies/qos.py, port.py): policies and
// rules are managed by admins; a policy is read by its project's readers and, when shared,
// by everyone; rules by the readers of their policy's project; rule types by any reader
// (their details by admins only, checked in the service as Neutron's plugin does).
import { ADMIN, PARENT_OWNER_READER, PROJECT_READER } from '../../policy/defaults.ts';

/** `(a) or (b) or ...` */
const any = (...checks: string[]) => checks.map((c) => `(${c})`).join(' or ');
const ADMIN_OR_READER = any(ADMIN, PROJECT_READER);

const RULES = ['bandwidth_limit_rule', 'dscp_marking_rule', 'minimum_bandwidth_rule', 'packet_rate_limit_rule', 'minimum_packet_rate_rule'];
const ADMIN_OR_PARENT_OWNER_READER = any(ADMIN, PARENT_OWNER_READER);
const ADMIN_OR_OWNER = any('rule:context_is_admin', 'project_id:%(project_id)s');

export const qosRules: Record<string, string> = {
  shared_qos_policy: 'field:policies:shared=True',
  get_policy: any(ADMIN_OR_READER, 'rule:shared_qos_policy'),
  create_policy: ADMIN,
  update_policy: ADMIN,
  delete_policy: ADMIN,
  get_rule_type: 'role:reader',
  ...Object.fromEntries(
    RULES.flatMap((rule) => [
      [`get_policy_${rule}`, ADMIN_OR_PARENT_OWNER_READER],
      [`create_policy_${rule}`, ADMIN],
      [`update_policy_${rule}`, ADMIN],
      [`delete_policy_${rule}`, ADMIN],
    ]),
  ),
  ...Object.fromEntries(
    ['bandwidth_limit_rule', 'dscp_marking_rule', 'minimum_bandwidth_rule'].flatMap((rule) => [
      [`get_alias_${rule}`, ADMIN_OR_PARENT_OWNER_READER],
      [`update_alias_${rule}`, ADMIN],
      [`delete_alias_${rule}`, ADMIN],
    ]),
  ),
  get_alias_minimum_packet_rate_rule: 'rule:get_policy_minimum_packet_rate_rule',
  update_alias_minimum_packet_rate_rule: 'rule:update_policy_minimum_packet_rate_rule',
  delete_alias_minimum_packet_rate_rule: 'rule:delete_policy_minimum_packet_rate_rule',
  'get_port:resource_request': ADMIN,
  // Neutron defines no rules for `<action>:qos_policy_id`, so its `default` (admin or owner)
  // applies; spelled out with project_id, which Neutrino's targets carry.
  ...Object.fromEntries(
    ['network', 'port', 'floatingip'].flatMap((member) => ['create', 'update'].map((verb) => [`${verb}_${member}:qos_policy_id`, ADMIN_OR_OWNER])),
  ),
};
