// Pages a write request makes SQLite write: 4 KiB WAL frames per request (each a write of its
// own at commit, the bulk of a small transaction's commit cost), and by table or index, for
// port, security group rule and network creates and port deletes, in-process on a file
// database with automatic checkpoints off while measuring. Deterministic, unlike CPU time on a
// shared machine: an index that every insert touches shows as ~1 frame per request.
//   node --import tsx bench/wal-frames.ts [root=this checkout] [n=200]
import path from 'node:path';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const root = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..')); const n = Number(process.argv[3] ?? 200);
const req = createRequire(path.join(root, 'package.json'));
const SQLite = req('better-sqlite3');
// The application's connection, caught as it prepares its first statement.
let handle: any;
const origPrepare = SQLite.prototype.prepare;
SQLite.prototype.prepare = function (this: any, source: string) {
  handle = this;
  return origPrepare.call(this, source);
};
const db = `/tmp/walframes-${process.pid}.db`;
Object.assign(process.env, { NEUTRINO_DATABASE_URL: `sqlite:${db}`, NEUTRINO_AUTH_STRATEGY: 'noauth', NEUTRINO_LOG_LEVEL: 'warn', NEUTRINO_QUOTAS_PORT: '-1', NEUTRINO_QUOTAS_NETWORK: '-1', NEUTRINO_QUOTAS_SECURITY_GROUP_RULE: '-1' });
const imp = (p: string) => import(pathToFileURL(path.join(root, p)).href);
const { loadConfig } = await imp('src/config/index.ts'); const { createApp } = await imp('src/app.ts'); const { buildServer } = await imp('src/api/server.ts');
const app = await createApp(loadConfig({})); const server = buildServer(app);
const h = { 'content-type': 'application/json', 'x-project-id': 'p', 'x-roles': 'admin' };
const call = async (method: string, url: string, body?: unknown) => { const r = await server.inject({ method, url, headers: h, payload: body === undefined ? undefined : JSON.stringify(body) }); if (r.statusCode >= 300) throw new Error(r.body); return r.body ? JSON.parse(r.body) : null; };
const net = (await call('POST', '/v2.0/networks', { network: { name: 'x' } })).network;
await call('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/16' } });
const sg = (await call('POST', '/v2.0/security-groups', { security_group: { name: 'sg' } })).security_group;
const portIds: string[] = [];
const ops: Record<string, (i: number) => Promise<unknown>> = {
  port: async (i) => portIds.push((await call('POST', '/v2.0/ports', { port: { network_id: net.id, name: 'p' + i } })).port.id),
  rule: (i) => call('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'ingress', protocol: 'tcp', port_range_min: i + 1, port_range_max: i + 1 } }),
  net: (i) => call('POST', '/v2.0/networks', { network: { name: 'n' + i } }),
  // Deletes the ports the port phase created (2n of them: n before measuring, n while).
  port_delete: (i) => call('DELETE', `/v2.0/ports/${portIds[i]}`),
};
for (const name of ['port', 'rule', 'net', 'port_delete']) {
  for (let i = 0; i < n; i++) await ops[name](i); // not measured: tables of some size first
  handle.pragma('wal_checkpoint(TRUNCATE)');
  handle.pragma('wal_autocheckpoint = 0');
  for (let i = n; i < 2 * n; i++) await ops[name](i);
  const frames = (fs.statSync(db + '-wal').size - 32) / (4096 + 24);
  console.log(`${path.basename(root)} ${name}: ${(frames / n).toFixed(2)} WAL frames per op`);
  // Each frame: a 24-byte header (its page number first) and the page; pages named by dbstat.
  const wal = fs.readFileSync(db + '-wal');
  const owner = new Map<number, string>();
  for (const r of handle.prepare('select name, pageno from dbstat').all()) owner.set(r.pageno, r.name);
  const byName = new Map<string, number>();
  for (let off = 32; off + 24 <= wal.length; off += 4096 + 24) { const pg = wal.readUInt32BE(off); const nm = owner.get(pg) ?? `page ${pg}`; byName.set(nm, (byName.get(nm) ?? 0) + 1); }
  for (const [k, v] of [...byName].sort((a, b) => b[1] - a[1])) if (v / n >= 0.05) console.log(`   ${(v / n).toFixed(2)}  ${k}`);
  handle.pragma('wal_checkpoint(TRUNCATE)');
}
await app.close(); for (const f of [db, db + '-wal', db + '-shm']) fs.rmSync(f, { force: true });
