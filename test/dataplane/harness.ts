// Closed topologies for the dataplane tests (run as root): "hypervisor" namespaces, each
// with its own `neutrino agent` process, joined by an underlay bridge that lives in a
// namespace of its own; workload namespaces plugged into ports. Nothing touches the
// machine's own interfaces. Every name starts with a prefix unique to the test run, and
// cleanup() removes processes, namespaces and files also when a test failed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer, type ApiClient } from '../helpers/server.ts';
import { livePid, killAndWait } from '../../src/agent/proc.ts';
import { plug } from '../../src/agent/plug.ts';
import type { AgentConfig } from '../../src/agent/config.ts';
import { DEFAULT_AGENT_CONFIG } from '../../src/agent/config.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: options.env ?? process.env, timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export async function must(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Root and the tools the dataplane tests need. */
export function dataplaneSupport(): string | null {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const tool of ['/usr/sbin/ip', '/usr/sbin/bridge', '/usr/sbin/dnsmasq', '/usr/bin/busybox']) if (!fs.existsSync(tool)) return `needs ${tool}`;
  return null;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const UDHCPC_SCRIPT = `#!/bin/sh
# udhcpc event script for the tests: records what the server offered and configures the interface.
case "$1" in
  deconfig)
    ip addr flush dev "$interface"
    ip link set "$interface" up
    ;;
  bound|renew)
    { echo "ip=$ip"; echo "mask=$mask"; echo "router=$router"; echo "mtu=$mtu"; echo "staticroutes=$staticroutes"; echo "dns=$dns"; echo "hostname=$hostname"; echo "domain=$domain"; echo "serverid=$serverid"; } > "$UDHCPC_OUT"
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
    if [ -n "$staticroutes" ]; then
      set -- $staticroutes
      while [ $# -ge 2 ]; do ip route replace "$1" via "$2" dev "$interface" onlink; shift 2; done
    elif [ -n "$router" ]; then
      for r in $router; do ip route replace default via "$r" dev "$interface"; break; done
    fi
    ;;
esac
exit 0
`;

/** Stops every process (but this one) whose command line contains `text`, e.g. a run's directory. */
export async function killProcessesMentioning(text: string, kill: (pid: number) => Promise<void> = killAndWait): Promise<void> {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes(text)) await kill(Number(entry));
  }
}

export interface AgentProcess {
  name: string;
  config: AgentConfig;
  child: ChildProcess;
  logFile: string;
}

