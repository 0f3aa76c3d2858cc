// Indexes for the lookups a reachability question makes whatever the number of ports:
// which port holds an address (Neutron's ipallocations key starts with ip_address; ours
// with subnet_id), which ports are on a network (router interfaces, allowed address pairs;
// Neutron indexes ports.network_id as a foreign key) and which floating IP has an address.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('ipallocations_ip_address').ifNotExists().on('ipallocations').column('ip_address').execute();
  await db.schema.createIndex('ports_network').ifNotExists().on('ports').column('network_id').execute();
  await db.schema.createIndex('floatingips_address').ifNotExists().on('floatingips').column('floating_ip_address').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['ipallocations_ip_address', 'ports_network', 'floatingips_address']) await db.schema.dropIndex(name).ifExists().execute();
}
