// neutrino CLI: `serve` runs the API server, `db upgrade` applies migrations, `bootstrap`
// prepares the embedded identity (admin, roles, catalog) without serving.
import { Command } from 'commander';
import { loadConfig } from '../config/index.ts';
import { openDatabase } from '../db/index.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { startService } from '../service.ts';
import { createApp } from '../app.ts';
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
  .command('agent')
  .description('run the host agent of the linux backend (L2 bridges and VXLAN, DHCP, metadata) for this host')
  .option('--agent-config <file>', 'agent configuration (YAML); default $NEUTRINO_AGENT_CONFIG')
  .option('--cleanup', 'remove what the agent created on this host (bridges, VXLAN devices, DHCP namespaces, dnsmasq) and exit')
  .action(async (options: { agentConfig?: string; cleanup?: boolean }) => {
    // Loaded on demand: `serve` does not pay for the agent's modules at start-up.
    const [{ Agent }, { loadAgentConfig }] = await Promise.all([import('../agent/agent.ts'), import('../agent/config.ts')]);
    const agent = new Agent(loadAgentConfig(options.agentConfig));
    if (options.cleanup) {
      await agent.cleanupHost();
      return;
    }
    await agent.start();
    const stop = async () => {
      await agent.stop();
      process.exit(0);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });

program
  .command('plug')
  .description("plug a workload's network namespace into a port (veth pair with the port's MAC and MTU)")
  .argument('<port>', 'port id')
  .requiredOption('--netns <name>', "the workload's network namespace")
  .option('--ifname <name>', 'interface name inside the namespace', 'eth0')
  .option('--agent-config <file>', 'agent configuration (YAML); default $NEUTRINO_AGENT_CONFIG')
  .action(async (portId: string, options: { netns: string; ifname: string; agentConfig?: string }) => {
    const [{ plug }, { loadAgentConfig }] = await Promise.all([import('../agent/plug.ts'), import('../agent/config.ts')]);
    const result = await plug(loadAgentConfig(options.agentConfig), portId, options.netns, options.ifname);
    console.log(`${result.device} ${result.created ? 'created' : 'already present'}: ${options.netns}/${options.ifname} ${result.port.mac_address}`);
  });

program
  .command('unplug')
  .description("remove a port's veth pair")
  .argument('<port>', 'port id')
  .option('--agent-config <file>', 'agent configuration (YAML); default $NEUTRINO_AGENT_CONFIG')
  .action(async (portId: string, options: { agentConfig?: string }) => {
    const [{ unplug }, { loadAgentConfig }] = await Promise.all([import('../agent/plug.ts'), import('../agent/config.ts')]);
    console.log((await unplug(loadAgentConfig(options.agentConfig), portId)) ? 'unplugged' : 'not plugged');
  });

const db = program.command('db').description('database maintenance');
db.command('upgrade')
  .description('apply all pending schema migrations')
  .action(async () => {
    const config = loadConfig({ file: program.opts().config });
    const database = await openDatabase(config.database.url, { migrate: false });
    const applied = await migrateToLatest(database, (name) => console.log(`applying ${name}`));
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    await database.close();
  });

program.parseAsync(process.argv).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
