// Port forwardings with port ranges (floating-ip-port-forwarding-port-ranges): the last port
// of each side; external_port / internal_port hold the first. Existing rows are one-port ranges.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('port_forwardings').addColumn('external_port_end', 'integer').execute();
  await db.schema.alterTable('port_forwardings').addColumn('internal_port_end', 'integer').execute();
  await db.updateTable('port_forwardings').set((eb: any) => ({ external_port_end: eb.ref('external_port'), internal_port_end: eb.ref('internal_port') })).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('port_forwardings').dropColumn('internal_port_end').execute();
  await db.schema.alterTable('port_forwardings').dropColumn('external_port_end').execute();
}
