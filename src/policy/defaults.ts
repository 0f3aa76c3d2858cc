// Neutron's default policy, as check strings by rule name: the secure-RBAC personas
// (admin, project member, project reader) with the owner rules older policy files refer to
// (admin_or_owner, admin_or_network_owner, network_owner, shared, external, ...), so an
// operator's policy file written for either generation of Neutron's rules still works.
// Rule names follow neutron/conf/policies/*.py. Attribute rules are `<action>:<attribute>`
// (and `<action>:<attribute>:<key>` for keys inside list/dict attributes).

const ADMIN = 'rule:admin_only';
const PROJECT_MEMBER = 'role:member and project_id:%(project_id)s';
const PROJECT_READER = 'role:reader and project_id:%(project_id)s';
const NET_OWNER_MEMBER = 'role:member and rule:network_owner';
const NET_OWNER_READER = 'role:reader and rule:network_owner';
const PARENT_OWNER_MEMBER = 'role:member and rule:ext_parent_owner';
const PARENT_OWNER_READER = 'role:reader and rule:ext_parent_owner';
const SG_OWNER_MEMBER = 'role:member and rule:sg_owner';
const SG_OWNER_READER = 'role:reader and rule:sg_owner';
const ADVSVC = 'rule:context_is_advsvc';

/** `(a) or (b) or ...` */
const any = (...checks: string[]) => checks.map((c) => `(${c})`).join(' or ');

const ADMIN_OR_MEMBER = any(ADMIN, PROJECT_MEMBER);
const ADMIN_OR_READER = any(ADMIN, PROJECT_READER);

/** create/get/update/delete rules of a project-owned resource; get also passes for `readableIf`. */
function crud(member: string, readableIf: string[] = []): Record<string, string> {
  return {
    [`create_${member}`]: ADMIN_OR_MEMBER,
    [`get_${member}`]: any(ADMIN, PROJECT_READER, ...readableIf),
    [`update_${member}`]: ADMIN_OR_MEMBER,
    [`delete_${member}`]: ADMIN_OR_MEMBER,
  };
}

/** The same check for `<verb>_<member>:<attribute>` for each verb and attribute. */
function attributeRules(member: string, verbs: string[], attributes: string[], check: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const verb of verbs) for (const attribute of attributes) out[`${verb}_${member}:${attribute}`] = check;
  return out;
}

const base: Record<string, string> = {
  context_is_admin: 'role:admin',
  service_api: 'role:service',
  owner: 'tenant_id:%(tenant_id)s',
  admin_or_owner: 'rule:context_is_admin or rule:owner',
  context_is_advsvc: 'role:advsvc',
  admin_or_network_owner: 'rule:context_is_admin or tenant_id:%(network:tenant_id)s',
  admin_owner_or_network_owner: 'rule:owner or rule:admin_or_network_owner',
  network_owner: 'tenant_id:%(network:tenant_id)s',
  admin_only: 'rule:context_is_admin',
  regular_user: '',
  shared: 'field:networks:shared=True',
  external: 'field:networks:router:external=True',
  default: 'rule:admin_or_owner',
  admin_or_ext_parent_owner: 'rule:context_is_admin or tenant_id:%(ext_parent:tenant_id)s',
  ext_parent_owner: 'tenant_id:%(ext_parent:tenant_id)s',
  sg_owner: 'tenant_id:%(security_group:tenant_id)s',
  network_device: 'field:port:device_owner=~^network:',
  admin_or_data_plane_int: 'rule:context_is_admin or role:data_plane_integrator',
  shared_subnetpools: 'field:subnetpools:shared=True',
  shared_address_scopes: 'field:address_scopes:shared=True',
  shared_address_groups: 'field:address_groups:shared=True',
  shared_security_group: 'field:security_groups:shared=True',
  restrict_wildcard: '(not field:rbac_policy:target_tenant=* and not field:rbac_policy:target_project=*) or rule:admin_only',
};

