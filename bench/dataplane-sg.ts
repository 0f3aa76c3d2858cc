// Security group benchmark of the linux backend's firewall (root):
//   node --import tsx bench/dataplane-sg.ts [--members 10,50,100,250,500] [--admissions 10]
// Closed topology from test/dataplane/harness.ts: two hypervisor namespaces with agents.
//
// 1. Growth: one group whose ingress rule admits its own members (remote_group_id = itself,
//    as the default group does), with N member ports bound to hv1 (their tap devices made
//    in one `ip -b` batch, as bench/dataplane.ts does). After each step, once hv1's firewall
//    holds every member, the nftables rules and set elements in hv1's tables are counted.
//    Every member is local to hv1: the worst case for rules (each local port has its own
//    chains). Neutron's iptables driver would hold N × N address matches here.
// 2. Admission at the largest size: a new member port created with a workload on hv2, its
//    address configured statically, pinging a member workload on hv1 every 20 ms (ICMP is
//    allowed from members only): time from port create to its address in hv1's set, and to
//    the first reply.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { Topology, must, run, waitFor } from '../test/dataplane/harness.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsFile = path.join(root, 'bench', 'results', 'dataplane-sg.jsonl');

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Rules (all chains) and named-set elements in the firewall's two tables of a namespace. */
async function countFirewall(ns: string): Promise<{ rules: number; setElements: number; mapElements: number; chains: number; elements: Map<string, Set<string>> }> {
  const json = JSON.parse(await must('ip', ['netns', 'exec', ns, 'nft', '-j', 'list', 'ruleset'])).nftables as Record<string, any>[];
  let rules = 0;
  let setElements = 0;
  let mapElements = 0;
  let chains = 0;
  const elements = new Map<string, Set<string>>();
  for (const item of json) {
    const obj = item.rule ?? item.set ?? item.map ?? item.chain;
    if (!obj || obj.table !== 'neutrino-sg') continue;
    if (item.rule) rules++;
    if (item.chain) chains++;
    if (item.set) {
      setElements += (item.set.elem ?? []).length;
      elements.set(item.set.name, new Set((item.set.elem ?? []).map((e: unknown) => (typeof e === 'string' ? e : JSON.stringify(e)))));
    }
    if (item.map) mapElements += (item.map.elem ?? []).length;
  }
  return { rules, setElements, mapElements, chains, elements };
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

export async function runSecurityGroupBench(options: { members: number[]; admissions: number }): Promise<Record<string, unknown>[]> {
  const topo = new Topology();
  const results: Record<string, unknown>[] = [];
  try {
    await topo.start({ 'quotas.port': -1 });
    // No periodic resync (production: every 60 s; the tests' 5 s would queue 500 port keys
    // ahead of every firewall sync on hv1): what is measured is the reaction to the change.
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

    // A member workload on hv1 to ping (it counts as one member).
    const target = (await api.post('/v2.0/ports', { port: { network_id: net.id, security_groups: [sg.id] } })).body.port;
    const tns = await topo.addWorkload('target', 'hv1', target.id);
    await must('ip', ['-n', tns, 'addr', 'add', `${target.fixed_ips[0].ip_address}/16`, 'dev', 'eth0']);
    await topo.waitPortStatus(target.id, 'ACTIVE');
    let count = 1;
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
        return c.elements.get(setName)?.size === size && c.mapElements >= size * 3 ? c : null;
      }, 600_000, 500);
      const row = { scenario: 'sg_growth', members: size, local_ports: size, rules: counted.rules, chains: counted.chains, set_elements: counted.setElements, map_elements: counted.mapElements, rules_per_member: Math.round((counted.rules / size) * 10) / 10, naive_pairwise: size * size };
      results.push(row);
      console.error(JSON.stringify(row));
    }

    // Admission of new members at the largest size, with real packets from hv2.
    const toSet: number[] = [];
    const toReply: number[] = [];
    for (let i = 0; i < options.admissions; i++) {
      const t0 = performance.now();
      const port = (await api.post('/v2.0/ports', { port: { network_id: net.id, security_groups: [sg.id] } })).body.port;
      const ip = port.fixed_ips[0].ip_address;
      // Only the one set is read while polling (the whole ruleset is 12,000+ rules at 500 members).
      const inSet = waitFor('address in hv1 set', async () => (await run('ip', ['netns', 'exec', hv1ns, 'nft', '-j', 'list', 'set', 'bridge', 'neutrino-sg', setName])).stdout.includes(`"${ip}"`), 60_000, 10).then(() => performance.now());
      const ns = await topo.addWorkload(`m${i}`, 'hv2', port.id);
      await run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.neigh.eth0.retrans_time_ms=20', 'net.ipv4.neigh.eth0.mcast_solicit=250']);
      await must('ip', ['-n', ns, 'addr', 'add', `${ip}/16`, 'dev', 'eth0']);
      const [t1, tSet] = await Promise.all([firstReply(ns, target.fixed_ips[0].ip_address), inSet]);
      toSet.push(tSet - t0);
      toReply.push(t1 - t0);
      await run('ip', ['netns', 'del', ns]);
      topo.namespaces.delete(ns);
    }
    const final = await countFirewall(hv1ns);
    const row = {
      scenario: 'sg_admission',
      members: count,
      admissions: options.admissions,
      to_set_p50_ms: Math.round(percentile(toSet, 50)),
      to_set_max_ms: Math.round(Math.max(...toSet)),
      to_reply_p50_ms: Math.round(percentile(toReply, 50)),
      to_reply_p95_ms: Math.round(percentile(toReply, 95)),
      rules_after: final.rules,
      set_elements_after: final.setElements,
    };
    results.push(row);
    console.error(JSON.stringify(row));
    return results;
  } catch (err) {
    // What the agents said (sync failures, retries) is the first thing to look at.
    for (const hv of ['hv1', 'hv2']) console.error(`${hv} agent warnings:\n${topo.agentLog(hv).split('\n').filter((l) => /"level":(40|50)/.test(l)).slice(-15).join('\n')}`);
    throw err;
  } finally {
    await topo.cleanup();
  }
}

