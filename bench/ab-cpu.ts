// CPU time per request of the write phases for two checkouts of Neutrino, both loaded in ONE
// process (each its own modules, app and SQLite file) and driven through server.inject (no
// sockets) in alternating blocks of a few requests: whatever else the machine runs slows both
// sides alike, which separate runs on a shared 2-core machine never achieve (±50 % between runs).
// CPU time is this process's user + system time (better-sqlite3 runs in this thread).
//   node --import tsx bench/ab-cpu.ts <rootA> <rootB> [n=600] [block=25]
//   PHASES=net_create,router_add_if node --import tsx bench/ab-cpu.ts …   (only those phases)
// Prints per phase the median over blocks of CPU µs per request, A and B, and B/A.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [rootA, rootB] = [path.resolve(process.argv[2]), path.resolve(process.argv[3])];
const n = Number(process.argv[4] ?? 600);
const block = Number(process.argv[5] ?? 25);

Object.assign(process.env, { NEUTRINO_AUTH_STRATEGY: 'noauth', NEUTRINO_LOG_LEVEL: 'warn' });
for (const q of ['NETWORK', 'SUBNET', 'PORT', 'ROUTER', 'SECURITY_GROUP', 'SECURITY_GROUP_RULE']) process.env[`NEUTRINO_QUOTAS_${q}`] = '-1';

type Call = (method: string, url: string, body?: unknown) => Promise<any>;
interface Side { name: string; call: Call; net: string; sg: string; router: string; close(): Promise<void> }

async function side(name: string, root: string): Promise<Side> {
  const dbFile = path.join(os.tmpdir(), `neutrino-ab-${process.pid}-${name}.db`);
  const clean = () => { for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) fs.rmSync(f, { force: true }); };
  clean();
  process.env.NEUTRINO_DATABASE_URL = `sqlite:${dbFile}`;
  const imp = (p: string) => import(pathToFileURL(path.join(root, p)).href);
  const { loadConfig } = await imp('src/config/index.ts');
  const { createApp } = await imp('src/app.ts');
  const { buildServer } = await imp('src/api/server.ts');
  const app = await createApp(loadConfig({}));
  const server = buildServer(app);
  const h = { 'content-type': 'application/json', 'x-project-id': 'p', 'x-roles': 'admin' };
  const call: Call = async (method, url, body) => {
    const r = await server.inject({ method: method as any, url, headers: h, payload: body === undefined ? undefined : JSON.stringify(body) });
    if (r.statusCode >= 300) throw new Error(`${name}: ${method} ${url} → ${r.statusCode} ${r.body}`);
    return r.body ? JSON.parse(r.body) : null;
  };
  const net = (await call('POST', '/v2.0/networks', { network: { name: 'x' } })).network.id;
  await call('POST', '/v2.0/subnets', { subnet: { network_id: net, ip_version: 4, cidr: '10.0.0.0/16' } });
  const sg = (await call('POST', '/v2.0/security-groups', { security_group: { name: 'sg' } })).security_group.id;
  const router = (await call('POST', '/v2.0/routers', { router: { name: 'r' } })).router.id;
  return { name, call, net, sg, router, close: async () => { await app.close(); clean(); } };
}

