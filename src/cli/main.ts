// neutrino CLI: `serve` runs the API server, `db upgrade` applies migrations, `bootstrap`
// prepares the embedded identity (admin, roles, catalog) without serving.
import { Command } from 'commander';
import { loadConfig } from '../config/index.ts';
import { openDatabase } from '../db/index.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { startService } from '../service.ts';
import { allMigrations, createApp } from '../app.ts';
import { Identity } from '../identity/identity.ts';
import { bootstrapAndAnnounce } from '../identity/bootstrap.ts';

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

program
  .command('bootstrap')
  .description('create the Default domain, admin project/user, roles and catalog of the embedded identity (idempotent)')
  .action(async () => {
    const config = loadConfig({ file: program.opts().config });
    const app = await createApp(config);
    try {
      const result = await bootstrapAndAnnounce(new Identity(app));
      if (!result.createdAdmin) console.log(`Identity already bootstrapped: admin user ${config.auth.admin_user} (${result.adminUserId}), project ${config.auth.admin_project} (${result.adminProjectId}); catalog refreshed.`);
    } finally {
      await app.close();
    }
  });

program
  .command('wiring')
  .description("print the wiring graph: which feature reacts to, vetoes, extends or filters which resource, in the order the edges run")
  .action(async () => {
    const config = loadConfig({ file: program.opts().config });
    // The graph is assembled when the services are built; an in-memory database suffices.
    const app = await createApp({ ...config, database: { ...config.database, url: 'sqlite::memory:' } });
    try {
      console.log(`features, in build order: ${app.features.map((f) => f.name).join(', ')}`);
      console.log('edges of a phase run in that order; (owner) is the resource\'s own step: first, except before a delete\n');
      for (const line of app.wiring.describe()) console.log(line);
    } finally {
      await app.close();
    }
  });

const db = program.command('db').description('database maintenance');
db.command('upgrade')
  .description('apply all pending schema migrations')
  .action(async () => {
    const config = loadConfig({ file: program.opts().config });
    const database = await openDatabase(config.database.url, { migrate: false });
    const applied = await migrateToLatest(database, await allMigrations(), (name) => console.log(`applying ${name}`));
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    await database.close();
  });

program.parseAsync(process.argv).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
