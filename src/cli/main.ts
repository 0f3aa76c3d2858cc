// neutrino CLI: `serve` runs the API server, `db upgrade` applies migrations, `bootstrap`
// prepares the embedded identity (admin, roles, catalog) without serving.
import fs from 'node:fs';
import { Command } from 'commander';
import type { Logger } from 'pino';
import { loadConfig } from '../config/index.ts';
import { openDatabase } from '../db/index.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { startService } from '../service.ts';
import { allMigrations, createApp } from '../app.ts';
import { Identity } from '../identity/identity.ts';
import { bootstrapAndAnnounce } from '../identity/bootstrap.ts';

/** package.json's version (two levels up from src/cli/ and from dist/cli/). */
function version(): string {
  try {
    return JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** Seconds `serve` (requests in flight) and `agent` wait after SIGTERM/SIGINT before exiting anyway. */
const DRAIN_SECONDS = 30;

/**
 * SIGTERM (systemd, docker, kill) and SIGINT (Ctrl-C) run close() and exit 0 (1 if it
 * fails). A second signal, or a close() longer than DRAIN_SECONDS, exits at once.
 */
function stopOnSignals(name: string, log: Logger, doing: string, close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, `${name} stopping: ${doing}`);
    const force = setTimeout(() => {
      log.error({ seconds: DRAIN_SECONDS }, 'still stopping after the drain period: exiting');
      process.exit(1);
    }, DRAIN_SECONDS * 1000);
    force.unref();
    close().then(
      () => {
        log.info(`${name} stopped`);
        process.exit(0);
      },
      (err) => {
        log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

const program = new Command();
program.name('neutrino').description('Networking-as-a-service serving the OpenStack Networking API v2.0').version(version(), '-V, --version');
program.option('-c, --config <file>', 'configuration file (YAML); default ./neutrino.yaml or $NEUTRINO_CONFIG');

program
  .command('serve')
  .description('start the API server')
  .action(async () => {
    const config = loadConfig({ file: program.opts().config });
    const service = await startService(config);
    // Stop accepting, let requests in flight finish, close the database.
    stopOnSignals('neutrino', service.app.log, 'draining requests in flight', () => service.close());
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
    stopOnSignals('agent', agent.log, 'ending its watch, flushing status reports', () => agent.stop());
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

program
  .command('explain')
  .description('explain whether traffic gets from SRC to DST (port id, port name or address) and what blocks it, through the API (OS_CLOUD, OS_AUTH_URL/OS_USERNAME/... or OS_TOKEN); exit 0 reachable, 2 not reachable, 3 unknown, 4 drift (--verify)')
  .argument('<src>', 'source: a port id or name, or an address outside the cloud')
  .argument('<dst>', 'destination: a port id or name, a fixed or floating IP, or an external address')
  .option('--protocol <protocol>', 'tcp, udp, icmp or any', 'tcp')
  .option('--port <port>', 'destination port (tcp/udp) or ICMP type')
  .option('--source-ip <address>', "the source port's address to send from (default: its first fixed IP)")
  .option('--json', "print the API's answer as JSON")
  .option('--verify', 'have the backend check the path in the realized dataplane (admins)')
  .action(async (src: string, dst: string, options: { protocol: string; port?: string; sourceIp?: string; json?: boolean; verify?: boolean }) => {
    const { explainCommand } = await import('./explain.ts');
    process.exitCode = await explainCommand(src, dst, options);
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

const ovn = program.command('ovn').description('a private single-host OVN for development and tests (src/backends/ovn/sandbox.ts)');
ovn
  .command('start')
  .description('start NB/SB ovsdb-servers and ovn-northd (and with --chassis, ovs-vswitchd in userspace mode and ovn-controller) in their own run directory')
  .requiredOption('--dir <dir>', 'run directory (databases, sockets, logs, pid files)')
  .option('--chassis <name>', 'also start a chassis with this system-id/hostname')
  .option('--encap <type>', 'chassis encapsulation: geneve or vxlan', 'geneve')
  .action(async (options: { dir: string; chassis?: string; encap: string }) => {
    const { startSandbox } = await import('../backends/ovn/sandbox.ts');
    const sandbox = await startSandbox({ dir: options.dir, chassis: options.chassis, encap: { type: options.encap === 'vxlan' ? 'vxlan' : 'geneve', ip: '127.0.0.1' } });
    console.log(`backend:\n  driver: ovn\n  ovn:\n    nb_connection: ${sandbox.nb}\n    sb_connection: ${sandbox.sb}`);
    console.log(`# ovn-nbctl/ovn-sbctl/ovn-trace: export OVN_NB_DB=${sandbox.nb} OVN_SB_DB=${sandbox.sb}`);
    if (sandbox.chassis) console.log(`# chassis ${sandbox.chassis.name}: ovs-vsctl --db=${sandbox.chassis.ovs}; the metadata agent's ovs_db: ${sandbox.chassis.ovs}`);
  });
ovn
  .command('metadata-agent')
  .description("OVN's metadata agent for this chassis: a namespace per network plugged into br-int as its metadata localport, answering 169.254.169.254 (agent configuration: host, server, auth, ovs_db, state_dir)")
  .option('--agent-config <file>', 'agent configuration (YAML); default $NEUTRINO_AGENT_CONFIG')
  .option('--cleanup', 'remove the namespaces and proxies it created and exit')
  .action(async (options: { agentConfig?: string; cleanup?: boolean }) => {
    const [{ Agent }, { loadAgentConfig }, { ovnMetadata }] = await Promise.all([import('../agent/agent.ts'), import('../agent/config.ts'), import('../agent/ovn-metadata/ovn-metadata.ts')]);
    const agent = new Agent(loadAgentConfig(options.agentConfig), [ovnMetadata]);
    if (options.cleanup) {
      await agent.cleanupHost();
      return;
    }
    await agent.start();
    stopOnSignals('ovn metadata agent', agent.log, 'ending its watch', () => agent.stop());
  });
ovn
  .command('stop')
  .description('stop the daemons started in a run directory (by the PIDs in its pid files)')
  .requiredOption('--dir <dir>', 'run directory given to start')
  .action(async (options: { dir: string }) => {
    const { stopSandbox } = await import('../backends/ovn/sandbox.ts');
    const pids = await stopSandbox(options.dir);
    console.log(pids.length ? `stopped PIDs ${pids.join(' ')}` : 'nothing was running');
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
  // Start-up errors name their cause (config variable, listener and setting, database path):
  // one line on stderr, not a stack trace.
  console.error(`neutrino: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.NEUTRINO_DEBUG && err instanceof Error) console.error(err.stack);
  process.exit(1);
});
