// Helpers shared by migrations: the standard attributes every Neutron resource has.
import type { CreateTableBuilder } from 'kysely';

/** id, project_id, name, description, created_at, updated_at, revision_number. */
export function standardColumns<T extends string>(table: CreateTableBuilder<T, never>, options: { name?: boolean } = {}) {
  let t = table
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)')
    .addColumn('description', 'varchar(1024)', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull().defaultTo(0));
  if (options.name !== false) t = t.addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''));
  return t;
}
