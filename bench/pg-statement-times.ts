// Wall time of each SQL statement typical requests run on PostgreSQL (in-process, a fresh
// database on 127.0.0.1:5432, 2,000 ports on one network): list, list by network, show and
// update of a port (10 each), 20 port creates and deletes, 50 network creates and deletes; per statement text its mean
// and count, slowest first. Round trips are what PostgreSQL requests pay for.
//   node --import tsx bench/pg-statement-times.ts
import pg from 'pg';
import { loadConfig } from '../src/config/index.ts';
import { createApp } from '../src/app.ts';
import { buildServer } from '../src/api/server.ts';
import { freshDatabase } from '../test/helpers/server.ts';
let rec: [string, number][] | null = null;
const oq = (pg.Client.prototype as any).query;
(pg.Client.prototype as any).query = function (this: any, ...a: any[]) {
  const t = performance.now(); const r = oq.apply(this, a);
  if (rec && r && typeof r.then === 'function') { const text = typeof a[0] === 'string' ? a[0] : a[0]?.text; r.then(() => rec?.push([text, performance.now() - t]), () => {}); }
  return r;
};
const db = await freshDatabase('postgres');
process.env.NEUTRINO_DATABASE_URL = db.url; process.env.NEUTRINO_AUTH_STRATEGY = 'noauth'; process.env.NEUTRINO_LOG_LEVEL = 'warn'; process.env.NEUTRINO_QUOTAS_PORT = '-1';
const app = await createApp(loadConfig({}));
const server = buildServer(app);
const h = { 'content-type': 'application/json', 'x-project-id': 'p', 'x-roles': 'admin' };
const call = async (method: string, url: string, body?: unknown) => {
  const r = await server.inject({ method: method as any, url, headers: h, payload: body === undefined ? undefined : JSON.stringify(body) });
  if (r.statusCode >= 300) throw new Error(r.body); return r.body ? JSON.parse(r.body) : null;
};
const net = (await call('POST', '/v2.0/networks', { network: { name: 'x' } })).network;
await call('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/16' } });
for (let i = 0; i < 20; i++) await call('POST', '/v2.0/ports', { ports: Array.from({ length: 100 }, () => ({ network_id: net.id })) });
const ports = (await call('GET', '/v2.0/ports?fields=id')).ports;
const sum = (label: string) => { const m = new Map<string, [number, number]>(); for (const [s, t] of rec!) { const e = m.get(s) ?? [0, 0]; e[0]++; e[1] += t; m.set(s, e); } console.log(`--- ${label}`); for (const [s, [n, t]] of [...m].sort((a, b) => b[1][1] - a[1][1]).slice(0, Number(process.env.TOP ?? 12))) console.log(`${(t / n).toFixed(2).padStart(8)} ms x${n}  ${s.slice(0, 150)}`); };
for (const [label, fn] of [
  ['list all', () => call('GET', '/v2.0/ports')],
  ['list by network', () => call('GET', `/v2.0/ports?network_id=${net.id}`)],
  ['show', () => call('GET', `/v2.0/ports/${ports[7].id}`)],
  ['update', () => call('PUT', `/v2.0/ports/${ports[8].id}`, { port: { name: 'u' } })],
] as [string, () => Promise<unknown>][]) {
  await fn(); rec = []; const t = performance.now(); for (let i = 0; i < 10; i++) await fn(); console.log(`${label}: ${((performance.now() - t) / 10).toFixed(2)} ms/op`); sum(label); rec = null;
}
rec = [];
for (let i = 0; i < 20; i++) await call('POST', '/v2.0/ports', { port: { network_id: net.id, name: `c${i}` } });
sum('port create');
rec = [];
for (const { id } of ports.slice(20, 40)) await call('DELETE', `/v2.0/ports/${id}`);
sum('port delete');
const nets: string[] = []; rec = [];
for (let i = 0; i < 50; i++) nets.push((await call('POST', '/v2.0/networks', { network: { name: 'n' } })).network.id); sum('net create'); rec = [];
for (const id of nets) await call('DELETE', `/v2.0/networks/${id}`); sum('net delete'); rec = null;
await app.close(); await db.drop();
