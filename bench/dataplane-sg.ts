// Security group benchmark of the linux backend's firewall (root):
//   node --import tsx bench/dataplane-sg.ts [--members 10,100,250,500] [--admissions 10]
// Closed topology from test/dataplane/harness.ts: two hypervisor namespaces with agents, every
// name under this bench's own prefix `sgb<6 hex>`. Namespaces, agents and their daemons left
// by an earlier run that was killed are removed at start (runs are recorded in
// $TMPDIR/neutrino-sgbench/<prefix>.json while they live); SIGINT/SIGTERM clean up before exit.
//
// 1. Growth: one group whose ingress rule admits its own members (remote_group_id = itself,
//    as the default group does), with N member ports (N - 1 bound to hv1, their tap devices made
//    in one `ip -b` batch, and one workload on hv2 that keeps the network there). Once hv1's firewall holds every member, the nftables rules and set
//    elements in hv1's tables are counted. Every member is local to hv1: the worst case for
//    rules (each local port has its own chains). Neutron's iptables driver would hold N × N
//    address matches here.
// 2. Admission at each size: a new member port created with a workload on hv2, its address
//    configured statically, pinging a member workload on hv1 every 20 ms (ICMP is allowed from
//    members only): time from port create to its address in hv1's set, and to the first reply;
//    the firewall transactions hv1's agent logged for it (what changed: elements, chains). The
//    port is then deleted (time until its address leaves hv1's set), so N stays N.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { Topology, killProcessesMentioning, must, run, waitFor } from '../test/dataplane/harness.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsFile = path.join(root, 'bench', 'results', 'dataplane-sg.jsonl');
const RUNS_DIR = path.join(os.tmpdir(), 'neutrino-sgbench');
const PREFIX = /^sgb[0-9a-f]{6}$/;

/** The harness's topology under this bench's own prefix (so a stale run is recognizable). */
class BenchTopology extends Topology {
  override readonly prefix = `sgb${randomBytes(3).toString('hex')}`;
}

/** Whether a process still runs (a recorded run's bench, a stale namespace's owner). */
export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function killPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
}

/** Removes what killed runs of this bench left: their processes (by the run's directory), namespaces (by prefix) and files. */
export async function cleanStaleRuns(): Promise<string[]> {
  fs.mkdirSync(RUNS_DIR, { recursive: true });
  const live = new Set<string>();
  const dead: { prefix: string; dir: string }[] = [];
  for (const file of fs.readdirSync(RUNS_DIR)) {
    const run = JSON.parse(fs.readFileSync(path.join(RUNS_DIR, file), 'utf8')) as { pid: number; prefix: string; dir: string };
    if (alive(run.pid) && run.pid !== process.pid) live.add(run.prefix);
    else dead.push(run);
  }
  const cleaned: string[] = [];
  for (const run of dead) {
    await killProcessesMentioning(run.dir, killPid);
    fs.rmSync(run.dir, { recursive: true, force: true });
    fs.rmSync(path.join(RUNS_DIR, `${run.prefix}.json`), { force: true });
    cleaned.push(run.prefix);
  }
  // Namespaces under this bench's prefix that no live run owns (with whatever still runs in them).
  const listed = JSON.parse((await run('ip', ['-j', 'netns', 'list'])).stdout || '[]') as { name: string }[];
  for (const { name } of listed) {
    const prefix = name.split('-')[0];
    if (!PREFIX.test(prefix) || live.has(prefix)) continue;
    for (const pid of (await run('ip', ['netns', 'pids', name])).stdout.split('\n').filter(Boolean)) await killPid(Number(pid));
    await run('ip', ['netns', 'del', name]);
    if (!cleaned.includes(prefix)) cleaned.push(prefix);
  }
  return cleaned;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Rules (all chains), named-set and verdict-map elements in the firewall's two tables of a namespace. */
async function countFirewall(ns: string): Promise<{ rules: number; setElements: number; mapElements: number; chains: number; elements: Map<string, number> }> {
  const json = JSON.parse(await must('ip', ['netns', 'exec', ns, 'nft', '-j', 'list', 'ruleset'])).nftables as Record<string, any>[];
  const c = { rules: 0, setElements: 0, mapElements: 0, chains: 0, elements: new Map<string, number>() };
  for (const item of json) {
    const obj = item.rule ?? item.set ?? item.map ?? item.chain;
    if (!obj || obj.table !== 'neutrino-sg') continue;
    if (item.rule) c.rules++;
    if (item.chain) c.chains++;
    if (item.set) {
      c.setElements += (item.set.elem ?? []).length;
      c.elements.set(item.set.name, (item.set.elem ?? []).length);
    }
    if (item.map) c.mapElements += (item.map.elem ?? []).length;
  }
  return c;
}

/** Pings every 20 ms (until 60 s) and answers when the first reply arrives (dropped echoes before that are the point). */
function firstReply(ns: string, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, 'busybox', 'ping', '-i', '0.02', '-w', '60', address], { stdio: ['ignore', 'pipe', 'ignore'] });
    let done = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (done || !chunk.toString().includes('bytes from')) return;
      done = true;
      resolve(performance.now());
      child.kill('SIGKILL');
    });
    child.on('exit', () => {
      if (!done) reject(new Error(`no reply from ${address} within 60 s`));
    });
  });
}