const networks: Record<string, string> = {
  ...crud('network', ['rule:shared', 'rule:external', ADVSVC]),
  ...attributeRules('network', ['create', 'update'], ['shared', 'router:external', 'is_default', 'segments', 'provider:network_type', 'provider:physical_network', 'provider:segmentation_id'], ADMIN),
  ...attributeRules('network', ['get'], ['segments', 'provider:network_type', 'provider:physical_network', 'provider:segmentation_id'], ADMIN),
  ...attributeRules('network', ['create', 'update'], ['port_security_enabled'], ADMIN_OR_MEMBER),
};

const subnets: Record<string, string> = {
  create_subnet: any(ADMIN, NET_OWNER_MEMBER),
  get_subnet: any(ADMIN, PROJECT_READER, 'rule:shared'),
  update_subnet: any(ADMIN, NET_OWNER_MEMBER),
  delete_subnet: any(ADMIN, NET_OWNER_MEMBER),
  ...attributeRules('subnet', ['create', 'update'], ['segment_id', 'service_types'], ADMIN),
  'get_subnet:segment_id': ADMIN,
};

const subnetpools: Record<string, string> = {
  ...crud('subnetpool', ['rule:shared_subnetpools']),
  ...attributeRules('subnetpool', ['create'], ['shared', 'is_default'], ADMIN),
  'update_subnetpool:is_default': ADMIN,
  onboard_network_subnets: ADMIN_OR_MEMBER,
  add_prefixes: ADMIN_OR_MEMBER,
  remove_prefixes: ADMIN_OR_MEMBER,
};

const portNetOwner = any(ADVSVC, 'rule:network_owner', ADMIN);
const ports: Record<string, string> = {
  create_port: ADMIN_OR_MEMBER,
  get_port: any(ADMIN, ADVSVC, PROJECT_READER, NET_OWNER_READER),
  update_port: any(ADMIN, PROJECT_MEMBER, ADVSVC),
  delete_port: any(ADMIN, ADVSVC, PROJECT_MEMBER, NET_OWNER_MEMBER),
  ...attributeRules('port', ['create', 'update'], ['device_owner'], any('not rule:network_device', ADMIN, ADVSVC, 'rule:network_owner')),
  'create_port:mac_address': portNetOwner,
  'update_port:mac_address': any(ADMIN, ADVSVC),
  ...attributeRules('port', ['create', 'update'], ['fixed_ips', 'fixed_ips:subnet_id'], any(ADVSVC, 'rule:network_owner', ADMIN, 'rule:shared')),
  ...attributeRules('port', ['create', 'update'], ['fixed_ips:ip_address', 'port_security_enabled'], portNetOwner),
  ...attributeRules('port', ['create', 'update'], ['binding:host_id', 'binding:profile'], ADMIN),
  ...attributeRules('port', ['create', 'update'], ['binding:vnic_type'], any(ADMIN, PROJECT_MEMBER, ADVSVC)),
  ...attributeRules('port', ['create', 'update'], ['allowed_address_pairs', 'allowed_address_pairs:mac_address', 'allowed_address_pairs:ip_address'], any(ADMIN, 'rule:network_owner')),
  ...attributeRules('port', ['get'], ['binding:vif_type', 'binding:vif_details', 'binding:host_id', 'binding:profile', 'resource_request'], ADMIN),
  ...attributeRules('port', ['create', 'update'], ['data_plane_status'], 'rule:admin_or_data_plane_int'),
};

const routers: Record<string, string> = {
  ...crud('router'),
  ...attributeRules('router', ['create', 'update'], ['external_gateway_info', 'external_gateway_info:network_id'], ADMIN_OR_MEMBER),
  ...attributeRules('router', ['create', 'update'], ['external_gateway_info:enable_snat', 'external_gateway_info:external_fixed_ips', 'distributed', 'ha'], ADMIN),
  ...attributeRules('router', ['get'], ['distributed', 'ha'], ADMIN),
  add_router_interface: ADMIN_OR_MEMBER,
  remove_router_interface: ADMIN_OR_MEMBER,
  add_extraroutes: ADMIN_OR_MEMBER,
  remove_extraroutes: ADMIN_OR_MEMBER,
  add_external_gateways: ADMIN_OR_MEMBER,
  update_external_gateways: ADMIN_OR_MEMBER,
  remove_external_gateways: ADMIN_OR_MEMBER,
};

