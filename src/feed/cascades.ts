// Objects deleted together with another one without going through their own service's
// delete (foreign keys ON DELETE CASCADE, or a service deleting rows with SQL). The feed
// records their deletions when the parent's delete starts; if the delete is refused the
// transaction rolls back and the records with it.
import type { Tx } from '../db/index.ts';
import type { ChangeFeed } from './feed.ts';

/** Parent collection → the child collection and its column holding the parent id. */
export const CASCADED_DELETES: Record<string, { resource: string; column: string }[]> = {
  // The network service deletes a network's DHCP/auto-delete ports with one statement.
  networks: [{ resource: 'ports', column: 'network_id' }],
  security_groups: [{ resource: 'security_group_rules', column: 'security_group_id' }],
  metering_labels: [{ resource: 'metering_label_rules', column: 'metering_label_id' }],
  floatingips: [{ resource: 'port_forwardings', column: 'floatingip_id' }],
};

/**
 * Records the deletion of what goes with the object: its CASCADED_DELETES children and,
 * for objects shared by RBAC (rbacType), the RBAC policies on it.
 */
export async function recordCascadedDeletes(feed: ChangeFeed, trx: Tx, collection: string, id: string, rbacType?: string): Promise<void> {
  for (const child of CASCADED_DELETES[collection] ?? []) await feed.recordDeletesWhere(trx, child.resource, { [child.column]: id });
  if (rbacType) await feed.recordDeletesWhere(trx, 'rbac_policies', { object_type: rbacType, object_id: id });
}
