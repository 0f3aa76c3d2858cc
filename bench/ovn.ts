// OVN scenario (issue 13): how fast the ovn backend translates a cloud into the OVN
// northbound database, and how fast an API change reaches a chassis. Neutrino (noauth,
// PostgreSQL) is filled through the API with N ports on 100 networks (10 routers with
// gateways and 10 interfaces each, 10 security groups with 3 rules, 100 floating IPs). A
// private OVN (NB/SB ovsdb-servers, ovn-northd, and one chassis: ovs-vswitchd in userspace
// mode + ovn-controller, in a network namespace made here; everything stopped by PID and
// removed after) starts with an EMPTY NB, then an ovn driver starts against it:
//   1. full resync from the empty NB: seconds (of which reading the intent, translating +
//      planning, the NB transaction), NB transactions, rows; when ovn-northd caught up;
//   2. a full resync with nothing to change;
//   3. incremental: single port creates through the API, request → the NB transaction that
//      carries the port committed, p50/p95 (and from the API's answer);
//   4. API change → hv_cfg caught up: a port bound on the chassis (an OVS internal interface
//      with its iface-id, claimed by ovn-controller); each change (its allowed address pair,
//      which changes its port security flows) is timed from the API request to NB_Global.hv_cfg
//      reaching the nb_cfg bumped right after the change committed to NB (what
//      `ovn-nbctl --wait=hv` does): the chassis has computed its flows for it.
//
//   npm run bench -- --only ovn              this scenario only (root; writes BENCHMARKS.md's table)
//   node --import tsx bench/ovn.ts           the same, directly
//   BENCH_OVN_PORTS=2000 BENCH_OVN_INCREMENTAL=100 BENCH_OVN_HV_CHANGES=10 node --import tsx bench/ovn.ts
// Results: printed, appended to bench/results/ovn.jsonl, and BENCHMARKS.md's session-4 OVN
// table (between its markers) is rewritten from that file's last line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { startTestServer } from '../test/helpers/server.ts';
import { startSandbox, stopSandbox } from '../src/backends/ovn/sandbox.ts';
import { OvnDriver, type SyncResult } from '../src/backends/ovn/driver.ts';
import { OvsdbClient, Replica } from '../src/ovsdb/index.ts';
import { adminContext } from '../src/foundation/context.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsFile = path.join(root, 'bench', 'results', 'ovn.jsonl');
const NETWORKS = 100;
const ROUTERS = 10;
const SGS = 10;
const FIPS = 100;
const NB = 'OVN_Northbound';

export interface OvnBenchOptions {
  ports?: number;
  /** Single port creates timed to NB. */
  incremental?: number;
  /** Changes of a bound port timed to hv_cfg. */
  hvChanges?: number;
}

/** Why the scenario cannot run here, or null. */
export function ovnBenchSkip(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (a network namespace for the chassis)';
  for (const tool of ['/usr/sbin/ovsdb-server', '/usr/bin/ovn-northd', '/usr/bin/ovn-controller', '/usr/sbin/ovs-vswitchd']) if (!fs.existsSync(tool)) return `needs ${tool} (Debian: ovn-central, ovn-host, openvswitch-switch)`;
  return null;
}