const floatingips: Record<string, string> = {
  ...crud('floatingip'),
  'create_floatingip:floating_ip_address': ADMIN,
  create_floatingip_port_forwarding: any(ADMIN, PARENT_OWNER_MEMBER),
  get_floatingip_port_forwarding: any(ADMIN, PARENT_OWNER_READER),
  update_floatingip_port_forwarding: any(ADMIN, PARENT_OWNER_MEMBER),
  delete_floatingip_port_forwarding: any(ADMIN, PARENT_OWNER_MEMBER),
  get_floatingip_pool: 'rule:regular_user',
};

const securityGroups: Record<string, string> = {
  ...crud('security_group', ['rule:shared_security_group']),
  create_security_group_rule: any(ADMIN, PROJECT_MEMBER, SG_OWNER_MEMBER),
  get_security_group_rule: any(ADMIN, PROJECT_READER, SG_OWNER_READER),
  delete_security_group_rule: any(ADMIN, PROJECT_MEMBER, SG_OWNER_MEMBER),
  create_default_security_group_rule: ADMIN,
  get_default_security_group_rule: 'rule:regular_user',
  delete_default_security_group_rule: ADMIN,
};

const addressing: Record<string, string> = {
  ...crud('address_scope', ['rule:shared_address_scopes']),
  ...attributeRules('address_scope', ['create', 'update'], ['shared'], ADMIN),
  ...crud('address_group', ['rule:shared_address_groups']),
  add_addresses: ADMIN_OR_MEMBER,
  remove_addresses: ADMIN_OR_MEMBER,
};

const rbacPolicies: Record<string, string> = {
  ...crud('rbac_policy'),
  // A project may share its objects with named projects; only admins share with everyone.
  ...attributeRules('rbac_policy', ['create', 'update'], ['target_tenant'], any(ADMIN, 'not field:rbac_policy:target_tenant=* and not field:rbac_policy:target_project=*')),
};

const operatorOnly: Record<string, string> = {
  get_quota: ADMIN_OR_READER,
  update_quota: ADMIN,
  delete_quota: ADMIN,
  get_network_ip_availability: ADMIN,
  create_segment: ADMIN,
  get_segment: ADMIN,
  update_segment: ADMIN,
  delete_segment: ADMIN,
  create_network_segment_range: ADMIN,
  get_network_segment_range: ADMIN,
  update_network_segment_range: ADMIN,
  delete_network_segment_range: ADMIN,
  get_agent: ADMIN,
  update_agent: ADMIN,
  delete_agent: ADMIN,
  get_availability_zone: 'rule:regular_user',
  get_auto_allocated_topology: ADMIN_OR_READER,
  delete_auto_allocated_topology: ADMIN_OR_MEMBER,
  // Service providers belong to no project, so any reader may list them.
  get_service_provider: 'role:reader',
  'get_dhcp-agents': ADMIN,
  'get_dhcp-networks': ADMIN,
  'create_dhcp-network': ADMIN,
  'delete_dhcp-network': ADMIN,
  'get_l3-agents': ADMIN,
  'get_l3-routers': ADMIN,
  'create_l3-router': ADMIN,
  'delete_l3-router': ADMIN,
  create_metering_label: ADMIN,
  get_metering_label: ADMIN,
  delete_metering_label: ADMIN,
  create_metering_label_rule: ADMIN,
  get_metering_label_rule: ADMIN,
  delete_metering_label_rule: ADMIN,
};

export const DEFAULT_RULES: Readonly<Record<string, string>> = {
  ...base,
  ...networks,
  ...subnets,
  ...subnetpools,
  ...ports,
  ...routers,
  ...floatingips,
  ...securityGroups,
  ...addressing,
  ...rbacPolicies,
  ...operatorOnly,
};

/**
 * Roles that imply others, as Keystone's bootstrap defines them (admin ⇒ member ⇒
 * reader): a token carries the implied roles, so a noauth or external caller listing only
 * `admin` is treated the same way.
 */
export const IMPLIED_ROLES: Readonly<Record<string, string[]>> = {
  admin: ['member', 'reader'],
  member: ['reader'],
};
