// OVN scenario (issue 13): how fast the ovn backend translates a cloud into the OVN
// northbound database. Neutrino (noauth, PostgreSQL) is filled through the API with 10,000
// ports on 100 networks (10 routers with gateways and 10 interfaces each, 10 security groups
// with rules, 100 floating IPs); then an ovn driver starts against an EMPTY private NB
// (ovsdb-server + ovn-northd started here, stopped by PID) and its full reconcile is timed:
// reading the intent, translating/planning, the NB transaction(s). Then a second full
// reconcile with nothing to change, and incremental changes: single port creates through the
// API, API request start → the NB transaction that carries the port committed, p50/p95.
//
//   node --import tsx bench/ovn.ts                 full size
//   BENCH_OVN_PORTS=2000 node --import tsx bench/ovn.ts
// Results: printed, and appended to bench/results/ovn.jsonl.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { startTestServer } from '../test/helpers/server.ts';
import { startSandbox, stopSandbox } from '../src/backends/ovn/sandbox.ts';
import { OvnDriver, type SyncResult } from '../src/backends/ovn/driver.ts';
import { adminContext } from '../src/foundation/context.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PORTS = Number(process.env.BENCH_OVN_PORTS ?? 10_000);
const NETWORKS = 100;
const ROUTERS = 10;
const SGS = 10;
const FIPS = 100;
const INCREMENTAL = 200;

