// Neutron's default rules for ports (neutron/conf/policies/port.py), with its `service` role
// (rule:service_api) wherever a service creates, binds or reads ports (the host agents here).
import { ADMIN, ADMIN_OR_MEMBER, ADVSVC, anyOf, attributeRules, NET_OWNER_MEMBER, NET_OWNER_READER, PROJECT_MEMBER, PROJECT_READER, SERVICE } from '../../policy/defaults.ts';

const portNetOwner = anyOf(ADVSVC, 'rule:network_owner', ADMIN, SERVICE);

export const portRules: Record<string, string> = {
  network_device: 'field:port:device_owner=~^network:',
  admin_or_data_plane_int: 'rule:context_is_admin or role:data_plane_integrator',
  create_port: anyOf(ADMIN_OR_MEMBER, SERVICE),
  get_port: anyOf(ADMIN, ADVSVC, PROJECT_READER, NET_OWNER_READER, SERVICE),
  update_port: anyOf(ADMIN, PROJECT_MEMBER, ADVSVC, SERVICE),
  delete_port: anyOf(ADMIN, ADVSVC, PROJECT_MEMBER, NET_OWNER_MEMBER, SERVICE),
  ...attributeRules('port', ['create', 'update'], ['device_owner'], anyOf('not rule:network_device', ADMIN, ADVSVC, 'rule:network_owner', SERVICE)),
  'create_port:mac_address': portNetOwner,
  'update_port:mac_address': anyOf(ADMIN, ADVSVC),
  ...attributeRules('port', ['create', 'update'], ['fixed_ips', 'fixed_ips:subnet_id'], anyOf(ADVSVC, 'rule:network_owner', ADMIN, 'rule:shared', SERVICE)),
  ...attributeRules('port', ['create', 'update'], ['fixed_ips:ip_address', 'port_security_enabled'], portNetOwner),
  ...attributeRules('port', ['create', 'update'], ['binding:host_id', 'binding:profile'], anyOf(ADMIN, SERVICE)),
  ...attributeRules('port', ['create', 'update'], ['binding:vnic_type'], anyOf(ADMIN, PROJECT_MEMBER, ADVSVC)),
  ...attributeRules('port', ['create', 'update'], ['allowed_address_pairs', 'allowed_address_pairs:mac_address', 'allowed_address_pairs:ip_address'], anyOf(ADMIN, 'rule:network_owner')),
  ...attributeRules('port', ['get'], ['binding:vif_type', 'binding:vif_details', 'binding:host_id', 'binding:profile', 'resource_request'], anyOf(ADMIN, SERVICE)),
  ...attributeRules('port', ['create', 'update'], ['data_plane_status'], 'rule:admin_or_data_plane_int'),
};
