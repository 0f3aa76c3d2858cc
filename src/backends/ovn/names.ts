// How Neutron objects are named and keyed in the OVN northbound database, as ML2/OVN does
// (so an operator who knows ML2/OVN finds their way): switches and routers `neutron-<id>`,
// switch ports by the port id, router ports `lrp-<port id>`, port groups `pg_<sg id with _>`,
// and `neutron:*` external_ids (revision numbers, names, the rule or floating IP id).
import type { ReplicaRow } from '../../ovsdb/index.ts';

export const switchName = (networkId: string) => `neutron-${networkId}`;
export const routerName = (routerId: string) => `neutron-${routerId}`;
export const routerPortName = (portId: string) => `lrp-${portId}`;
export const localnetPortName = (networkId: string) => `provnet-${networkId}`;
export const portGroupName = (sgId: string) => `pg_${sgId.replace(/-/g, '_')}`;
/** Ports with port security are members: traffic no rule allows is dropped (ML2/OVN's neutron_pg_drop). */
export const DROP_PORT_GROUP = 'neutron_pg_drop';
export const addressSetName = (addressGroupId: string, version: 4 | 6) => `ag_${addressGroupId.replace(/-/g, '_')}_ip${version}`;

export const EXT = {
  revision: 'neutron:revision_number',
  networkName: 'neutron:network_name',
  portName: 'neutron:port_name',
  deviceId: 'neutron:device_id',
  deviceOwner: 'neutron:device_owner',
  projectId: 'neutron:project_id',
  cidrs: 'neutron:cidrs',
  securityGroups: 'neutron:security_group_ids',
  sgId: 'neutron:security_group_id',
  ruleId: 'neutron:security_group_rule_id',
  defaultAcl: 'neutron:default_acl',
  routerName: 'neutron:router_name',
  fipId: 'neutron:fip_id',
  fipPortId: 'neutron:fip_port_id',
  isExtGw: 'neutron:is_ext_gw',
  subnetId: 'subnet_id',
  portId: 'port_id',
  addressGroupId: 'neutron:address_group_id',
  /** Neutrino's own key for rows ML2/OVN identifies by content (SNAT rules, static routes). */
  key: 'neutrino:key',
} as const;

const ext = (row: ReplicaRow): Record<string, string> => (row.external_ids ?? {}) as Record<string, string>;

/** The key of an NB row Neutrino manages, or null for rows it leaves alone. */
export function keyOf(table: string, row: ReplicaRow): string | null {
  const e = ext(row);
  const name = typeof row.name === 'string' ? row.name : '';
  switch (table) {
    case 'Logical_Switch':
    case 'Logical_Router':
      return name.startsWith('neutron-') ? name : null;
    case 'Logical_Switch_Port':
      return e[EXT.networkName] !== undefined ? name : null;
    case 'Logical_Router_Port':
      return name.startsWith('lrp-') ? name : null;
    case 'Port_Group':
      return name === DROP_PORT_GROUP || name.startsWith('pg_') ? name : null;
    case 'Address_Set':
      return e[EXT.addressGroupId] !== undefined ? name : null;
    case 'ACL':
      return e[EXT.ruleId] ?? e[EXT.defaultAcl] ?? null;
    case 'DHCP_Options':
      return e[EXT.subnetId] !== undefined ? (e[EXT.portId] ? `${e[EXT.subnetId]}/${e[EXT.portId]}` : e[EXT.subnetId]) : null;
    case 'NAT':
      return e[EXT.fipId] ?? e[EXT.key] ?? null;
    case 'Logical_Router_Static_Route':
      return e[EXT.key] ?? null;
    case 'Load_Balancer':
      return name.startsWith('pf-floatingip-') ? name : null;
    case 'Gateway_Chassis':
      return name.startsWith('lrp-') ? name : null;
    default:
      return null;
  }
}
