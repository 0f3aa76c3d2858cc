// Reachability scenario of `npm run bench` (also runnable alone):
//
//   node bin/build.mjs && node --import tsx bench/explain.ts [--db sqlite,postgres] [--ports 10000] [--rules 1000] [--requests 300]
//
// Starts the compiled server (`dist/cli/main.js serve`, noauth, the node flags `npm start`
// uses) on a fresh database, stores --ports ports on 10 networks behind one router with an
// external gateway and --rules security group rules in 20 groups (the ports spread over
// them), then asks POST /v2.0/reachability/explain as a project member (so the visibility
// checks run) --requests times, one at a time, cycling through four questions: port to port
// across the router (reachable), the same to a closed port (blocked, with a suggestion),
// port to an outside address (SNAT), outside to a floating IP (DNAT). The answer time
// (client side, HTTP included) p50/p95 goes to bench/results/explain-<db>.jsonl (read by
// bench/run.ts for BENCHMARKS.md) and stderr. Target: p95 < 100 ms.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase, type TestDialect } from '../test/helpers/server.ts';
import { freePort, waitUp } from '../test/helpers/process.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = path.join(root, 'bench', 'results');
const NETWORKS = 10;
const GROUPS = 20;

export interface ExplainBenchOptions {
  ports?: number;
  rules?: number;
  requests?: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const round = (x: number) => Math.round(x * 10) / 10;

export async function runExplainBench(dialect: TestDialect, options: ExplainBenchOptions = {}): Promise<Record<string, unknown>> {
  const ports = options.ports ?? 10000;
  const ruleCount = options.rules ?? 1000;
  const requests = options.requests ?? 300;
  const db = await freshDatabase(dialect);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { ...process.env, NEUTRINO_API_PORT: String(port), NEUTRINO_DATABASE_URL: db.url, NEUTRINO_AUTH_STRATEGY: 'noauth', NEUTRINO_LOG_LEVEL: 'warn' };
  for (const q of ['NETWORK', 'SUBNET', 'PORT', 'ROUTER', 'FLOATINGIP', 'SECURITY_GROUP', 'SECURITY_GROUP_RULE']) (env as Record<string, string>)[`NEUTRINO_QUOTAS_${q}`] = '-1';
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_OPTIONS ?? '--max-semi-space-size=1').split(' ').filter(Boolean), 'dist/cli/main.js', 'serve'], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const call = async (method: string, p: string, body?: unknown, admin = false) => {
    const res = await fetch(base + p, {
      method,
      headers: { 'content-type': 'application/json', 'x-project-id': admin ? 'bench-admin' : 'bench', 'x-roles': admin ? 'admin' : 'member,reader' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p} -> ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  };
  try {
    await waitUp(base + '/', child);
    const t0 = Date.now();
    const ext = (await call('POST', '/v2.0/networks', { network: { name: 'public', 'router:external': true } }, true)).network;
    await call('POST', '/v2.0/subnets', { subnet: { network_id: ext.id, cidr: '203.0.113.0/24', ip_version: 4, enable_dhcp: false } }, true);
    const router = (await call('POST', '/v2.0/routers', { router: { name: 'r', external_gateway_info: { network_id: ext.id } } })).router;
    const groups: string[] = [];
    for (let g = 0; g < GROUPS; g++) groups.push((await call('POST', '/v2.0/security-groups', { security_group: { name: `g${g}` } })).security_group.id);
    // Each new group has 2 egress rules; the rest are ingress rules of assorted shapes.
    const ingress = Math.max(0, ruleCount - 2 * GROUPS);
    const rules = Array.from({ length: ingress }, (_, i) => {
      const group = groups[i % GROUPS];
      const shape = i % 4;
      const portNo = 1000 + i; // unique per group and shape: no duplicate rules
      if (shape === 0) return { security_group_id: group, direction: 'ingress', protocol: 'tcp', port_range_min: portNo, port_range_max: portNo, remote_ip_prefix: `10.${i % 200}.0.0/16` };
      if (shape === 1) return { security_group_id: group, direction: 'ingress', protocol: 'udp', port_range_min: portNo, port_range_max: portNo + 10 };
      if (shape === 2) return { security_group_id: group, direction: 'ingress', protocol: 'tcp', port_range_min: portNo, port_range_max: portNo, remote_group_id: groups[(i + 1) % GROUPS] };
      return { security_group_id: group, direction: 'ingress', protocol: 'tcp', port_range_min: portNo, port_range_max: portNo + 5, remote_ip_prefix: `192.0.2.${i % 250}/32` };
    });
    // Bulk creates take the rules of one group at a time (SecurityGroupNotSingleGroupRules).
    for (const group of groups) await call('POST', '/v2.0/security-group-rules', { security_group_rules: rules.filter((r) => r.security_group_id === group) });
    // The questions' endpoints admit tcp/443 from the first network.
    await call('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: groups[0], direction: 'ingress', protocol: 'tcp', port_range_min: 443, port_range_max: 443, remote_ip_prefix: '10.100.0.0/16' } });
    const nets: string[] = [];
    for (let n = 0; n < NETWORKS; n++) {
      const net = (await call('POST', '/v2.0/networks', { network: { name: `n${n}` } })).network;
      const subnet = (await call('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: `10.${100 + n}.0.0/16`, ip_version: 4, enable_dhcp: false } })).subnet;
      await call('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id });
      nets.push(net.id);
    }
    const perNet = Math.ceil(ports / NETWORKS);
    const sample: any[] = [];
    for (let n = 0; n < NETWORKS; n++) {
      for (let made = 0; made < perNet; made += 500) {
        const size = Math.min(500, perNet - made);
        const body = Array.from({ length: size }, (_, i) => ({ network_id: nets[n], name: `p${n}-${made + i}`, security_groups: [groups[(made + i) % GROUPS]] }));
        const out = (await call('POST', '/v2.0/ports', { ports: body })).ports;
        if (made === 0) sample.push(out[0]);
      }
    }
    const stored = (await call('GET', '/v2.0/security-group-rules?fields=id', undefined, true)).security_group_rules.length;
    const fillSeconds = (Date.now() - t0) / 1000;
    const fip = (await call('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ext.id, port_id: sample[1].id } })).floatingip;
    const questions = [
      { source: { port_id: sample[0].id }, destination: { port_id: sample[1].id }, protocol: 'tcp', port: 443 },
      { source: { port_id: sample[0].id }, destination: { port_id: sample[2].id }, protocol: 'tcp', port: 22 },
      { source: { port_id: sample[3].id }, destination: { ip_address: '198.51.100.7' }, protocol: 'udp', port: 53 },
      { source: { ip_address: '198.51.100.7' }, destination: { ip_address: fip.floating_ip_address }, protocol: 'tcp', port: 443 },
    ];
    const verdicts: Record<string, number> = {};
    for (let i = 0; i < 20; i++) await call('POST', '/v2.0/reachability/explain', { reachability: questions[i % questions.length] }); // warm-up
    // Each question is followed by a plain GET of one port, the baseline: on a shared, loaded
    // machine the ratio between the two says more than either alone.
    const times: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < requests; i++) {
      let started = performance.now();
      const answer = (await call('POST', '/v2.0/reachability/explain', { reachability: questions[i % questions.length] })).reachability;
      times.push(performance.now() - started);
      verdicts[answer.verdict] = (verdicts[answer.verdict] ?? 0) + 1;
      started = performance.now();
      await call('GET', `/v2.0/ports/${sample[i % sample.length].id}`);
      baseline.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    baseline.sort((a, b) => a - b);
    const result = {
      ts: new Date().toISOString(),
      label: `neutrino-${dialect}`,
      scenario: 'explain',
      ports_stored: sample.length && perNet * NETWORKS,
      rules_stored: stored,
      fill_seconds: round(fillSeconds),
      requests,
      p50_ms: round(quantile(times, 0.5)),
      p95_ms: round(quantile(times, 0.95)),
      max_ms: round(times[times.length - 1]),
      port_show_p50_ms: round(quantile(baseline, 0.5)),
      port_show_p95_ms: round(quantile(baseline, 0.95)),
      loadavg_1m: round(os.loadavg()[0]),
      verdicts,
    };
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.appendFileSync(path.join(resultsDir, `explain-${dialect}.jsonl`), JSON.stringify(result) + '\n');
    console.error(`explain ${dialect}: ${JSON.stringify(result)}`);
    return result;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await db.drop();
  }
}

/** The BENCHMARKS.md section: the last run per database. */
export function explainReport(): string {
  const rows: string[] = [];
  for (const d of ['sqlite', 'postgres']) {
    const file = path.join(resultsDir, `explain-${d}.jsonl`);
    if (!fs.existsSync(file)) continue;
    const r = JSON.parse(fs.readFileSync(file, 'utf8').trim().split('\n').at(-1)!);
    rows.push(`| ${r.label} | ${r.ports_stored} | ${r.rules_stored} | ${r.requests} | ${r.p50_ms} | ${r.p95_ms} | ${r.max_ms} | ${r.port_show_p50_ms} / ${r.port_show_p95_ms} | ${r.loadavg_1m} | ${r.p95_ms < 100 ? 'yes' : '**no**'} | ${JSON.stringify(r.verdicts)} |`);
  }
  if (!rows.length) return '';
  return `## Reachability analysis (bench/explain.ts)

Answer time of \`POST /v2.0/reachability/explain\` (client side, one request at a time, as a
project member so the visibility checks run) with the ports and security group rules stored
(10 networks behind one router with a gateway, 20 groups), cycling through four questions:
port → port across the router (reachable), port → port on a closed port (blocked), port →
outside address (SNAT), outside → floating IP (DNAT). Each question is followed by a
\`GET /v2.0/ports/{id}\` (baseline, same client): on a shared machine compare the two.
Target: p95 < 100 ms.

| server | ports | rules | requests | p50 ms | p95 ms | max ms | port show p50 / p95 ms | load avg | p95 < 100 ms | verdicts |
|---|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  for (const d of (arg('--db') ?? 'sqlite,postgres').split(',') as TestDialect[]) {
    await runExplainBench(d, { ports: Number(arg('--ports') ?? 10000), rules: Number(arg('--rules') ?? 1000), requests: Number(arg('--requests') ?? 300) });
  }
}
