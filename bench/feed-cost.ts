// What the change feed costs per request: CPU time per request of the write phases,
// in-process through server.inject (no sockets, no client), measured as this process's CPU
// time (user + system; better-sqlite3 runs in this thread, so SQLite's work counts too).
// CPU time is far less disturbed than wall-clock time by other work on a shared machine.
// Each round runs every phase with the feed on and with it off (its record() and flush()
// replaced by no-ops), alternating, in one process: the ratio is the feed's cost.
//   node --import tsx bench/feed-cost.ts [n=300] [rounds=5]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/index.ts';
import { createApp } from '../src/app.ts';
import { buildServer } from '../src/api/server.ts';

const dbFile = path.join(os.tmpdir(), `neutrino-feed-cost-${process.pid}.db`);
const clean = () => { for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) fs.rmSync(f, { force: true }); };
clean();
process.env.NEUTRINO_DATABASE_URL = `sqlite:${dbFile}`;
process.env.NEUTRINO_AUTH_STRATEGY = 'noauth';
process.env.NEUTRINO_LOG_LEVEL = 'warn';
process.env.NEUTRINO_QUOTAS_PORT = '-1';
process.env.NEUTRINO_QUOTAS_NETWORK = '-1';
process.env.NEUTRINO_QUOTAS_SECURITY_GROUP_RULE = '-1';
const n = Number(process.argv[2] ?? 300);
const rounds = Number(process.argv[3] ?? 5);
const app = await createApp(loadConfig({}));
const server = buildServer(app);
const h = { 'content-type': 'application/json', 'x-project-id': 'p', 'x-roles': 'admin' };
const call = async (method: string, url: string, body?: unknown) => {
  const r = await server.inject({ method: method as any, url, headers: h, payload: body === undefined ? undefined : JSON.stringify(body) });
  if (r.statusCode >= 300) throw new Error(`${method} ${url} → ${r.statusCode} ${r.body}`);
  return r.body ? JSON.parse(r.body) : null;
};
const net = (await call('POST', '/v2.0/networks', { network: { name: 'x' } })).network;
await call('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/16' } });
const sg = (await call('POST', '/v2.0/security-groups', { security_group: { name: 'sg' } })).security_group;

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const results: Record<string, { on: number[]; off: number[] }> = {};
let mode: 'on' | 'off' = 'on';
const feed = app.feed as any;
const real = { record: feed.record, flush: feed.flush };
const setMode = (m: 'on' | 'off') => {
  mode = m;
  feed.record = m === 'on' ? real.record : () => {};
  feed.flush = m === 'on' ? real.flush : async () => false;
};
async function phase(name: string, op: (i: number) => Promise<unknown>): Promise<void> {
  const t0 = cpuMs();
  for (let i = 0; i < n; i++) await op(i);
  (results[name] ??= { on: [], off: [] })[mode].push(((cpuMs() - t0) * 1000) / n); // µs of CPU per op
}
// The bare cost: transactions that only bump one network's revision.
const networks = (app.services as any).get('networks');
for (let r = 0; r < 2 * (rounds + 1); r++) {
  setMode(r % 4 === 0 || r % 4 === 3 ? 'on' : 'off');
  await phase('touch_only_trx', () => app.transact((trx) => networks.touch(trx, net.id)));
}
let rule = 0;
for (let r = 0; r < 2 * (rounds + 1); r++) {
  setMode(r % 4 === 0 || r % 4 === 3 ? 'on' : 'off'); // on off off on on off off on ...
  const nets: string[] = [];
  await phase('net_create', async () => nets.push((await call('POST', '/v2.0/networks', { network: { name: 'n' } })).network.id));
  await phase('net_delete', async (i) => call('DELETE', `/v2.0/networks/${nets[i]}`));
  const ports: string[] = [];
  await phase('port_create', async (i) => ports.push((await call('POST', '/v2.0/ports', { port: { network_id: net.id, name: `p${i}` } })).port.id));
  await phase('port_update', async (i) => call('PUT', `/v2.0/ports/${ports[i]}`, { port: { name: `q${i}` } }));
  await phase('port_bind', async (i) => call('PUT', `/v2.0/ports/${ports[i]}`, { port: { 'binding:host_id': `h${i % 7}` } }));
  await phase('port_tag', async (i) => call('PUT', `/v2.0/ports/${ports[i]}/tags/t`));
  await phase('port_show', async (i) => call('GET', `/v2.0/ports/${ports[i]}`));
  await phase('port_delete', async (i) => call('DELETE', `/v2.0/ports/${ports[i]}`));
  await phase('sg_rule_create', async () => call('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'ingress', protocol: 'tcp', port_range_min: ++rule % 65000 + 1, port_range_max: rule % 65000 + 1 } }));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log('phase            feed off µs  feed on µs  ratio');
for (const [name, { on, off }] of Object.entries(results)) {
  const [a, b] = [median(off.slice(1)), median(on.slice(1))]; // the first of each: warm-up
  console.log(`${name.padEnd(16)} ${a.toFixed(0).padStart(11)} ${b.toFixed(0).padStart(11)}  ${(b / a).toFixed(3)}`);
}
await app.close();
clean();
