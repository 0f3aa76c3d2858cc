// An OVN test environment: a private OVN (NB/SB ovsdb-servers, ovn-northd; optionally a
// chassis) in a temporary run directory, and a Neutrino on a fresh PostgreSQL database
// with the `ovn` backend pointed at it. close() stops the daemons by PID and removes all.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startChassis, startSandbox, stopSandbox, type Chassis, type ChassisOptions, type Sandbox } from '../../src/backends/ovn/sandbox.ts';
import type { OvnDriver } from '../../src/backends/ovn/driver.ts';
import { must, run, waitFor } from './harness.ts';

export interface OvnEnv {
  sandbox: Sandbox;
  server: TestServer;
  driver: OvnDriver;
  nbctl(...args: string[]): Promise<string>;
  sbctl(...args: string[]): Promise<string>;
  /** ovs-vsctl on the chassis' Open_vSwitch database (started with a chassis). */
  vsctl(...args: string[]): Promise<string>;
  /** ovn-trace on a datapath with a microflow; one `--ct=new` per ct_next unless ct is given. */
  trace(datapath: string, microflow: string, ct?: string[]): Promise<string>;
  /** Starts another chassis on this sandbox's SB (stopped by close()); vsctl/appctl reach it. */
  addChassis(options: Omit<ChassisOptions, 'dir' | 'sb'>): Promise<ChassisHandle>;
  /** A TCP server in namespace ns on port answering each connection with the source address it saw (stopped by close()). */
  sourceEcho(ns: string, port: number): Promise<void>;
  /** The source address the echo server at address:port saw for a connection from ns (null: no connection). */
  seenSource(ns: string, address: string, port: number): Promise<string | null>;
  /**
   * `neutrino ovn metadata-agent` for a chassis (a real process, stopped by close()): host =
   * the chassis name, its ip commands in netns, namespaces named `<namespacePrefix>ovnmeta-…`.
   */
  startMetadataAgent(o: { chassis: Chassis; netns: string; namespacePrefix: string }): Promise<void>;
  /** Waits until the driver has written every change the API committed, and northd has computed SB from it. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ChassisHandle {
  chassis: Chassis;
  vsctl(...args: string[]): Promise<string>;
  /** ovs-appctl to this chassis' ovs-vswitchd. */
  appctl(...args: string[]): Promise<string>;
}

/** Why the OVN tests cannot run here, or null (they need the OVN daemons: Debian ovn-central). */
export function ovnSupport(): string | null {
  for (const tool of ['/usr/sbin/ovsdb-server', '/usr/bin/ovn-northd', '/usr/bin/ovn-trace']) if (!existsSync(tool)) return `needs ${tool} (Debian: ovn-central, openvswitch-switch)`;
  return null;
}

function exec(cmd: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(String(stdout));
    });
  });
}