/** The firewall transactions an agent logged since `from` (its log length then), summed. */
function firewallWrites(log: string, from: number): { transactions: number; chains_written: number; elements_added: number; elements_deleted: number; map_changes: number } {
  const out = { transactions: 0, chains_written: 0, elements_added: 0, elements_deleted: 0, map_changes: 0 };
  for (const line of log.slice(from).split('\n')) {
    if (!line.includes('"firewall updated"')) continue;
    const f = JSON.parse(line).firewall;
    out.transactions++;
    out.chains_written += f.chainsWritten;
    out.elements_added += f.elementsAdded;
    out.elements_deleted += f.elementsDeleted;
    out.map_changes += f.mapChanges;
  }
  return out;
}

const load = () => Math.round(os.loadavg()[0] * 10) / 10;
const ms = (v: number) => Math.round(v);

export async function runSecurityGroupBench(topo: BenchTopology, options: { members: number[]; admissions: number }, emit: (row: Record<string, unknown>) => void): Promise<void> {
  try {
    await topo.start({ 'quotas.port': -1 });
    // No periodic resync (production: every 60 s): what is measured is the reaction to the change.
    const quiet = { enable_dhcp: false, enable_metadata: false, resync_interval: 0 };
    const hv1 = await topo.addHypervisor('hv1', quiet);
    await topo.addHypervisor('hv2', quiet);
    const api = topo.admin.as({ project: 'bench', roles: 'member' });
    const net = (await api.post('/v2.0/networks', { network: { name: 'sgbench' } })).body.network;
    await api.post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.97.0.0/16', ip_version: 4, enable_dhcp: false } });
    const sg = (await api.post('/v2.0/security-groups', { security_group: { name: 'members' } })).body.security_group;
    await api.post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'ingress', ethertype: 'IPv4', protocol: 'icmp', remote_group_id: sg.id } });
    const hv1ns = topo.ns('hv1');
    const setName = `rg-${sg.id}-4`;
    const inSet = async (ip: string) => (await run('ip', ['netns', 'exec', hv1ns, 'nft', '-j', 'list', 'set', 'bridge', 'neutrino-sg', setName])).stdout.includes(`"${ip}"`);

    // A member workload on hv1 to ping (it counts as one member; the first size must be at least 2).
    const target = (await api.post('/v2.0/ports', { port: { network_id: net.id, security_groups: [sg.id] } })).body.port;
    const tns = await topo.addWorkload('target', 'hv1', target.id);
    await must('ip', ['-n', tns, 'addr', 'add', `${target.fixed_ips[0].ip_address}/16`, 'dev', 'eth0']);
    await topo.waitPortStatus(target.id, 'ACTIVE');
    // A member on hv2 that stays: hv2 keeps the network (bridge, VXLAN, FDB of hv1's members) between
    // admissions, as a host with workloads does; without it each admission would measure hv2
    // building the network and its 500 FDB entries again.
    const anchor = (await api.post('/v2.0/ports', { port: { network_id: net.id, security_groups: [sg.id] } })).body.port;
    const ans = await topo.addWorkload('anchor', 'hv2', anchor.id);
    await must('ip', ['-n', ans, 'addr', 'add', `${anchor.fixed_ips[0].ip_address}/16`, 'dev', 'eth0']);
    await topo.waitPortStatus(anchor.id, 'ACTIVE');
    let count = 2;
    let admitted = 0;
    const batchFile = path.join(topo.dir, 'links.batch');
    for (const size of options.members) {
      const ids: string[] = [];
      while (count + ids.length < size) {
        const n = Math.min(200, size - count - ids.length);
        const res = await topo.admin.post('/v2.0/ports', { ports: Array.from({ length: n }, () => ({ network_id: net.id, project_id: 'bench', security_groups: [sg.id], 'binding:host_id': hv1.config.host })) });
        if (res.status !== 201) throw new Error(`bulk create: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
        ids.push(...res.body.ports.map((p: any) => p.id));
      }
      if (ids.length) {
        fs.writeFileSync(batchFile, ids.map((id) => `link add tap${id.slice(0, 11)} type veth peer name v${id.slice(0, 11)}\nlink set v${id.slice(0, 11)} up`).join('\n') + '\n');
        await must('ip', ['-n', hv1ns, '-b', batchFile]);
      }
      count = size;
      const counted = await waitFor(`firewall with ${size} members`, async () => {
        const c = await countFirewall(hv1ns);
        return c.elements.get(setName) === size && c.mapElements >= (size - 1) * 3 ? c : null;
      }, 900_000, 1000);
      emit({ scenario: 'sg_growth', members: size, local_ports: size - 1, rules: counted.rules, chains: counted.chains, set_elements: counted.setElements, map_elements: counted.mapElements, rules_per_member: Math.round((counted.rules / size) * 10) / 10, naive_pairwise: size * size, load: load() });

      // Admissions at this size, one at a time, each port deleted again.
      const toSet: number[] = [];
      const toReply: number[] = [];
      const toLeave: number[] = [];
      const writes: ReturnType<typeof firewallWrites>[] = [];
      const loadBefore = load();
      for (let i = 0; i < options.admissions; i++) {
        const logFrom = topo.agentLog('hv1').length;
        const t0 = performance.now();
        const port = (await api.post('/v2.0/ports', { port: { network_id: net.id, security_groups: [sg.id] } })).body.port;
        const ip = port.fixed_ips[0].ip_address;
        // Only the one set is read while polling (the whole ruleset is 12,000+ rules at 500 members).
        const reached = waitFor('address in hv1 set', () => inSet(ip), 120_000, 10).then(() => performance.now());
        const ns = await topo.addWorkload(`m${admitted++}`, 'hv2', port.id);
        await run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.neigh.eth0.retrans_time_ms=20', 'net.ipv4.neigh.eth0.mcast_solicit=250']);
        await must('ip', ['-n', ns, 'addr', 'add', `${ip}/16`, 'dev', 'eth0']);
        const [t1, tSet] = await Promise.all([firstReply(ns, target.fixed_ips[0].ip_address), reached]);
        toSet.push(tSet - t0);
        toReply.push(t1 - t0);
        writes.push(firewallWrites(topo.agentLog('hv1'), logFrom));
        await run('ip', ['netns', 'del', ns]);
        topo.namespaces.delete(ns);
        const t2 = performance.now();
        await api.del(`/v2.0/ports/${port.id}`);
        await waitFor('address gone from hv1 set', async () => !(await inSet(ip)), 120_000, 10);
        toLeave.push(performance.now() - t2);
      }
      const sum = (k: keyof ReturnType<typeof firewallWrites>) => writes.reduce((n, w) => n + w[k], 0);
      emit({
        scenario: 'sg_admission',
        members: size,
        admissions: options.admissions,
        to_set_p50_ms: ms(percentile(toSet, 50)),
        to_set_p95_ms: ms(percentile(toSet, 95)),
        to_set_max_ms: ms(Math.max(...toSet)),
        to_reply_p50_ms: ms(percentile(toReply, 50)),
        to_reply_p95_ms: ms(percentile(toReply, 95)),
        leave_p50_ms: ms(percentile(toLeave, 50)),
        leave_p95_ms: ms(percentile(toLeave, 95)),
        // What hv1's firewall wrote for one admission (port create → reply), on average.
        hv1_transactions_per_admission: sum('transactions') / writes.length,
        hv1_elements_added_per_admission: sum('elements_added') / writes.length,
        hv1_chains_written_per_admission: sum('chains_written') / writes.length,
        load_before: loadBefore,
        load_after: load(),
      });
    }
  } catch (err) {
    // What the agents said (sync failures, retries) is the first thing to look at.
    for (const hv of ['hv1', 'hv2']) console.error(`${hv} agent warnings:\n${topo.agentLog(hv).split('\n').filter((l) => /"level":(40|50)/.test(l)).slice(-15).join('\n')}`);
    throw err;
  }
}

/** The markdown table of one run (BENCHMARKS.md, "Security groups"). */
export function securityGroupTable(rows: Record<string, any>[]): string {
  const growth = rows.filter((r) => r.scenario === 'sg_growth');
  const admission = new Map(rows.filter((r) => r.scenario === 'sg_admission').map((r) => [r.members, r]));
  const lines = [
    '| members (local to hv1) | nft rules | rules per member | set elements | map elements | admission: → hv1 set p50 / p95 ms | → first reply p50 / p95 ms | leave p50 / p95 ms | hv1 transactions, elements added, chains written per admission | load avg (growth; admissions) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const g of growth) {
    const a = admission.get(g.members);
    lines.push(
      `| ${g.members} (${g.local_ports}) | ${g.rules} | ${g.rules_per_member} | ${g.set_elements} | ${g.map_elements} | ${a ? `${a.to_set_p50_ms} / ${a.to_set_p95_ms}` : '–'} | ${a ? `${a.to_reply_p50_ms} / ${a.to_reply_p95_ms}` : '–'} | ${a ? `${a.leave_p50_ms} / ${a.leave_p95_ms}` : '–'} | ${a ? `${a.hv1_transactions_per_admission}, ${a.hv1_elements_added_per_admission}, ${a.hv1_chains_written_per_admission}` : '–'} | ${g.load}; ${a ? `${a.load_before}–${a.load_after}` : '–'} |`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const arg = (name: string, d: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : d);
  const members = arg('--members', '10,100,250,500').split(',').map(Number);
  const admissions = Number(arg('--admissions', '10'));
  const stale = await cleanStaleRuns();
  if (stale.length) console.error(`removed what earlier killed runs left: ${stale.join(', ')}`);
  const topo = new BenchTopology();
  const marker = path.join(RUNS_DIR, `${topo.prefix}.json`);
  fs.writeFileSync(marker, JSON.stringify({ pid: process.pid, prefix: topo.prefix, dir: topo.dir }));
  let cleaning: Promise<void> | undefined;
  const cleanup = () => (cleaning ??= topo.cleanup().finally(() => fs.rmSync(marker, { force: true })));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`${signal}: removing ${topo.prefix}`);
      void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  const runId = new Date().toISOString();
  const rows: Record<string, unknown>[] = [];
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  try {
    await runSecurityGroupBench(topo, { members, admissions }, (row) => {
      rows.push(row);
      console.error(JSON.stringify(row));
      fs.appendFileSync(resultsFile, `${JSON.stringify({ ts: new Date().toISOString(), run: runId, ...row })}\n`);
    });
  } finally {
    await cleanup();
  }
  console.log(securityGroupTable(rows));
}
