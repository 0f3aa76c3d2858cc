// neutrino CLI: `serve` runs the API server, `db upgrade` applies migrations.
import { Command } from 'commander';
import { loadConfig } from '../config/index.ts';
import { openDatabase } from '../db/index.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { startService } from '../service.ts';

const program = new Command();
program.name('neutrino').description('Networking-as-a-service serving the OpenStack Networking API v2.0');
program.option('-c, --config <file>', 'configuration file (YAML); default ./neutrino.yaml or $NEUTRINO_CONFIG');

program
  .command('serve')
  .description('start the API server')
  .action(async () => {
    const config = loadConfig({ file: program.opts().config });
    const service = await startService(config);
    const stop = async () => {
      await service.close();
      process.exit(0);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });

const db = program.command('db').description('database maintenance');
db.command('upgrade')
  .description('apply all pending schema migrations')
  .action(async () => {
    const config = loadConfig({ file: program.opts().config });
    const database = await openDatabase(config.database.url, { migrate: false });
    const applied = await migrateToLatest(database);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    await database.close();
  });

program.parseAsync(process.argv).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
