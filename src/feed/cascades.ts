// Objects deleted together with another one without going through their own service's
// delete (foreign keys ON DELETE CASCADE, or a service deleting rows with SQL). The feed
// records their deletions when the parent's delete starts; if the delete is refused the
// transaction rolls back and the records with it.
/** Parent collection → the child collection and its column holding the parent id. */
export const CASCADED_DELETES: Record<string, { resource: string; column: string }[]> = {
  // The network service deletes a network's DHCP/auto-delete ports with one statement.
  networks: [{ resource: 'ports', column: 'network_id' }],
  security_groups: [{ resource: 'security_group_rules', column: 'security_group_id' }],
  metering_labels: [{ resource: 'metering_label_rules', column: 'metering_label_id' }],
  floatingips: [{ resource: 'port_forwardings', column: 'floatingip_id' }],
};