/** A phase: per side, state made before the measured requests (not measured), then op(i). */
interface Phase { name: string; count: number; prepare?: (s: Side, count: number) => Promise<unknown[]>; op: (s: Side, i: number, state: unknown[]) => Promise<unknown> }
let rule = 0, cidr = 0;
const allPhases: Phase[] = [
  { name: 'net_create', count: n, op: (s) => s.call('POST', '/v2.0/networks', { network: { name: 'n' } }) },
  { name: 'net_delete', count: n, prepare: async (s, c) => { const ids = []; for (let i = 0; i < c; i++) ids.push((await s.call('POST', '/v2.0/networks', { network: { name: 'd' } })).network.id); return ids; }, op: (s, i, ids) => s.call('DELETE', `/v2.0/networks/${ids[i]}`) },
  { name: 'port_create', count: n, op: (s, i) => s.call('POST', '/v2.0/ports', { port: { network_id: s.net, name: `p${i}` } }) },
  { name: 'port_update', count: n, prepare: (s, c) => portsOf(s, c), op: (s, i, ids) => s.call('PUT', `/v2.0/ports/${ids[i]}`, { port: { name: `q${i}` } }) },
  { name: 'port_show', count: n, prepare: (s, c) => portsOf(s, c), op: (s, i, ids) => s.call('GET', `/v2.0/ports/${ids[i]}`) },
  { name: 'port_delete', count: n, prepare: (s, c) => portsOf(s, c), op: (s, i, ids) => s.call('DELETE', `/v2.0/ports/${ids[i]}`) },
  { name: 'port_bulk100', count: Math.max(4, n / 50), op: (s) => s.call('POST', '/v2.0/ports', { ports: Array.from({ length: 100 }, () => ({ network_id: s.net })) }) },
  { name: 'sg_rule_create', count: n, op: (s) => s.call('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: s.sg, direction: 'ingress', protocol: 'tcp', port_range_min: (++rule % 65000) + 1, port_range_max: (rule % 65000) + 1 } }) },
  {
    name: 'router_add_if', count: Math.min(n, 200),
    prepare: async (s, c) => { const ids = []; for (let i = 0; i < c; i++) { const nn = (await s.call('POST', '/v2.0/networks', { network: { name: 'rn' } })).network.id; ids.push((await s.call('POST', '/v2.0/subnets', { subnet: { network_id: nn, ip_version: 4, cidr: `10.${128 + ((cidr >> 8) % 100)}.${cidr++ % 256}.0/24` } })).subnet.id); } return ids; },
    op: async (s, i, ids) => { await s.call('PUT', `/v2.0/routers/${s.router}/add_router_interface`, { subnet_id: ids[i] }); },
  },
  {
    name: 'router_remove_if', count: Math.min(n, 200),
    // The interfaces router_add_if attached (its state, by phase order), removed in the same order.
    prepare: async (s, c) => (await s.call('GET', `/v2.0/ports?device_id=${s.router}&device_owner=network:router_interface`)).ports.slice(0, c).map((p: any) => p.fixed_ips[0].subnet_id),
    op: async (s, i, ids) => { await s.call('PUT', `/v2.0/routers/${s.router}/remove_router_interface`, { subnet_id: ids[i] }); },
  },
];
const only = process.env.PHASES?.split(',');
const phases = only ? allPhases.filter((p) => only.includes(p.name)) : allPhases;
async function portsOf(s: Side, c: number): Promise<string[]> {
  const out: string[] = [];
  while (out.length < c) out.push(...(await s.call('POST', '/v2.0/ports', { ports: Array.from({ length: Math.min(100, c - out.length) }, () => ({ network_id: s.net })) })).ports.map((p: any) => p.id));
  return out;
}

const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };
const A = await side('A', rootA), B = await side('B', rootB);
const perBlock: Record<string, { A: number[]; B: number[] }> = {};
for (const round of [0, 1]) { // round 0 warms both sides up
  for (const p of phases) {
    const state = new Map<Side, unknown[]>();
    for (const s of [A, B]) state.set(s, p.prepare ? await p.prepare(s, p.count) : []);
    const size = Math.max(1, Math.min(block, Math.floor(p.count / 8)));
    for (let start = 0, k = 0; start < p.count; start += size, k++) {
      for (const s of k % 2 ? [B, A] : [A, B]) {
        const t = cpu();
        for (let i = start; i < Math.min(p.count, start + size); i++) await p.op(s, i, state.get(s)!);
        if (round) ((perBlock[p.name] ??= { A: [], B: [] })[s.name as 'A' | 'B']).push((cpu() - t) / (Math.min(p.count, start + size) - start));
      }
    }
  }
}
const median = (xs: number[]) => { const v = [...xs].sort((x, y) => x - y); const m = v.length >> 1; return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2; };
console.log(`| phase | A µs CPU/request | B µs CPU/request | B/A |`);
console.log(`|---|---|---|---|`);
for (const [name, { A: a, B: b }] of Object.entries(perBlock)) console.log(`| ${name} | ${median(a).toFixed(0)} | ${median(b).toFixed(0)} | ${(median(b) / median(a)).toFixed(2)} |`);
console.log(`\nA = ${rootA}, B = ${rootB}; medians over ${Object.values(perBlock)[0]?.A.length} alternating blocks per phase; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
await A.close();
await B.close();
process.exit(0);
