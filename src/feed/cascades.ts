// Objects a database cascade (foreign keys ON DELETE CASCADE) deletes with another one,
// without their service. The feed records their deletions when the parent's delete starts;
// if the delete is refused the transaction rolls back and the records with it. (Services
// that delete rows with SQL record them themselves, e.g. with RETURNING: the network
// service's DHCP ports, the RBAC policies of a deleted object.)
/** Parent collection → the child collection and its column holding the parent id. */
export const CASCADED_DELETES: Record<string, { resource: string; column: string }[]> = {
  security_groups: [{ resource: 'security_group_rules', column: 'security_group_id' }],
  metering_labels: [{ resource: 'metering_label_rules', column: 'metering_label_id' }],
  floatingips: [{ resource: 'port_forwardings', column: 'floatingip_id' }],
};
