// A private OVN for development and tests (`neutrino ovn start|stop`): the northbound and
// southbound ovsdb-servers and ovn-northd in one run directory of their own (databases,
// sockets, logs, pid files), and chassis — ovs-vswitchd in userspace mode
// (datapath_type=netdev) with ovn-controller — each in a directory below it, optionally in a
// network namespace of its own, so several "hypervisors" run on one host. Daemons detach and
// are stopped by the PIDs in their pid files, so nothing else on the machine is touched.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const NB_SCHEMA = '/usr/share/ovn/ovn-nb.ovsschema';
export const SB_SCHEMA = '/usr/share/ovn/ovn-sb.ovsschema';
export const VSWITCH_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

export interface SandboxOptions {
  /** Run directory (created); every file of the sandbox lives here. */
  dir: string;
  /** Start the southbound database and ovn-northd (default true). */
  central?: boolean;
  /** Also start a chassis (by name, or with its options): see startChassis. */
  chassis?: string | Omit<ChassisOptions, 'dir' | 'sb'>;
  /** Encapsulation for a chassis given by name (default geneve on 127.0.0.1). */
  encap?: ChassisOptions['encap'];
  /** Network namespace of a chassis given by name. */
  netns?: string;
}

export interface ChassisOptions {
  /** The central sandbox's run directory: the chassis gets `chassis-<name>/` below it. */
  dir: string;
  /** The southbound database ovn-controller connects to. */
  sb: string;
  /** system-id and hostname. */
  name: string;
  /** Encapsulation (default geneve on 127.0.0.1). */
  encap?: { type: 'geneve' | 'vxlan'; ip: string };
  /** Network namespace ovs-vswitchd runs in (its bridges and ports live there); default: the caller's. */
  netns?: string;
  /**
   * The underlay: the userspace datapath sends tunnel packets itself, through its own route and
   * ARP tables, and only out of an OVS bridge of the netdev datapath that holds the tunnel
   * endpoint address. So `device` (in netns) goes on a netdev bridge `br-phy`, and br-phy's
   * internal interface gets the encap IP with this prefix length.
   */
  underlay?: { device: string; prefixLength: number };
  /** ovn-bridge-mappings, physical network → bridge; each bridge is created (netdev). */
  bridgeMappings?: Record<string, string>;
}

export interface Sandbox {
  dir: string;
  nb: string;
  sb: string;
  /** The chassis' Open_vSwitch database, when started with a chassis. */
  ovs?: string;
  /** The chassis started with the sandbox. */
  chassis?: Chassis;
  /** Environment for ovn-nbctl/ovn-sbctl/ovn-trace/ovs-vsctl to reach this sandbox. */
  env: Record<string, string>;
}

export interface Chassis {
  name: string;
  /** Its own run directory (Open_vSwitch database, sockets, logs, pid files). */
  dir: string;
  /** Its Open_vSwitch database. */
  ovs: string;
  /** Environment for ovs-vsctl/ovs-appctl to reach this chassis. */
  env: Record<string, string>;
}

/** The daemons in start order; stop() goes in reverse. */
const DAEMONS = ['nb', 'sb', 'northd', 'ovs-db', 'vswitchd', 'controller'];
const CHASSIS_PREFIX = 'chassis-';

function daemonArgs(dir: string, name: string): string[] {
  // ovn-controller has no --unixctl: its control socket goes to OVN_RUNDIR (the run directory).
  const unixctl = name === 'controller' ? [] : [`--unixctl=${join(dir, `${name}.ctl`)}`];
  return [`--pidfile=${join(dir, `${name}.pid`)}`, `--log-file=${join(dir, `${name}.log`)}`, ...unixctl, '--detach', '--no-chdir'];
}

async function startDb(dir: string, name: string, schema: string): Promise<string> {
  const db = join(dir, `${name}.db`);
  if (!existsSync(db)) await run('ovsdb-tool', ['create', db, schema]);
  const socket = join(dir, `${name}.sock`);
  await run('ovsdb-server', [db, `--remote=punix:${socket}`, ...daemonArgs(dir, name)], { env: sandboxEnv(dir) });
  return `unix:${socket}`;
}

function sandboxEnv(dir: string): Record<string, string> {
  return { ...(process.env as Record<string, string>), OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir, OVN_RUNDIR: dir, OVN_LOGDIR: dir, OVN_DBDIR: dir };
}

/** Starts the sandbox's daemons (each only if not already running from this directory). */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const env = sandboxEnv(dir);
  const central = options.central !== false;
  const nb = running(dir, 'nb') ? `unix:${join(dir, 'nb.sock')}` : await startDb(dir, 'nb', NB_SCHEMA);
  let sb = `unix:${join(dir, 'sb.sock')}`;
  if (central) {
    if (!running(dir, 'sb')) sb = await startDb(dir, 'sb', SB_SCHEMA);
    if (!running(dir, 'northd')) await run('ovn-northd', [`--ovnnb-db=${nb}`, `--ovnsb-db=${sb}`, ...daemonArgs(dir, 'northd')], { env });
  }
  const sandbox: Sandbox = { dir, nb, sb, env: { ...env, OVN_NB_DB: nb, OVN_SB_DB: sb } };
  if (options.chassis) {
    const given = typeof options.chassis === 'string' ? { name: options.chassis, encap: options.encap, netns: options.netns } : options.chassis;
    const chassis = await startChassis({ ...given, dir, sb });
    sandbox.chassis = chassis;
    sandbox.ovs = chassis.ovs;
    sandbox.env.DB_SOCK = chassis.ovs.slice(5);
  }
  return sandbox;
}