export async function startOvnEnv(options: { resyncSeconds?: number; chassis?: string | Omit<ChassisOptions, 'dir' | 'sb'>; netns?: string; config?: Record<string, unknown> } = {}): Promise<OvnEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'neutrino-ovn-'));
  let sandbox: Sandbox | undefined;
  let server: TestServer | undefined;
  try {
    sandbox = await startSandbox({ dir, chassis: options.chassis, netns: options.netns });
    const env = sandbox.env;
    const nbctl = (...args: string[]) => exec('ovn-nbctl', [`--db=${sandbox!.nb}`, ...args], env);
    const sbctl = (...args: string[]) => exec('ovn-sbctl', [`--db=${sandbox!.sb}`, ...args], env);
    await nbctl('init');
    server = await startTestServer('postgres', {
      'backend.driver': 'ovn',
      'backend.ovn_nb_connection': sandbox.nb,
      'backend.ovn_sb_connection': sandbox.sb,
      'backend.ovn_resync_seconds': options.resyncSeconds ?? 0,
      'feed.poll_seconds': 1,
      ...options.config,
    });
    const driver = server.service.app.backend as OvnDriver;
    const s = sandbox;
    const srv = server;
    const servers: ChildProcess[] = [];
    const agents: { child: ChildProcess; config: string }[] = [];
    return {
      sandbox: s,
      server: srv,
      driver,
      nbctl,
      sbctl,
      vsctl: (...args: string[]) => exec('ovs-vsctl', [`--db=${s.ovs}`, ...args], env),
      async addChassis(options) {
        const chassis = await startChassis({ ...options, dir, sb: s.sb });
        return {
          chassis,
          vsctl: (...args: string[]) => exec('ovs-vsctl', [`--db=${chassis.ovs}`, ...args], chassis.env),
          appctl: (...args: string[]) => exec('ovs-appctl', ['-t', join(chassis.dir, 'vswitchd.ctl'), ...args], chassis.env),
        };
      },
      trace: (datapath, microflow, ct = ['new', 'new']) => exec('ovn-trace', ['--no-friendly-names', `--db=${s.sb}`, ...ct.map((c) => `--ct=${c}`), datapath, microflow], env),
      async settle() {
        const deadline = Date.now() + 30_000;
        while (driver.position < (await srv.service.app.feed.head())) {
          if (Date.now() > deadline) throw new Error('the ovn backend did not catch up with the change feed in 30 s');
          await new Promise((r) => setTimeout(r, 20));
        }
        await nbctl('--wait=sb', 'sync');
      },
      async sourceEcho(ns, port) {
        const code = `require('net').createServer((s) => s.end(s.remoteAddress + '\\n')).listen(${port}, '0.0.0.0');`;
        servers.push(spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', code], { stdio: 'ignore' }));
        await waitFor(`source echo server in ${ns}`, async () => (await run('ip', ['netns', 'exec', ns, 'curl', '-s', '--max-time', '1', '--http0.9', `http://127.0.0.1:${port}/`])).stdout.trim() === '127.0.0.1');
      },
      async seenSource(ns, address, port) {
        const r = await run('ip', ['netns', 'exec', ns, 'curl', '-s', '--max-time', '3', '--http0.9', `http://${address}:${port}/`]);
        return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : null;
      },
      async startMetadataAgent(o) {
        const stateDir = join(dir, `metadata-${o.chassis.name}`);
        mkdirSync(stateDir, { recursive: true });
        const config = join(stateDir, 'agent.json');
        const settings = { host: o.chassis.name, server: srv.url, auth: { noauth: true }, netns: o.netns, namespace_prefix: o.namespacePrefix, state_dir: stateDir, ovs_db: o.chassis.ovs, report_interval: 1, resync_interval: 5 };
        writeFileSync(config, JSON.stringify(settings));
        const log = openSync(join(stateDir, 'agent.log'), 'a');
        const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'ovn', 'metadata-agent', '--agent-config', config], { cwd: ROOT, stdio: ['ignore', log, log] });
        closeSync(log);
        agents.push({ child, config });
        await waitFor(`the metadata agent of ${o.chassis.name} registered`, async () => {
          if (child.exitCode !== null) throw new Error(`metadata agent exited: ${readFileSync(join(stateDir, 'agent.log'), 'utf8').slice(-2000)}`);
          const listed = (await srv.admin.get(`/v2.0/agents?host=${o.chassis.name}&agent_type=OVN Metadata agent`)).body.agents;
          return listed.length === 1 && listed[0].alive;
        }, 60_000, 200);
      },
      async close() {
        for (const child of servers) child.kill('SIGKILL');
        for (const { child, config } of agents) {
          // SIGTERM ends its watch; --cleanup then removes its namespaces and proxies.
          if (child.exitCode === null) await new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); });
          await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'ovn', 'metadata-agent', '--cleanup', '--agent-config', config], { timeoutMs: 60_000 });
        }
        await srv.close();
        await stopSandbox(dir);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await server?.close().catch(() => {});
    await stopSandbox(dir).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * A workload namespace `ns` on a port: a veth from the hypervisor namespace `hv` (`hostSide`)
 * into br-int with iface-id = port id, the port's MAC on eth0, and TX checksum offload off
 * (the userspace datapath does not complete offloaded checksums: TCP would move no bytes).
 */
export async function plugWorkload(o: { hv: string; ns: string; hostSide: string; port: { id: string; mac_address: string }; vsctl(...args: string[]): Promise<string> }): Promise<void> {
  await must('ip', ['netns', 'add', o.ns]);
  await must('ip', ['-n', o.hv, 'link', 'add', o.hostSide, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', o.ns]);
  await must('ip', ['-n', o.ns, 'link', 'set', 'eth0', 'address', o.port.mac_address, 'up']);
  await must('ip', ['-n', o.ns, 'link', 'set', 'lo', 'up']);
  await must('ip', ['netns', 'exec', o.ns, 'ethtool', '-K', 'eth0', 'tx', 'off']);
  await must('ip', ['-n', o.hv, 'link', 'set', o.hostSide, 'up']);
  await o.vsctl('add-port', 'br-int', o.hostSide, '--', 'set', 'Interface', o.hostSide, `external_ids:iface-id=${o.port.id}`);
}
