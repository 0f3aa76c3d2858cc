// Versioned schema migrations (Kysely's Migrator). Each file in ./migrations is one
// version; they run in name order, once, and are recorded in kysely_migration.
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { migrations } from './migrations/index.ts';

class StaticProvider implements MigrationProvider {
  constructor(private readonly onStep?: (name: string) => void) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const onStep = this.onStep;
    if (!onStep) return migrations;
    return Object.fromEntries(
      Object.entries(migrations).map(([name, m]) => [name, { ...m, up: async (db: Kysely<any>) => (onStep(name), m.up(db)) }]),
    );
  }
}

/**
 * Applies every pending migration. They run in one transaction on both databases (SQLite
 * through an adapter that declares its transactional DDL, db/index.ts), so a crash leaves
 * the schema as it was before, never half-migrated. `onStep` is told each migration's name
 * as it starts (progress for `neutrino db upgrade`).
 * `database`: an open Database (typed structurally: db/index.ts imports this file).
 */
export async function migrateToLatest(database: { readonly db: Kysely<any> }, onStep?: (name: string) => void): Promise<string[]> {
  const migrator = new Migrator({ db: database.db, provider: new StaticProvider(onStep), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