/**
 * Starts a chassis: its own Open_vSwitch database, ovs-vswitchd (userspace datapath) and
 * ovn-controller, in `<dir>/chassis-<name>/` (so several chassis share one central sandbox
 * and stopSandbox stops them all).
 */
export async function startChassis(options: ChassisOptions): Promise<Chassis> {
  const dir = join(resolve(options.dir), `${CHASSIS_PREFIX}${options.name}`);
  mkdirSync(dir, { recursive: true });
  const env = sandboxEnv(dir);
  const ovs = running(dir, 'ovs-db') ? `unix:${join(dir, 'ovs-db.sock')}` : await startDb(dir, 'ovs-db', VSWITCH_SCHEMA);
  const vsctl = (...args: string[]) => run('ovs-vsctl', [`--db=${ovs}`, '--no-wait', ...args], { env });
  const inNetns = (cmd: string, args: string[]): [string, string[]] => (options.netns ? ['ip', ['netns', 'exec', options.netns, cmd, ...args]] : [cmd, args]);
  await vsctl('--', 'init');
  // The namespace it runs in, for stopSandbox to remove what it leaves there.
  writeFileSync(join(dir, 'netns'), options.netns ?? '');
  if (!running(dir, 'vswitchd')) await run(...inNetns('ovs-vswitchd', [ovs, ...daemonArgs(dir, 'vswitchd')]), { env });
  const encap = options.encap ?? { type: 'geneve', ip: '127.0.0.1' };
  const addBridge = (name: string) => vsctl('--may-exist', 'add-br', name, '--', 'set', 'bridge', name, 'datapath_type=netdev');
  if (options.underlay) {
    await addBridge('br-phy');
    await vsctl('--may-exist', 'add-port', 'br-phy', options.underlay.device);
    await run(...inNetns('ip', ['link', 'set', options.underlay.device, 'up']));
    // vswitchd creates br-phy's internal (tap) interface asynchronously.
    await waitUntil(() => run(...inNetns('ip', ['link', 'show', 'br-phy'])).then(() => true, () => false), 10_000, 'br-phy to appear');
    await run(...inNetns('ip', ['addr', 'replace', `${encap.ip}/${options.underlay.prefixLength}`, 'dev', 'br-phy']));
    await run(...inNetns('ip', ['link', 'set', 'br-phy', 'up']));
  }
  const mappings = Object.entries(options.bridgeMappings ?? {});
  for (const [, bridge] of mappings) await addBridge(bridge);
  await vsctl(
    'set', 'open_vswitch', '.',
    `external_ids:system-id=${options.name}`,
    `external_ids:hostname=${options.name}`,
    `external_ids:ovn-remote=${options.sb}`,
    `external_ids:ovn-encap-type=${encap.type}`,
    `external_ids:ovn-encap-ip=${encap.ip}`,
    'external_ids:ovn-bridge-datapath-type=netdev',
    ...(mappings.length ? [`external_ids:ovn-bridge-mappings=${mappings.map(([net, br]) => `${net}:${br}`).join(',')}`] : []),
  );
  await vsctl('--may-exist', 'add-br', 'br-int', '--', 'set', 'bridge', 'br-int', 'datapath_type=netdev', 'fail-mode=secure');
  if (!running(dir, 'controller')) await run('ovn-controller', [ovs, ...daemonArgs(dir, 'controller')], { env });
  return { name: options.name, dir, ovs, env: { ...env, DB_SOCK: ovs.slice(5) } };
}

async function waitUntil(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function pidOf(dir: string, name: string): number | null {
  try {
    const pid = Number(readFileSync(join(dir, `${name}.pid`), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function running(dir: string, name: string): boolean {
  const pid = pidOf(dir, name);
  return pid !== null && alive(pid);
}

/** Stops the daemons this directory's pid files name (TERM, then KILL after 5 s); returns the PIDs stopped. */
export async function stopSandbox(dir: string): Promise<number[]> {
  const stopped: number[] = [];
  const chassisDirs = existsSync(dir) ? readdirSync(dir).filter((d) => d.startsWith(CHASSIS_PREFIX)).map((d) => join(resolve(dir), d)) : [];
  for (const chassisDir of chassisDirs) stopped.push(...(await stopDaemons(chassisDir)));
  stopped.push(...(await stopDaemons(resolve(dir))));
  return stopped;
}

async function stopDaemons(dir: string): Promise<number[]> {
  const stopped: number[] = [];
  for (const name of [...DAEMONS].reverse()) {
    const pid = pidOf(dir, name);
    if (!pid || !running(dir, name)) continue;
    // The userspace datapath leaves its bridges' tap interfaces (and ovs-netdev) behind: removed after it stopped.
    const leftovers = name === 'vswitchd' ? await datapathDevices(dir) : [];
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      continue;
    }
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && alive(pid)) await new Promise((r) => setTimeout(r, 20));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    stopped.push(pid);
    const netns = existsSync(join(dir, 'netns')) ? readFileSync(join(dir, 'netns'), 'utf8').trim() : '';
    for (const device of leftovers) await run('ip', [...(netns ? ['-n', netns] : []), 'link', 'del', device]).catch(() => undefined);
  }
  return stopped;
}

/** The tap interfaces a chassis' ovs-vswitchd made: its bridges and the datapath's own. */
async function datapathDevices(dir: string): Promise<string[]> {
  const listed = await run('ovs-vsctl', [`--db=unix:${join(dir, 'ovs-db.sock')}`, '--timeout=5', 'list-br']).then((r) => r.stdout, () => '');
  return [...listed.split('\n').filter(Boolean), 'ovs-netdev'];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
