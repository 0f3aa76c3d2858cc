// A private, single-host OVN for development and tests (`neutrino ovn start|stop`): the
// northbound and southbound ovsdb-servers and ovn-northd, optionally ovs-vswitchd in
// userspace mode (datapath_type=netdev) with ovn-controller, all in one run directory
// of their own (databases, sockets, logs, pid files). Daemons detach and are stopped by the
// PIDs in their pid files, so nothing else on the machine is touched.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
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
  /** Start ovs-vswitchd (userspace datapath) and ovn-controller as chassis `chassis` (default false). */
  chassis?: string;
  /** Encapsulation for the chassis (default geneve). */
  encap?: { type: 'geneve' | 'vxlan'; ip: string };
  /** Network namespace ovs-vswitchd runs in (its bridges and ports live there); default: the caller's. */
  netns?: string;
}

export interface Sandbox {
  dir: string;
  nb: string;
  sb: string;
  /** The chassis' Open_vSwitch database, when started with a chassis. */
  ovs?: string;
  /** Environment for ovn-nbctl/ovn-sbctl/ovn-trace/ovs-vsctl to reach this sandbox. */
  env: Record<string, string>;
}

/** The daemons in start order; stop() goes in reverse. */
const DAEMONS = ['nb', 'sb', 'northd', 'ovs-db', 'vswitchd', 'controller'];

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
    const ovs = running(dir, 'ovs-db') ? `unix:${join(dir, 'ovs-db.sock')}` : await startDb(dir, 'ovs-db', VSWITCH_SCHEMA);
    sandbox.ovs = ovs;
    sandbox.env.DB_SOCK = ovs.slice(5);
    const vsctl = (...args: string[]) => run('ovs-vsctl', [`--db=${ovs}`, '--no-wait', ...args], { env });
    await vsctl('--', 'init');
    const inNetns = (cmd: string, args: string[]): [string, string[]] => (options.netns ? ['ip', ['netns', 'exec', options.netns, cmd, ...args]] : [cmd, args]);
    if (!running(dir, 'vswitchd')) await run(...inNetns('ovs-vswitchd', [ovs, ...daemonArgs(dir, 'vswitchd')]), { env });
    const encap = options.encap ?? { type: 'geneve', ip: '127.0.0.1' };
    await vsctl(
      'set', 'open_vswitch', '.',
      `external_ids:system-id=${options.chassis}`,
      `external_ids:hostname=${options.chassis}`,
      `external_ids:ovn-remote=${sb}`,
      `external_ids:ovn-encap-type=${encap.type}`,
      `external_ids:ovn-encap-ip=${encap.ip}`,
      'external_ids:ovn-bridge-datapath-type=netdev',
    );
    await vsctl('--may-exist', 'add-br', 'br-int', '--', 'set', 'bridge', 'br-int', 'datapath_type=netdev', 'fail-mode=secure');
    if (!running(dir, 'controller')) await run('ovn-controller', [ovs, ...daemonArgs(dir, 'controller')], { env });
  }
  return sandbox;
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
  for (const name of [...DAEMONS].reverse()) {
    const pid = pidOf(resolve(dir), name);
    if (!pid || !running(resolve(dir), name)) continue;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      continue;
    }
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && alive(pid)) await new Promise((r) => setTimeout(r, 20));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    stopped.push(pid);
  }
  return stopped;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
