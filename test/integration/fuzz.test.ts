// A seeded, bounded fuzz of the Networking API and the embedded identity, on every
// database: thousands of malformed requests (nasty query parameters, path ids, bodies,
// bulk items, tags, quotas, identity bodies and ids) across every served resource. No
// answer may be a 5xx, and the server must keep answering a normal request between
// batches. The seed is printed; NEUTRINO_FUZZ_SEED / NEUTRINO_FUZZ_REQUESTS override it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects, type ApiResponse } from '../helpers/server.ts';
import { postFrom, startIdentityTestServer, type IdentityTestServer } from '../helpers/identity.ts';

const SEED = Number(process.env.NEUTRINO_FUZZ_SEED ?? 20261202);
const REQUESTS = Number(process.env.NEUTRINO_FUZZ_REQUESTS ?? 3000);
const PARALLEL = 8;

/** mulberry32: a small seeded PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 'isPrototypeOf', '__defineGetter__', 'id\u0000', 'name', 'tenant_id', 'project_id', 'tags', 'a'.repeat(300), ''];
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'x\u0000y',
  '%00',
  '__proto__',
  'constructor',
  'a'.repeat(256),
  'a'.repeat(5000),
  '\ud800',
  '💥',
  "'; drop table networks; --",
  '9223372036854775807',
  '99999999999999999999',
  '-1',
  '1e5',
  'True',
  'None',
  '10.0.0.0/8',
  '10.0.0.1/33',
  '::/0',
  'fe80::1%eth0',
  '999.1.1.1',
  '00000000-0000-0000-0000-000000000000',
  'fa:16:3e:00:00:01',
  'network:router_interface',
];
const NASTY_NUMBERS = [0, -1, 1, 4, 6, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 2 ** 63, 1e308, -1e308, 1.5, 99999999999999999999];

export function fuzzValue(rand: () => number, depth = 0): unknown {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const r = rand();
  if (r < 0.08) return null;
  if (r < 0.14) return rand() < 0.5;
  if (r < 0.35) return pick(NASTY_NUMBERS);
  if (r < 0.7) return pick(NASTY_STRINGS);
  if (r < 0.8 || depth > 3) return depth > 20 ? [] : Array.from({ length: Math.floor(rand() * 4) }, () => fuzzValue(rand, depth + 1));
  if (r < 0.83) {
    // Deep nesting.
    let v: unknown = 1;
    for (let i = 0; i < 200; i++) v = [v];
    return v;
  }
  const obj: Record<string, unknown> = {};
  for (let i = Math.floor(rand() * 4); i > 0; i--) obj[pick(NASTY_KEYS)] = fuzzValue(rand, depth + 1);
  return obj;
}

interface Target {
  collection: string;
  member: string;
  base: string;
  attributes: string[];
  id?: string;
}

for (const dialect of dialects()) {
  describe(`fuzz (${dialect})`, () => {
    let t: IdentityTestServer;
    const targets: Target[] = [];
    const fiveHundreds: string[] = [];
    before(async () => {
      // Failed logins regain fast enough that throttled answers (delayed 1 s) stay a minority.
      t = await startIdentityTestServer(dialect, { 'auth.source_failures_per_minute': 600 });
      const api = t.network.as({ token: t.adminToken });
      // A few real objects, so item paths, updates and tags reach existing rows.
      const ids: Record<string, string> = {};
      const net = await api.post('/v2.0/networks', { network: { name: 'fuzz' } });
      ids.networks = net.body.network.id;
      ids.subnets = (await api.post('/v2.0/subnets', { subnet: { network_id: ids.networks, ip_version: 4, cidr: '10.77.0.0/24' } })).body.subnet?.id;
      ids.ports = (await api.post('/v2.0/ports', { port: { network_id: ids.networks } })).body.port?.id;
      ids.routers = (await api.post('/v2.0/routers', { router: { name: 'fuzz' } })).body.router?.id;
      ids.security_groups = (await api.post('/v2.0/security-groups', { security_group: { name: 'fuzz' } })).body.security_group?.id;
      ids.address_scopes = (await api.post('/v2.0/address-scopes', { address_scope: { name: 'fuzz', ip_version: 4 } })).body.address_scope?.id;
      ids.subnetpools = (await api.post('/v2.0/subnetpools', { subnetpool: { name: 'fuzz', prefixes: ['10.200.0.0/16'], min_prefixlen: 24 } })).body.subnetpool?.id;
      for (const resource of t.service.app.registry.resources.values()) {
        const path = resource.path ?? resource.collection;
        const base = resource.parent ? `/v2.0/${resource.parent.collection}/${ids[resource.parent.collection] ?? '00000000-0000-0000-0000-000000000000'}/${path}` : `/v2.0/${path}`;
        targets.push({ collection: resource.collection, member: resource.member, base, attributes: Object.keys(resource.attributes), id: ids[resource.collection] });
      }
    });
    after(async () => {
      await t?.close();
    });

    test(`${REQUESTS} malformed requests (seed ${SEED}) answer no 5xx and the server stays responsive`, async () => {
      const rand = prng(SEED + (dialect === 'postgres' ? 1 : 0));
      const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
      const admin = { 'x-auth-token': t.adminToken };
      // Lone surrogates cannot be encoded: they become invalid UTF-8 bytes.
      const pct = (c: string) => (c.length === 1 && c >= '\ud800' && c <= '\udfff' ? '%ED%A0%80' : encodeURIComponent(c));
      const enc = (s: string) => (rand() < 0.5 ? s.replace(/[\s\S]/gu, pct) : s.replace(/[^\w.-]/gu, pct));
      const nastyId = () => enc(String(pick<unknown>([...NASTY_STRINGS, ...NASTY_NUMBERS])));
      const json = (v: unknown) => JSON.stringify(v) ?? 'null';
      const rawBodies = ['', '{', '[]', 'null', '"x"', '{"a":1,}', '\u0000', '{"x":"\\u0000"}', '1e999999'];

      /** One random malformed request: [method, url, body, headers, which server]. */
      const make = (): { method: string; url: string; body?: string; headers: Record<string, string>; identity: boolean } => {
        const r = rand();
        const headers: Record<string, string> = { ...admin, 'content-type': 'application/json' };
        if (r < 0.62) {
          const target = pick(targets);
          const attr = () => (rand() < 0.7 ? pick(target.attributes) : pick(NASTY_KEYS));
          const kind = rand();
          if (kind < 0.25) {
            const params = new URLSearchParams();
            for (let i = Math.floor(rand() * 4); i >= 0; i--) {
              const p = rand();
              if (p < 0.2) params.append('sort_key', rand() < 0.6 ? pick(NASTY_KEYS) : attr());
              else if (p < 0.3) params.append('sort_dir', pick(['asc', 'desc', 'x', '']));
              else if (p < 0.45) params.append('limit', String(pick<unknown>(['9223372036854775807', '99999999999999999999999', '-1', '0', 'x', '1', '1.5', ...NASTY_NUMBERS])));
              else if (p < 0.55) params.append('marker', String(pick<unknown>([...NASTY_STRINGS, target.id ?? ''])));
              else if (p < 0.65) params.append('fields', rand() < 0.5 ? pick(NASTY_KEYS) : attr());
              else if (p < 0.75) params.append(pick(['tags', 'tags-any', 'not-tags', 'not-tags-any']), String(pick(NASTY_STRINGS)));
              else params.append(attr(), String(pick<unknown>([...NASTY_STRINGS, ...NASTY_NUMBERS])));
            }
            return { method: 'GET', url: `${target.base}?${params.toString()}`, headers, identity: false };
          }
          const id = rand() < 0.5 && target.id ? target.id : nastyId();
          if (kind < 0.35) return { method: pick(['GET', 'DELETE']), url: `${target.base}/${id}`, headers, identity: false };
          const body = (): string => {
            const b = rand();
            if (b < 0.1) return pick(rawBodies);
            if (b < 0.2) return json(fuzzValue(rand));
            if (b < 0.3) return json({ [target.member]: fuzzValue(rand) });
            if (b < 0.45) return json({ [target.collection]: Array.from({ length: 1 + Math.floor(rand() * 3) }, () => (rand() < 0.4 ? null : fuzzValue(rand))) });
            const obj: Record<string, unknown> = {};
            for (let i = 1 + Math.floor(rand() * 3); i > 0; i--) obj[attr()] = fuzzValue(rand);
            return json(rand() < 0.2 ? { [target.collection]: [obj, obj] } : { [target.member]: obj });
          };
          if (kind < 0.6) return { method: 'POST', url: target.base, body: body(), headers, identity: false };
          if (kind < 0.85) return { method: 'PUT', url: `${target.base}/${id}`, body: body(), headers, identity: false };
          // Tags.
          const tagsBody = rand() < 0.2 ? json({ tags: fuzzValue(rand) }) : json({ tags: Array.from({ length: Math.floor(rand() * 6) }, () => (rand() < 0.7 ? pick(NASTY_STRINGS) : fuzzValue(rand))) });
          const tag = enc(String(pick(NASTY_STRINGS))) || 'x';
          const t2 = rand();
          if (t2 < 0.5) return { method: 'PUT', url: `${target.base}/${id}/tags`, body: tagsBody, headers, identity: false };
          return { method: pick(['PUT', 'GET', 'DELETE']), url: `${target.base}/${id}/tags/${tag}`, headers, identity: false };
        }
        if (r < 0.7) {
          // Quotas.
          const project = rand() < 0.5 ? 'fuzz-project' : nastyId();
          const quota: Record<string, unknown> = {};
          for (let i = Math.floor(rand() * 3); i >= 0; i--) quota[rand() < 0.7 ? pick(['network', 'port', 'subnet', 'router', 'security_group']) : pick(NASTY_KEYS)] = fuzzValue(rand);
          return { method: pick(['PUT', 'PUT', 'GET', 'DELETE']), url: `/v2.0/quotas/${project}${rand() < 0.2 ? '/details' : ''}`, body: rand() < 0.1 ? pick(rawBodies) : json({ quota }), headers, identity: false };
        }
        // Identity.
        const i = rand();
        if (i < 0.55) {
          const v = () => fuzzValue(rand);
          const user: Record<string, unknown> = rand() < 0.5 ? { name: rand() < 0.5 ? 'admin' : v(), domain: rand() < 0.5 ? { id: 'default' } : rand() < 0.5 ? { name: v() } : v(), password: rand() < 0.6 ? 'wrong' : v() } : { id: v(), password: v() };
          const scope = rand() < 0.5 ? undefined : rand() < 0.5 ? { project: { name: v(), domain: rand() < 0.5 ? { id: v() } : { name: v() } } } : rand() < 0.5 ? { project: { id: v() } } : { domain: { id: v() } };
          const methods = rand() < 0.8 ? ['password'] : fuzzValue(rand);
          const body = rand() < 0.15 ? pick(rawBodies) : rand() < 0.1 ? json({ auth: fuzzValue(rand) }) : json({ auth: { identity: { methods, password: { user }, token: { id: v() } }, scope } });
          const h: Record<string, string> = { 'content-type': 'application/json' };
          return { method: 'POST', url: '/v3/auth/tokens', body, headers: h, identity: true };
        }
        const collection = pick(['users', 'projects', 'domains', 'roles', 'groups']);
        const id = nastyId();
        const j = rand();
        if (j < 0.3) return { method: 'GET', url: `/v3/${collection}/${id}`, headers: { ...admin }, identity: true };
        if (j < 0.45) return { method: 'GET', url: `/v3/${collection}?name=${nastyId()}&enabled=${nastyId()}&domain_id=${nastyId()}`, headers: { ...admin }, identity: true };
        const member = collection.slice(0, -1);
        const body = json({ [member]: rand() < 0.3 ? fuzzValue(rand) : { name: fuzzValue(rand), domain_id: rand() < 0.5 ? 'default' : fuzzValue(rand), password: fuzzValue(rand), enabled: fuzzValue(rand), [pick(NASTY_KEYS)]: fuzzValue(rand) } });
        if (j < 0.7) return { method: 'POST', url: `/v3/${collection}`, body, headers: { ...admin, 'content-type': 'application/json' }, identity: true };
        if (j < 0.85) return { method: 'PATCH', url: `/v3/${collection}/${id}`, body, headers: { ...admin, 'content-type': 'application/json' }, identity: true };
        return { method: pick(['DELETE', 'PUT']), url: `/v3/projects/${nastyId()}/users/${nastyId()}/roles/${nastyId()}`, headers: { ...admin }, identity: true };
      };

      const send = async (req: ReturnType<typeof make>): Promise<number> => {
        const base = req.identity ? t.service.identity!.url : t.service.url;
        const res = await fetch(base + req.url, { method: req.method, headers: req.headers, body: req.method === 'GET' || req.method === 'DELETE' || req.method === 'HEAD' ? undefined : req.body, signal: AbortSignal.timeout(30_000) });
        const text = await res.text();
        if (res.status >= 500) fiveHundreds.push(`${res.status} ${req.method} ${req.url.slice(0, 200)} ${(req.body ?? '').slice(0, 200)} -> ${text.slice(0, 120)}`);
        return res.status;
      };
      const statuses: Record<number, number> = {};
      for (let done = 0; done < REQUESTS; done += PARALLEL) {
        const batch = Array.from({ length: Math.min(PARALLEL, REQUESTS - done) }, make);
        for (const status of await Promise.all(batch.map(send))) statuses[status] = (statuses[status] ?? 0) + 1;
        if (done % (PARALLEL * 25) === 0) {
          // Still serving normal requests (answers at all: a hung server fails by timeout).
          const ok: ApiResponse = await t.network.get('/v2.0/networks?limit=1', { token: t.adminToken });
          assert.equal(ok.status, 200, `server stopped answering after ${done} requests: ${JSON.stringify(ok.body)}`);
        }
      }
      const total = Object.values(statuses).reduce((a, b) => a + b, 0);
      assert.equal(total, REQUESTS);
      // Most requests must have been refused as invalid, a few accepted: the fuzz reaches the API.
      assert.ok((statuses[400] ?? 0) > REQUESTS / 10, `too few 400s: ${JSON.stringify(statuses)}`);
      assert.deepEqual(fiveHundreds.slice(0, 30), [], `${fiveHundreds.length} answers of 5xx (seed ${SEED}); statuses ${JSON.stringify(statuses)}`);
      // The fuzz's address may be throttled by now (failed logins); another one is not.
      const login = await postFrom('127.0.0.2', `${t.service.identity!.url}/v3/auth/tokens`, { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: 'test-admin-secret' } } } } });
      assert.equal(login.status, 201, `the admin can still log in: ${login.body}`);
    });
  });
}