export class Topology {
  readonly prefix = `nt${randomBytes(3).toString('hex')}`;
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), `${this.prefix}-`));
  server!: TestServer;
  readonly agents = new Map<string, AgentProcess>();
  readonly namespaces = new Set<string>();
  private readonly listeners: ChildProcess[] = [];
  private hvIndex = 0;
  private readonly script: string;

  constructor() {
    fs.chmodSync(this.dir, 0o755);
    this.script = path.join(this.dir, 'udhcpc.sh');
    fs.writeFileSync(this.script, UDHCPC_SCRIPT, { mode: 0o755 });
  }

  get admin(): ApiClient {
    return this.server.admin;
  }

  ns(name: string): string {
    return `${this.prefix}-${name}`;
  }

  async start(overrides: Record<string, unknown> = {}): Promise<void> {
    this.server = await startTestServer('sqlite', { 'backend.driver': 'linux', 'agents.agent_down_time': 6, ...overrides });
    await this.addNamespace('ul');
    await must('ip', ['-n', this.ns('ul'), 'link', 'add', 'underlay', 'type', 'bridge']);
    await must('ip', ['-n', this.ns('ul'), 'link', 'add', 'phys', 'type', 'bridge']);
    await must('ip', ['-n', this.ns('ul'), 'link', 'set', 'underlay', 'up']);
    await must('ip', ['-n', this.ns('ul'), 'link', 'set', 'phys', 'up']);
  }

  async addNamespace(name: string): Promise<string> {
    const ns = this.ns(name);
    await must('ip', ['netns', 'add', ns]);
    this.namespaces.add(ns);
    await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    return ns;
  }

  /**
   * A hypervisor: a namespace with `uplink` (VTEP 192.0.2.N on the underlay) and `physif`
   * (the NIC mapped to physnet1, on the `phys` bridge), and an agent for host `name`.
   */
  async addHypervisor(name: string, extra: Partial<AgentConfig> = {}): Promise<AgentProcess> {
    const index = ++this.hvIndex;
    const ns = await this.addNamespace(name);
    const ul = this.ns('ul');
    await must('ip', ['-n', ul, 'link', 'add', `u-${name}`, 'type', 'veth', 'peer', 'name', 'uplink', 'netns', ns]);
    await must('ip', ['-n', ul, 'link', 'set', `u-${name}`, 'master', 'underlay', 'up']);
    await must('ip', ['-n', ul, 'link', 'add', `p-${name}`, 'type', 'veth', 'peer', 'name', 'physif', 'netns', ns]);
    await must('ip', ['-n', ul, 'link', 'set', `p-${name}`, 'master', 'phys', 'up']);
    await must('ip', ['-n', ns, 'addr', 'add', `192.0.2.${index}/24`, 'dev', 'uplink']);
    await must('ip', ['-n', ns, 'link', 'set', 'uplink', 'up']);
    const config: AgentConfig = {
      ...DEFAULT_AGENT_CONFIG,
      host: `${this.prefix}-${name}`,
      server: this.server.url,
      auth: { noauth: true },
      local_ip: `192.0.2.${index}`,
      physical_interface_mappings: { physnet1: 'physif' },
      state_dir: path.join(this.dir, name),
      netns: ns,
      namespace_prefix: `${this.prefix}-${name}-`,
      report_interval: 1,
      resync_interval: 5,
      log_level: 'info',
      ...extra,
    };
    fs.mkdirSync(config.state_dir, { recursive: true, mode: 0o755 });
    const agent = this.startAgent(name, config);
    await waitFor(`agent ${name} registered`, async () => {
      if (agent.child.exitCode !== null) throw new Error(`agent exited: ${fs.readFileSync(agent.logFile, 'utf8').slice(-2000)}`);
      const agents = (await this.admin.get(`/v2.0/agents?host=${config.host}`)).body.agents;
      const expected = 1 + (config.enable_dhcp ? 1 : 0) + (config.enable_dhcp && config.enable_metadata ? 1 : 0);
      return agents.length >= expected && agents.every((a: any) => a.alive);
    });
    return agent;
  }

  startAgent(name: string, config: AgentConfig): AgentProcess {
    const file = path.join(this.dir, `${name}.agent.yaml`);
    fs.writeFileSync(file, JSON.stringify(config));
    const logFile = path.join(this.dir, `${name}.agent.log`);
    const out = fs.openSync(logFile, 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'agent', '--agent-config', file], { cwd: root, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    const agent = { name, config, child, logFile };
    this.agents.set(name, agent);
    return agent;
  }

  async killAgent(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const agent = this.agents.get(name);
    if (!agent || agent.child.exitCode !== null || agent.child.signalCode !== null) return;
    const exited = new Promise((r) => agent.child.once('exit', r));
    agent.child.kill(signal);
    await exited;
  }

  /** A workload namespace plugged into a port on a hypervisor (as `neutrino plug` does). */
  async addWorkload(name: string, hypervisor: string, portId: string): Promise<string> {
    const ns = await this.addNamespace(name);
    await plug(this.agents.get(hypervisor)!.config, portId, ns);
    return ns;
  }

  /** `neutrino plug` as the CLI runs it. */
  async plugCli(hypervisor: string, portId: string, ns: string): Promise<Run> {
    const file = path.join(this.dir, `${hypervisor}.agent.yaml`);
    return run(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'plug', portId, '--netns', ns, '--agent-config', file]);
  }

  /** Runs udhcpc in a workload; returns what the DHCP server offered (and configures the interface). */
  async dhcp(ns: string): Promise<Record<string, string>> {
    const out = path.join(this.dir, `${ns}.lease`);
    fs.rmSync(out, { force: true });
    const r = await run('ip', ['netns', 'exec', ns, 'busybox', 'udhcpc', '-i', 'eth0', '-n', '-q', '-f', '-t', '8', '-T', '1', '-O', 'mtu', '-O', 'staticroutes', '-s', this.script], {
      env: { ...process.env, UDHCPC_OUT: out },
      timeoutMs: 20_000,
    });
    if (r.code !== 0 || !fs.existsSync(out)) throw new Error(`udhcpc in ${ns} got no lease (${r.code}): ${r.stderr.slice(-500)}`);
    return Object.fromEntries(fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  }

  async ping(ns: string, address: string, count = 1, waitSeconds = 2): Promise<boolean> {
    return (await run('ip', ['netns', 'exec', ns, 'busybox', 'ping', '-c', String(count), '-W', String(waitSeconds), address])).code === 0;
  }

  async exec(ns: string, cmd: string, args: string[], timeoutMs = 10_000): Promise<Run> {
    return run('ip', ['netns', 'exec', ns, cmd, ...args], { timeoutMs });
  }

  /** A TCP listener (busybox httpd on port 8080) in a workload that answers `name`. */
  async listen(ns: string, name: string): Promise<void> {
    const dir = path.join(this.dir, `www-${ns}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'index.html'), `${name}\n`);
    const child = spawn('ip', ['netns', 'exec', ns, 'busybox', 'httpd', '-f', '-p', '8080', '-h', dir], { stdio: 'ignore' });
    this.listeners.push(child);
    await waitFor(`listener in ${ns}`, async () => (await this.exec(ns, 'curl', ['-s', '--max-time', '2', 'http://127.0.0.1:8080/'])).stdout.trim() === name);
  }

  /** What the listener at address:8080 answers from a workload (null: no connection). */
  async fetchName(ns: string, address: string): Promise<string | null> {
    const r = await this.exec(ns, 'curl', ['-s', '--max-time', '3', `http://${address}:8080/`]);
    return r.code === 0 ? r.stdout.trim() : null;
  }

  async waitPortStatus(portId: string, status: string, timeoutMs = 30_000): Promise<any> {
    return waitFor(`port ${portId} ${status}`, async () => {
      const port = (await this.admin.get(`/v2.0/ports/${portId}`)).body.port;
      return port?.status === status ? port : null;
    }, timeoutMs);
  }

  agentLog(name: string): string {
    const a = this.agents.get(name);
    return a && fs.existsSync(a.logFile) ? fs.readFileSync(a.logFile, 'utf8') : '';
  }

  /** Removes everything: agents, their dnsmasq and metadata proxies, namespaces, files, the server. */
  async cleanup(): Promise<void> {
    for (const child of this.listeners) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
    }
    for (const name of this.agents.keys()) await this.killAgent(name, 'SIGKILL');
    for (const agent of this.agents.values()) {
      const dhcp = path.join(agent.config.state_dir, 'dhcp');
      for (const net of fs.existsSync(dhcp) ? fs.readdirSync(dhcp) : []) {
        const dir = path.join(dhcp, net);
        const pid = livePid(path.join(dir, 'pid'), dir);
        if (pid) await killAndWait(pid);
        const proxy = livePid(path.join(dir, 'metadata.pid'), 'neutrino-metadata-proxy');
        if (proxy) await killAndWait(proxy);
      }
    }
    // Anything else started for this topology (a proxy an agent spawned as it was killed):
    // every process whose command line names this run's directory.
    await killProcessesMentioning(this.dir);
    const listed = JSON.parse((await run('ip', ['-j', 'netns', 'list'])).stdout || '[]') as { name: string }[];
    for (const { name } of listed) if (name.startsWith(`${this.prefix}-`)) await run('ip', ['netns', 'del', name]);
    await this.server?.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
