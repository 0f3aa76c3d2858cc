// A CPU profile of one phase (port creates or lists of 2,000 ports), in-process through
// server.inject (no sockets, no client in the profile), written to $TMPDIR/<phase>.cpuprofile:
//   node --import tsx bench/profile-phase.ts create 2000
//   node --import tsx bench/profile-phase.ts list
//   node --import tsx bench/profile-phase.ts update|show|delete|netdelete 2000   (after as many creates, not profiled)
//   node --import tsx bench/profile-phase.ts addif|removeif 500   (router interfaces to as many subnets of their own networks)
//   node --import tsx bench/profile-phase.ts pages            (10 walks of 2,000 ports in pages of 100, per page)
//   node --import tsx bench/profile-phase.ts sgrules 1000       (30 lists of a group's 1,000 rules)
//   node --import tsx bench/profile-phase.ts showsg 1000        (30 shows of a group with 1,000 rules inline)
//   node --import tsx bench/profile-phase.ts routerports 50     (300 lists of a router's 50 interface ports)
//   HEAP=1 node --import tsx bench/profile-phase.ts netcreate 500   (bytes allocated per op, by function)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { loadConfig } from '../src/config/index.ts';
import { createApp } from '../src/app.ts';
import { buildServer } from '../src/api/server.ts';