const pct = (values: number[], p: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (s: number) => Math.round(s * 10000) / 10;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neutrino-bench-ovn-'));
  const unlimited = Object.fromEntries(['network', 'subnet', 'port', 'router', 'floatingip', 'security_group', 'security_group_rule'].map((r) => [`quotas.${r}`, -1]));
  const server = await startTestServer('postgres', { 'log.level': 'error', 'api.max_bulk_items': 1000, 'api.max_request_body_size': 4_000_000, ...unlimited });
  let driver: OvnDriver | undefined;
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
    const subnets = (await must(a.post('/v2.0/subnets', { subnets: nets.map((n: any, i: number) => ({ network_id: n.id, cidr: `10.${Math.floor(i / 250)}.${i % 250}.0/24`.replace(/^10\.0\./, '10.0.'), ip_version: 4 })) }))).subnets;
    const routers: any[] = [];
    for (let r = 0; r < ROUTERS; r++) {
      const router = (await must(a.post('/v2.0/routers', { router: { name: `r${r}`, external_gateway_info: { network_id: ext.id, enable_snat: true } } }))).router;
      for (let k = 0; k < NETWORKS / ROUTERS; k++) await must(a.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnets[r * (NETWORKS / ROUTERS) + k].id }));
      routers.push(router);
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
    console.log(`filled: ${ports.length} ports, ${NETWORKS} networks, ${ROUTERS} routers, ${SGS} security groups, ${FIPS} floating IPs in ${fillSeconds.toFixed(1)} s`);

    // An empty NB/SB with northd; one chassis so gateway ports are scheduled and NAT is realized.
    const sandbox = await startSandbox({ dir });
    execFileSync('ovn-nbctl', [`--db=${sandbox.nb}`, 'init']);
    execFileSync('ovn-sbctl', [`--db=${sandbox.sb}`, 'chassis-add', 'gw1', 'geneve', '127.0.0.1']);
    const app = server.service.app;
    driver = new OvnDriver({ ovn_nb_connection: sandbox.nb, ovn_sb_connection: sandbox.sb, ovn_resync_seconds: 0 });
    const syncs: SyncResult[] = [];
    driver.synced.push((r) => syncs.push(r));
    const startedAt = performance.now();
    await driver.start({
      feed: app.feed,
      reportStatus: (reports) => app.statusReports.applyTrusted(reports),
      list: async (collection, filters = {}) => (await app.services.get(collection)?.list(adminContext(), { filters, sort: [] })) ?? [],
      log: pino({ level: 'warn' }),
    });
    const full = syncs[0];
    const fullSeconds = (performance.now() - startedAt) / 1000;
    const fullRows = full.plan.inserted;
    const fullTransactions = full.plan.operations.length ? 1 : 0;
    const t1 = performance.now();
    execFileSync('ovn-nbctl', [`--db=${sandbox.nb}`, '--timeout=600', '--wait=sb', 'sync']);
    const northdSeconds = (performance.now() - t1) / 1000;
    console.log(`full reconcile from an empty NB: ${fullSeconds.toFixed(2)} s (read+translate+commit ${full.seconds.toFixed(2)} s: plan ${full.planSeconds.toFixed(2)} s, commit ${full.commitSeconds.toFixed(2)} s), ${fullTransactions} NB transaction, ${fullRows} rows; northd caught up ${northdSeconds.toFixed(1)} s later`);

    const again = await driver.fullSync('resync');
    console.log(`full reconcile with nothing to change: ${again.seconds.toFixed(2)} s (plan ${again.planSeconds.toFixed(2)} s), ${again.plan.operations.length} operations`);

    // Incremental: single port creates, request start → the NB transaction carrying it committed.
    const committedAt = new Map<string, number>();
    let feedTransactions = 0;
    driver.synced.push((r) => {
      if (r.trigger !== 'feed') return;
      if (r.plan.operations.length) feedTransactions++;
      for (const c of r.plan.changes) {
        const m = /^insert Logical_Switch_Port (\S+)$/.exec(c);
        if (m) committedAt.set(m[1], performance.now());
      }
    });
    const latencies: number[] = [];
    const afterAnswer: number[] = [];
    const syncSeconds: number[] = [];
    const planSeconds: number[] = [];
    const commitSeconds: number[] = [];
    driver.synced.push((r) => {
      if (r.trigger !== 'feed') return;
      syncSeconds.push(r.seconds);
      planSeconds.push(r.planSeconds);
      commitSeconds.push(r.commitSeconds);
    });
    for (let i = 0; i < INCREMENTAL; i++) {
      const sent = performance.now();
      const port = (await must(a.post('/v2.0/ports', { port: { network_id: nets[i % NETWORKS].id, name: `inc${i}`, security_groups: [sgs[i % SGS]] } }))).port;
      const answered = performance.now();
      while (!committedAt.has(port.id)) await new Promise((r) => setImmediate(r));
      latencies.push((committedAt.get(port.id)! - sent) / 1000);
      afterAnswer.push((committedAt.get(port.id)! - answered) / 1000);
    }
    console.log(`incremental: ${INCREMENTAL} port creates, request → NB committed p50 ${ms(pct(latencies, 50))} ms, p95 ${ms(pct(latencies, 95))} ms; API answer → NB committed p50 ${ms(pct(afterAnswer, 50))} ms, p95 ${ms(pct(afterAnswer, 95))} ms; driver pass (read feed + refresh + translate + plan + commit) p50 ${ms(pct(syncSeconds, 50))} ms, p95 ${ms(pct(syncSeconds, 95))} ms (translate+plan p50 ${ms(pct(planSeconds, 50))} ms, NB commit p50 ${ms(pct(commitSeconds, 50))} ms); ${feedTransactions} NB transactions`);

    const result = {
      at: new Date().toISOString(),
      ports: ports.length,
      networks: NETWORKS,
      routers: ROUTERS,
      security_groups: SGS,
      floating_ips: FIPS,
      fill_seconds: fillSeconds,
      full_reconcile_seconds: fullSeconds,
      full_reconcile_plan_seconds: full.planSeconds,
      full_reconcile_commit_seconds: full.commitSeconds,
      full_reconcile_transactions: fullTransactions,
      full_reconcile_rows: fullRows,
      northd_catch_up_seconds: northdSeconds,
      noop_reconcile_seconds: again.seconds,
      incremental_creates: INCREMENTAL,
      incremental_p50_ms: ms(pct(latencies, 50)),
      incremental_p95_ms: ms(pct(latencies, 95)),
      incremental_after_answer_p50_ms: ms(pct(afterAnswer, 50)),
      incremental_after_answer_p95_ms: ms(pct(afterAnswer, 95)),
      incremental_driver_pass_p50_ms: ms(pct(syncSeconds, 50)),
      incremental_driver_pass_p95_ms: ms(pct(syncSeconds, 95)),
      incremental_plan_p50_ms: ms(pct(planSeconds, 50)),
      incremental_commit_p50_ms: ms(pct(commitSeconds, 50)),
      incremental_transactions: feedTransactions,
      cores: os.cpus().length,
    };
    fs.mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
    fs.appendFileSync(path.join(root, 'bench', 'results', 'ovn.jsonl'), JSON.stringify(result) + '\n');
    console.log(JSON.stringify(result));
  } finally {
    await driver?.stop();
    await server.close();
    await stopSandbox(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