export function securityGroupReport(): string {
  if (!fs.existsSync(resultsFile)) return '';
  const all = fs.readFileSync(resultsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const lastRun = all.filter((l) => l.run === all.at(-1)?.run);
  const growth = lastRun.filter((l) => l.scenario === 'sg_growth');
  const admission = lastRun.find((l) => l.scenario === 'sg_admission');
  if (!growth.length) return '';
  return `## Security groups (bench/dataplane-sg.ts, linux backend, root)

\`node --import tsx bench/dataplane-sg.ts\` on ${growth[0].ts.slice(0, 10)}: one API server (SQLite,
in-process), agents in two hypervisor namespaces, on this shared 2-core machine. One group
whose ingress rule admits its own members (as the default group does); N member ports bound to
hv1 with their tap devices (every member local: the most rules a host can get). Counted on hv1
after its firewall held every member: rules in all chains of both \`neutrino-sg\` tables, and
elements of the named address sets. Neutron's iptables driver, for comparison, needs one
address match per (member, local port) pair here (the last column) unless ipsets are on.

| members (all local to hv1) | nft rules | rules per member | chains | set elements | verdict-map elements | pairwise (N×N) |
|---|---|---|---|---|---|---|
${growth.map((g) => `| ${g.members} | ${g.rules} | ${g.rules_per_member} | ${g.chains} | ${g.set_elements} | ${g.map_elements} | ${g.naive_pairwise} |`).join('\n')}
${admission ? `
Admitting a new member at ${admission.members} members (${admission.admissions} times, one at a time): the port is created,
a workload on hv2 is plugged into it, its address configured statically, and it pings a member on
hv1 every 20 ms (ICMP is admitted from members only). Port create → its address in hv1's set:
p50 ${admission.to_set_p50_ms} ms (max ${admission.to_set_max_ms} ms); port create → first reply: p50 ${admission.to_reply_p50_ms} ms, p95 ${admission.to_reply_p95_ms} ms.
Adding a member elsewhere writes one set element on hv1 (\`add element\`), no rule.
` : ''}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const arg = (name: string, d: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : d);
  const members = arg('--members', '10,50,100,250,500').split(',').map(Number);
  const admissions = Number(arg('--admissions', '10'));
  const runId = new Date().toISOString();
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  for (const result of await runSecurityGroupBench({ members, admissions })) fs.appendFileSync(resultsFile, `${JSON.stringify({ ts: new Date().toISOString(), run: runId, ...result })}\n`);
  const file = path.join(root, 'BENCHMARKS.md');
  const doc = fs.readFileSync(file, 'utf8');
  const heading = '## Security groups (bench/dataplane-sg.ts';
  const at = doc.indexOf(heading);
  const next = at < 0 ? -1 : doc.indexOf('\n## ', at + 5);
  const section = securityGroupReport();
  fs.writeFileSync(file, at < 0 ? `${doc.trimEnd()}\n\n${section}` : `${doc.slice(0, at)}${section}${next < 0 ? '' : doc.slice(next + 1)}`);
  console.error('BENCHMARKS.md: security groups section written');
}