const pct = (values: number[], p: number) => {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (s: number) => Math.round(s * 10000) / 10;
const sec = (s: number) => Math.round(s * 100) / 100;

/** Resolves when the predicate holds (polled), or fails after timeoutMs. */
async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export async function runOvnBench(options: OvnBenchOptions = {}): Promise<Record<string, unknown>> {
  const PORTS = options.ports ?? 10_000;
  const INCREMENTAL = options.incremental ?? 200;
  const HV_CHANGES = options.hvChanges ?? 30;
  // The code measured is what was loaded now (the worktree may move on while the run lasts).
  const commit = gitCommit();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neutrino-bench-ovn-'));
  const hv = `nbovn${process.pid}`;
  const chassis = `${hv}-ch`;
  const unlimited = Object.fromEntries(['network', 'subnet', 'port', 'router', 'floatingip', 'security_group', 'security_group_rule'].map((r) => [`quotas.${r}`, -1]));
  const server = await startTestServer('postgres', { 'log.level': 'error', 'api.max_bulk_items': 1000, 'api.max_request_body_size': 4_000_000, ...unlimited });
  let driver: OvnDriver | undefined;
  let observer: OvsdbClient | undefined;
  try {
    const a = server.admin;
    const must = async (p: Promise<any>) => {
      const r = await p;
      if (r.status >= 300) throw new Error(`${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      return r.body;
    };
    const t0 = performance.now();
    const ext = (await must(a.post('/v2.0/networks', { network: { name: 'ext', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' } }))).network;
    await must(a.post('/v2.0/subnets', { subnet: { network_id: ext.id, cidr: '203.0.113.0/24', ip_version: 4, enable_dhcp: false } }));
    const sgs: string[] = [];
    for (let i = 0; i < SGS; i++) {
      const sg = (await must(a.post('/v2.0/security-groups', { security_group: { name: `sg${i}` } }))).security_group;
      for (const port of [22, 80, 443]) await must(a.post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: port, port_range_max: port } }));
      sgs.push(sg.id);
    }
    const nets = (await must(a.post('/v2.0/networks', { networks: Array.from({ length: NETWORKS }, (_, i) => ({ name: `net${i}` })) }))).networks;
    const subnets = (await must(a.post('/v2.0/subnets', { subnets: nets.map((n: any, i: number) => ({ network_id: n.id, cidr: `10.${Math.floor(i / 250)}.${i % 250}.0/24`, ip_version: 4 })) }))).subnets;
    for (let r = 0; r < ROUTERS; r++) {
      const router = (await must(a.post('/v2.0/routers', { router: { name: `r${r}`, external_gateway_info: { network_id: ext.id, enable_snat: true } } }))).router;
      for (let k = 0; k < NETWORKS / ROUTERS; k++) await must(a.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnets[r * (NETWORKS / ROUTERS) + k].id }));
    }
    const perNet = Math.ceil(PORTS / NETWORKS);
    const ports: any[] = [];
    for (let start = 0; start < PORTS; start += 1000) {
      const batch = Array.from({ length: Math.min(1000, PORTS - start) }, (_, j) => {
        const i = start + j;
        return { network_id: nets[Math.floor(i / perNet) % NETWORKS].id, name: `p${i}`, security_groups: [sgs[i % SGS]], device_owner: 'compute:nova', device_id: `vm${i}` };
      });
      ports.push(...(await must(a.post('/v2.0/ports', { ports: batch }))).ports);
    }
    for (let f = 0; f < FIPS; f++) await must(a.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.id, port_id: ports[f * Math.floor(PORTS / FIPS)].id } }));
    const fillSeconds = (performance.now() - t0) / 1000;
    console.error(`ovn bench: filled ${ports.length} ports, ${NETWORKS} networks, ${ROUTERS} routers, ${SGS} security groups, ${FIPS} floating IPs in ${fillSeconds.toFixed(1)} s`);

    // An empty NB/SB with northd, and one chassis (in its own namespace) that also hosts gateways.
    execFileSync('ip', ['netns', 'add', hv]);
    const sandbox = await startSandbox({ dir, chassis: { name: chassis, netns: hv } });
    execFileSync('ovn-nbctl', [`--db=${sandbox.nb}`, 'init']);
    const app = server.service.app;
    driver = new OvnDriver({ ovn_nb_connection: sandbox.nb, ovn_sb_connection: sandbox.sb, ovn_resync_seconds: 0 });
    const syncs: SyncResult[] = [];
    driver.synced.push((r) => syncs.push(r));
    const loadStart = os.loadavg()[0];
    const startedAt = performance.now();
    await driver.start({
      feed: app.feed,
      reportStatus: (reports) => app.statusReports.applyTrusted(reports),
      list: async (collection, filters = {}) => (await app.services.get(collection)?.list(adminContext(), { filters, sort: [] })) ?? [],
      log: pino({ level: 'warn' }),
    });
    const full = syncs[0];
    const fullSeconds = (performance.now() - startedAt) / 1000;
    const t1 = performance.now();
    execFileSync('ovn-nbctl', [`--db=${sandbox.nb}`, '--timeout=900', '--wait=sb', 'sync']);
    const northdSeconds = (performance.now() - t1) / 1000;
    console.error(`ovn bench: full resync from an empty NB ${fullSeconds.toFixed(2)} s (read ${full.readSeconds?.toFixed(2)} s, translate+plan ${full.planSeconds.toFixed(2)} s, commit ${full.commitSeconds.toFixed(2)} s), ${full.transactions} NB transaction(s), ${full.plan.inserted} rows; northd caught up ${northdSeconds.toFixed(1)} s later`);

    const again = await driver.fullSync('resync');
    console.error(`ovn bench: full resync with nothing to change ${again.seconds.toFixed(2)} s (read ${again.readSeconds?.toFixed(2)} s, plan ${again.planSeconds.toFixed(2)} s), ${again.transactions} NB transactions`);

    // Incremental: single port creates, request start → the NB transaction carrying it committed.
    const committedAt = new Map<string, number>();
    const feedPasses: SyncResult[] = [];
    driver.synced.push((r) => {
      if (r.trigger !== 'feed') return;
      feedPasses.push(r);
      const now = performance.now();
      for (const c of r.plan.changes) {
        const m = /^(?:insert|update) Logical_Switch_Port (\S+)/.exec(c);
        if (m) committedAt.set(m[1], now);
      }
    });
    const latencies: number[] = [];
    const afterAnswer: number[] = [];
    const passesBefore = feedPasses.length;
    for (let i = 0; i < INCREMENTAL; i++) {
      const sent = performance.now();
      const port = (await must(a.post('/v2.0/ports', { port: { network_id: nets[i % NETWORKS].id, name: `inc${i}`, security_groups: [sgs[i % SGS]] } }))).port;
      const answered = performance.now();
      await until(`port ${port.id} in NB`, () => committedAt.has(port.id), 60_000);
      latencies.push((committedAt.get(port.id)! - sent) / 1000);
      afterAnswer.push((committedAt.get(port.id)! - answered) / 1000);
    }
    const incPasses = feedPasses.slice(passesBefore);
    const incTransactions = incPasses.reduce((n, r) => n + r.transactions, 0);
    console.error(`ovn bench: ${INCREMENTAL} port creates, request → NB committed p50 ${ms(pct(latencies, 50))} ms, p95 ${ms(pct(latencies, 95))} ms; API answer → NB p50 ${ms(pct(afterAnswer, 50))} ms, p95 ${ms(pct(afterAnswer, 95))} ms; driver pass p50 ${ms(pct(incPasses.map((r) => r.seconds), 50))} ms (translate+plan ${ms(pct(incPasses.map((r) => r.planSeconds), 50))} ms, NB commit ${ms(pct(incPasses.map((r) => r.commitSeconds), 50))} ms); ${incTransactions} NB transactions`);

    // API change → hv_cfg caught up, on a port bound to the chassis.
    observer = new OvsdbClient(sandbox.nb);
    await observer.connect();
    const nbGlobal = await Replica.follow(observer, NB, { NB_Global: ['nb_cfg', 'hv_cfg'], Logical_Switch_Port: ['name', 'up'] });
    const global = () => nbGlobal.rows('NB_Global')[0];
    const ops = await observer.ops(NB);
    const bound = (await must(a.post('/v2.0/ports', { port: { network_id: nets[0].id, name: 'bound', security_groups: [sgs[0]], 'binding:host_id': chassis } }))).port;
    const iface = `${hv.slice(0, 8)}b0`;
    execFileSync('ovs-vsctl', [`--db=${sandbox.chassis!.ovs}`, 'add-port', 'br-int', iface, '--', 'set', 'Interface', iface, 'type=internal', `external_ids:iface-id=${bound.id}`], { env: sandbox.chassis!.env });
    // Claimed by ovn-controller: ovn-northd sets the NB port up. (The API's port status is
    // reported by the backend the API server runs, the noop one here.)
    await until('the bound port up in NB', () => nbGlobal.rows('Logical_Switch_Port').some((r) => r.name === bound.id && Array.isArray(r.up) && r.up[0] === true), 900_000);
    const hvLatencies: number[] = [];
    const hvAfterNb: number[] = [];
    for (let i = 0; i < HV_CHANGES; i++) {
      const sent = performance.now();
      const before = committedAt.get(bound.id);
      await must(a.put(`/v2.0/ports/${bound.id}`, { port: { allowed_address_pairs: [{ ip_address: `10.200.${i % 250}.${1 + (i % 200)}` }] } }));
      await until('the change in NB', () => committedAt.get(bound.id) !== before, 60_000);
      const inNb = performance.now();
      // What `ovn-nbctl --wait=hv sync` does: bump nb_cfg, wait for hv_cfg to reach it.
      const [, selected] = await observer.transact(NB, [ops.mutate('NB_Global', [], [['nb_cfg', '+=', 1]]), ops.select('NB_Global', [], ['nb_cfg'])]);
      const target = Number(selected.rows[0].nb_cfg);
      await until('hv_cfg to catch up', () => Number(global()?.hv_cfg ?? 0) >= target, 300_000);
      const done = performance.now();
      hvLatencies.push((done - sent) / 1000);
      hvAfterNb.push((done - inNb) / 1000);
    }
    console.error(`ovn bench: ${HV_CHANGES} changes of a bound port, API request → hv_cfg caught up p50 ${ms(pct(hvLatencies, 50))} ms, p95 ${ms(pct(hvLatencies, 95))} ms (NB committed → hv_cfg p50 ${ms(pct(hvAfterNb, 50))} ms)`);

    const result = {
      at: new Date().toISOString(),
      commit,
      loadavg_1m: Math.round(loadStart * 10) / 10,
      loadavg_1m_end: Math.round(os.loadavg()[0] * 10) / 10,
      cores: os.cpus().length,
      ports: ports.length,
      networks: NETWORKS,
      routers: ROUTERS,
      security_groups: SGS,
      floating_ips: FIPS,
      fill_seconds: sec(fillSeconds),
      full_resync_seconds: sec(fullSeconds),
      full_resync_read_seconds: sec(full.readSeconds ?? 0),
      full_resync_plan_seconds: sec(full.planSeconds),
      full_resync_commit_seconds: sec(full.commitSeconds),
      full_resync_transactions: full.transactions,
      full_resync_rows: full.plan.inserted,
      northd_catch_up_seconds: sec(northdSeconds),
      noop_resync_seconds: sec(again.seconds),
      noop_resync_read_seconds: sec(again.readSeconds ?? 0),
      noop_resync_plan_seconds: sec(again.planSeconds),
      noop_resync_transactions: again.transactions,
      incremental_creates: INCREMENTAL,
      incremental_p50_ms: ms(pct(latencies, 50)),
      incremental_p95_ms: ms(pct(latencies, 95)),
      incremental_after_answer_p50_ms: ms(pct(afterAnswer, 50)),
      incremental_after_answer_p95_ms: ms(pct(afterAnswer, 95)),
      incremental_driver_pass_p50_ms: ms(pct(incPasses.map((r) => r.seconds), 50)),
      incremental_driver_pass_p95_ms: ms(pct(incPasses.map((r) => r.seconds), 95)),
      incremental_transactions: incTransactions,
      incremental_plan_p50_ms: ms(pct(incPasses.map((r) => r.planSeconds), 50)),
      incremental_commit_p50_ms: ms(pct(incPasses.map((r) => r.commitSeconds), 50)),
      hv_changes: HV_CHANGES,
      hv_cfg_p50_ms: ms(pct(hvLatencies, 50)),
      hv_cfg_p95_ms: ms(pct(hvLatencies, 95)),
      hv_cfg_after_nb_p50_ms: ms(pct(hvAfterNb, 50)),
      hv_cfg_after_nb_p95_ms: ms(pct(hvAfterNb, 95)),
    };
    fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
    fs.appendFileSync(resultsFile, JSON.stringify(result) + '\n');
    console.error(JSON.stringify(result));
    return result;
  } finally {
    observer?.close();
    await driver?.stop();
    await server.close();
    await stopSandbox(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    try {
      execFileSync('ip', ['netns', 'del', hv], { stdio: 'ignore' });
    } catch {
      // not created
    }
  }
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD']).toString().trim();
  } catch {
    return '';
  }
}

const START = '<!-- ovn bench: rows written by bench/ovn.ts from bench/results/ovn.jsonl -->';
const END = '<!-- /ovn bench -->';

/** Rewrites the rows of BENCHMARKS.md's session-4 OVN table from the runs in bench/results/ovn.jsonl (those with hv_cfg figures). */
export function writeOvnSection(): void {
  const file = path.join(root, 'BENCHMARKS.md');
  const doc = fs.readFileSync(file, 'utf8');
  const at = doc.indexOf(START);
  const end = doc.indexOf(END, at);
  if (at < 0 || end < 0) {
    console.error('BENCHMARKS.md: no OVN table markers; the OVN section is not rewritten');
    return;
  }
  const runs = fs.readFileSync(resultsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.hv_cfg_p50_ms !== undefined);
  const rows = runs.map(
    (r) =>
      `| ${r.at.slice(0, 16).replace('T', ' ')} ${r.commit ?? ''} | ${r.loadavg_1m}–${r.loadavg_1m_end} | ${r.ports.toLocaleString('en')} | ${r.full_resync_seconds} s (${r.full_resync_read_seconds} / ${r.full_resync_plan_seconds} / ${r.full_resync_commit_seconds}) | ${r.full_resync_transactions} | ${r.full_resync_rows.toLocaleString('en')} | ${r.northd_catch_up_seconds} s | ${r.noop_resync_seconds} s | ${r.incremental_p50_ms} / ${r.incremental_p95_ms} ms (${r.incremental_after_answer_p50_ms} / ${r.incremental_after_answer_p95_ms}) | ${r.incremental_transactions} for ${r.incremental_creates} | ${r.hv_cfg_p50_ms} / ${r.hv_cfg_p95_ms} ms (${r.hv_cfg_after_nb_p50_ms} / ${r.hv_cfg_after_nb_p95_ms}) |`,
  );
  const table = `${START}
| run (UTC, commit) | load avg 1 min (start–end) | ports | full resync from empty NB (read / translate+plan / commit) | NB transactions | NB rows | northd caught up after | full resync, nothing to change | port create → NB committed p50 / p95 (from the API answer) | NB transactions (incremental) | API change → hv_cfg p50 / p95 (from NB committed) |
| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | --- | --- | --- |
${rows.join('\n')}
${END}`;
  fs.writeFileSync(file, doc.slice(0, at) + table + doc.slice(end + END.length));
  console.error('BENCHMARKS.md: OVN table written');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const skip = ovnBenchSkip();
  if (skip) {
    console.error(`ovn bench skipped: ${skip}`);
  } else {
    const env = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
    await runOvnBench({ ports: env('BENCH_OVN_PORTS'), incremental: env('BENCH_OVN_INCREMENTAL'), hvChanges: env('BENCH_OVN_HV_CHANGES') });
    writeOvnSection();
  }
}
