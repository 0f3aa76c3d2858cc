// The SQL statements typical requests run (port create, bulk, list, show, update, delete,
// network create), in-process on an in-memory SQLite database:
//   node --import tsx bench/trace-sql.ts            counts
//   VERBOSE=1 ROLES=member node --import tsx bench/trace-sql.ts   the statements, as a member
import SQLite from 'better-sqlite3';
import { loadConfig } from '../src/config/index.ts';
import { createApp } from '../src/app.ts';
import { buildServer } from '../src/api/server.ts';

let trace: string[] | null = null;
const orig = SQLite.prototype.prepare;
(SQLite.prototype as any).prepare = function (this: any, source: string) {
  const stmt = orig.call(this, source);
  return new Proxy(stmt, {
    get(t, p) {
      const v = (t as any)[p];
      if (typeof v === 'function' && ['all', 'run', 'get', 'iterate'].includes(p as string)) return (...a: any[]) => { trace?.push(source); return v.apply(t, a); };
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
};
process.env.NEUTRINO_DATABASE_URL = 'sqlite::memory:';
process.env.NEUTRINO_AUTH_STRATEGY = 'noauth';
process.env.NEUTRINO_LOG_LEVEL = 'warn';
const config = loadConfig({});
const app = await createApp(config);
const server = buildServer(app);
const roles = process.env.ROLES ?? 'admin';
const h = { 'content-type': 'application/json', 'x-project-id': 'p', 'x-roles': roles };
const call = async (method: string, url: string, body?: unknown) => {
  const r = await server.inject({ method: method as any, url, headers: h, payload: body === undefined ? undefined : JSON.stringify(body) });
  if (r.statusCode >= 300) throw new Error(r.body);
  return r.body ? r.json() : null;
};
const net = (await call('POST', '/v2.0/networks', { network: { name: 'x' } })).network;
await call('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/16' } });
await call('POST', '/v2.0/ports', { port: { network_id: net.id } });
const show = (label: string) => { console.log(`--- ${label}: ${trace!.length} statements`); if (process.env.VERBOSE) for (const s of trace!) console.log('  ' + s.slice(0, 200)); };
trace = [];
const port = (await call('POST', '/v2.0/ports', { port: { network_id: net.id, name: 'a' } })).port;
show('port create');
trace = [];
await call('POST', '/v2.0/ports', { ports: Array.from({ length: 10 }, () => ({ network_id: net.id })) });
show('bulk 10 ports');
trace = [];
await call('GET', '/v2.0/ports');
show('list ports');
trace = [];
await call('GET', `/v2.0/ports/${port.id}`);
show('show port');
trace = [];
await call('PUT', `/v2.0/ports/${port.id}`, { port: { name: 'b' } });
show('update port');
trace = [];
await call('DELETE', `/v2.0/ports/${port.id}`);
show('delete port');
trace = [];
const y = (await call('POST', '/v2.0/networks', { network: { name: 'y' } })).network;
show('network create');
trace = [];
await call('DELETE', `/v2.0/networks/${y.id}`);
show('network delete');
await app.close();