const dbFile = path.join(os.tmpdir(), 'neutrino-profile.db');
for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) fs.rmSync(f, { force: true });
process.env.NEUTRINO_DATABASE_URL ??= `sqlite:${dbFile}`;
process.env.NEUTRINO_AUTH_STRATEGY = 'noauth';
process.env.NEUTRINO_LOG_LEVEL = 'warn';
for (const q of ['PORT', 'NETWORK', 'SUBNET', 'ROUTER', 'SECURITY_GROUP_RULE']) process.env[`NEUTRINO_QUOTAS_${q}`] ??= '-1';
const phase = process.argv[2] ?? 'create';
const n = Number(process.argv[3] ?? 2000);
const app = await createApp(loadConfig({}));
const server = buildServer(app);
const h = { 'content-type': 'application/json', 'x-project-id': 'p', 'x-roles': process.env.ROLES ?? 'admin' };
const call = async (method: string, url: string, body?: unknown) => {
  const r = await server.inject({ method: method as any, url, headers: h, payload: body === undefined ? undefined : JSON.stringify(body) });
  if (r.statusCode >= 300) throw new Error(r.body);
  return r.body ? JSON.parse(r.body) : null;
};
const net = (await call('POST', '/v2.0/networks', { network: { name: 'x' } })).network;
await call('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/16' } });
const ids: string[] = [];
const create = async () => { for (let i = 0; i < n; i++) ids.push((await call('POST', '/v2.0/ports', { port: { network_id: net.id, name: 'p' + i } })).port.id); };
const show = async () => { for (const id of ids) await call('GET', `/v2.0/ports/${id}`); };
const update = async () => { for (const id of ids) await call('PUT', `/v2.0/ports/${id}`, { port: { name: 'u' } }); };
const del = async () => { for (const id of ids.splice(0)) await call('DELETE', `/v2.0/ports/${id}`); };
const netCreate = async () => { for (let i = 0; i < n; i++) ids.push((await call('POST', '/v2.0/networks', { network: { name: 'n' + i } })).network.id); };
const netDelete = async () => { for (const id of ids.splice(0)) await call('DELETE', `/v2.0/networks/${id}`); };
let router = '';
const ifSubnets: string[] = [];
const routerWithSubnets = async () => {
  router = (await call('POST', '/v2.0/routers', { router: { name: 'r' } })).router.id;
  for (let i = 0; i < n; i++) {
    const nid = (await call('POST', '/v2.0/networks', { network: { name: 'r' + i } })).network.id;
    ifSubnets.push((await call('POST', '/v2.0/subnets', { subnet: { network_id: nid, ip_version: 4, cidr: `11.${i >> 8}.${i & 255}.0/24` } })).subnet.id);
  }
};
const addIf = async () => { for (const id of ifSubnets) await call('PUT', `/v2.0/routers/${router}/add_router_interface`, { subnet_id: id }); };
const removeIf = async () => { for (const id of ifSubnets) await call('PUT', `/v2.0/routers/${router}/remove_router_interface`, { subnet_id: id }); };
// A security group with n rules, listed by group (the shared bench's sg_rules/list_rules_of_sg).
let sg = '';
const sgRules = async () => {
  sg = (await call('POST', '/v2.0/security-groups', { security_group: { name: 'sg' } })).security_group.id;
  for (let i = 0; i < n; i++) await call('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 1000 + i, port_range_max: 1000 + i, remote_ip_prefix: '10.0.0.0/8' } });
};
const listRules = async () => { for (let i = 0; i < 30; i++) await call('GET', `/v2.0/security-group-rules?security_group_id=${sg}`); };
const showGroup = async () => { for (let i = 0; i < 30; i++) await call('GET', `/v2.0/security-groups/${sg}`); };
// The router's interface ports listed by device_id (the shared bench's router/list_router_ports).
const listRouterPorts = async () => { for (let i = 0; i < 300; i++) await call('GET', `/v2.0/ports?device_id=${router}`); };
const phases: Record<string, { setup: () => Promise<void>; run: () => Promise<void>; ops?: number }> = {
  create: { setup: create, run: create },
  update: { setup: create, run: update },
  show: { setup: async () => { await create(); await show(); }, run: show },
  delete: { setup: async () => { await create(); await del(); await create(); }, run: del },
  netcreate: { setup: netCreate, run: netCreate },
  netdelete: { setup: async () => { await netCreate(); await netDelete(); await netCreate(); }, run: netDelete },
  addif: { setup: async () => { await routerWithSubnets(); await addIf(); await removeIf(); }, run: addIf },
  removeif: { setup: async () => { await routerWithSubnets(); await addIf(); await removeIf(); await addIf(); }, run: removeIf },
  sgrules: { setup: async () => { await sgRules(); await listRules(); }, run: listRules, ops: 30 },
  showsg: { setup: async () => { await sgRules(); await showGroup(); }, run: showGroup, ops: 30 },
  routerports: { setup: async () => { await routerWithSubnets(); await addIf(); await listRouterPorts(); }, run: listRouterPorts, ops: 300 },
};
// LIST_QUERY: another query string (e.g. fields=id&fields=name).
const list = async () => { for (let i = 0; i < 30; i++) await call('GET', `/v2.0/ports?${process.env.LIST_QUERY ?? 'limit=2000'}`); };
// Pagination walks as the shared bench's port_list/list_paginated_limit100 does them (following the next links).
let pagesWalked = 0;
const pages = async () => {
  for (let i = 0; i < 10; i++) {
    for (let next: string | undefined = '/v2.0/ports?limit=100'; next; pagesWalked++) {
      const href: string | undefined = (await call('GET', next)).ports_links?.find((l: { rel: string }) => l.rel === 'next')?.href;
      next = href && new URL(href).pathname + new URL(href).search;
    }
  }
};
if (phase === 'list' || phase === 'pages') for (let i = 0; i < 20; i++) await call('POST', '/v2.0/ports', { ports: Array.from({ length: 100 }, () => ({ network_id: net.id })) });
else await phases[phase].setup(); // warm up (and the objects to update or delete)
// HEAP=1: a sampling heap profile (bytes allocated, by function) instead, to $TMPDIR/<phase>.heapprofile.
const heap = process.env.HEAP === '1';
const session = new Session();
session.connect();
if (heap) {
  await session.post('HeapProfiler.enable');
  // Keep the samples of objects collected since: what a phase allocates, not what it keeps.
  await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
} else {
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
}
const t0 = performance.now();
const cpu0 = process.cpuUsage();
await (phase === 'list' ? list() : phase === 'pages' ? pages() : phases[phase].run());
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const ops = phase === 'list' ? 30 : phase === 'pages' ? pagesWalked : (phases[phase].ops ?? n);
if (heap) {
  const { profile } = await session.post('HeapProfiler.stopSampling');
  fs.writeFileSync(path.join(os.tmpdir(), `${phase}.heapprofile`), JSON.stringify(profile));
  // Total bytes sampled per operation, and the functions allocating most (self).
  const self = new Map<string, number>();
  const walk = (node: any) => {
    const key = `${node.callFrame.functionName || '(anon)'} ${node.callFrame.url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${node.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + node.selfSize);
    for (const c of node.children) walk(c);
  };
  walk(profile.head);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`${phase}: ${(total / ops / 1024).toFixed(1)} KiB allocated/op (sampled)`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 30))) console.log(`${(v / ops / 1024).toFixed(2).padStart(8)} KiB  ${k}`);
} else {
  const { profile } = await session.post('Profiler.stop');
  fs.writeFileSync(path.join(os.tmpdir(), `${phase}.cpuprofile`), JSON.stringify(profile));
}
console.log(`${phase}: ${(ms / ops).toFixed(3)} ms/op, ${((cpu.user + cpu.system) / ops).toFixed(0)} µs CPU/op`);
await app.close();
