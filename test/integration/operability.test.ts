// Running Neutrino as a product: health and readiness without a token, Prometheus metrics,
// the request log and request ids, the admin password kept out of logs, signals and
// graceful shutdown, and start-up errors that name their cause. Every test runs real
// `neutrino serve` processes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import SQLite from 'better-sqlite3';
import YAML from 'yaml';
import { freePort } from '../helpers/process.ts';
import { dialects, freshDatabase, PG_ADMIN_URL } from '../helpers/server.ts';
import { root, spawnService, startService, type ServiceProcess } from '../helpers/service-process.ts';

const REQ_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });

async function json(url: string, method: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

/** A sample's value in Prometheus text (`name{labels} value`), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[4]);
  }
  return undefined;
}

describe('operability: embedded identity, metrics, request log (SQLite)', () => {
  let dir: string;
  let svc: ServiceProcess;
  let api: string;
  let identity: string;
  let metrics: string;
  let password: string;
  let token: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neutrino-ops-'));
    const [apiPort, idPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    api = `http://127.0.0.1:${apiPort}`;
    identity = `http://127.0.0.1:${idPort}`;
    metrics = `http://127.0.0.1:${metricsPort}/metrics`;
    svc = await startService(
      {
        NEUTRINO_DATABASE_URL: `sqlite:${path.join(dir, 'neutrino.db')}`,
        NEUTRINO_API_PORT: String(apiPort),
        NEUTRINO_AUTH_IDENTITY_PORT: String(idPort),
        NEUTRINO_AUTH_STRATEGY: 'embedded',
        NEUTRINO_AUTH_ADMIN_PASSWORD: '',
        NEUTRINO_METRICS_ENABLED: 'true',
        NEUTRINO_METRICS_PORT: String(metricsPort),
        NEUTRINO_LOG_LEVEL: 'info',
      },
      `${api}/healthcheck/ready`,
    );
    const clouds = path.join(dir, 'clouds.yaml');
    assert.equal(fs.statSync(clouds).mode & 0o777, 0o600, 'clouds.yaml is readable by its owner only');
    password = YAML.parse(fs.readFileSync(clouds, 'utf8')).clouds.neutrino.auth.password;
    assert.ok(password && password.length >= 12, 'a generated password is in clouds.yaml');
    const res = await json(`${identity}/v3/auth/tokens`, 'POST', {
      auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } },
    }, {});
    assert.equal(res.status, 201);
    token = res.headers.get('x-subject-token')!;
  });

  after(async () => {
    await svc?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers /healthcheck without a token on both listeners, as oslo.middleware does', async () => {
    for (const base of [api, identity]) {
      const plain = await get(`${base}/healthcheck`);
      assert.equal(plain.status, 200, base);
      assert.match(plain.headers.get('content-type')!, /^text\/plain/);
      assert.equal(await plain.text(), 'OK');
      const detail = await get(`${base}/healthcheck`, { accept: 'application/json' });
      assert.deepEqual(await detail.json(), { detailed: false, reasons: ['OK'] });
      const head = await fetch(`${base}/healthcheck`, { method: 'HEAD' });
      assert.equal(head.status, 204);
      const ready = await get(`${base}/healthcheck/ready`, { accept: 'application/json' });
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { detailed: false, reasons: ['OK'], checks: { database: 'OK' } });
    }
  });

  it('sends x-openstack-request-id on every answer, a 401 included, and echoes a well-formed caller id', async () => {
    const denied = await get(`${api}/v2.0/networks`);
    assert.equal(denied.status, 401);
    assert.match(denied.headers.get('x-openstack-request-id') ?? '', REQ_ID);
    const deniedIdentity = await get(`${identity}/v3/projects`);
    assert.equal(deniedIdentity.status, 401);
    assert.match(deniedIdentity.headers.get('x-openstack-request-id') ?? '', REQ_ID);

    const mine = 'req-0b9c4a5e-7f7c-4a43-9d55-0c1f3b0e9a11';
    const traced = await get(`${api}/v2.0/networks`, { 'x-auth-token': token, 'x-openstack-request-id': mine });
    assert.equal(traced.status, 200);
    assert.equal(traced.headers.get('x-openstack-request-id'), mine);
    const tracedIdentity = await get(`${identity}/v3`, { 'X-OpenStack-Request-ID': mine });
    assert.equal(tracedIdentity.headers.get('x-openstack-request-id'), mine);

    const malformed = await get(`${api}/v2.0/networks`, { 'x-auth-token': token, 'x-openstack-request-id': 'req-<script>' });
    const given = malformed.headers.get('x-openstack-request-id')!;
    assert.match(given, REQ_ID, 'a malformed caller id is replaced');
    assert.notEqual(given, 'req-<script>');
  });

  it('exports request, IPAM, quota and process metrics on the metrics listener', async () => {
    const auth = { 'x-auth-token': token };
    const net = await json(`${api}/v2.0/networks`, 'POST', { network: { name: 'metered' } }, auth);
    assert.equal(net.status, 201);
    const sub = await json(`${api}/v2.0/subnets`, 'POST', { subnet: { network_id: net.body.network.id, cidr: '10.9.0.0/30', ip_version: 4, enable_dhcp: false } }, auth);
    assert.equal(sub.status, 201);
    // A /30 leaves one address after the gateway: one port gets it, the next finds none.
    assert.equal((await json(`${api}/v2.0/ports`, 'POST', { port: { network_id: net.body.network.id } }, auth)).status, 201);
    const full = await json(`${api}/v2.0/ports`, 'POST', { port: { network_id: net.body.network.id } }, auth);
    assert.equal(full.status, 409);
    assert.equal(full.body.NeutronError.type, 'IpAddressGenerationFailure');
    await get(`${api}/v2.0/networks/${net.body.network.id}`, auth);

    const res = await get(metrics);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const count = (labels: Record<string, string>) => sample(text, 'neutrino_http_request_duration_seconds_count', labels);
    assert.equal(count({ listener: 'api', method: 'POST', route: '/v2.0/networks', status: '201' }), 1);
    assert.equal(count({ listener: 'api', method: 'POST', route: '/v2.0/ports', status: '409' }), 1);
    assert.equal(count({ listener: 'api', method: 'GET', route: '/v2.0/networks/:id', status: '200' }), 1, 'requests are labelled by route pattern, not path');
    assert.equal(count({ listener: 'identity', method: 'POST', route: '/v3/auth/tokens', status: '201' }), 1);
    assert.ok((sample(text, 'neutrino_http_request_duration_seconds_bucket', { listener: 'api', method: 'POST', route: '/v2.0/networks', status: '201', le: '+Inf' }) ?? 0) === 1, 'latency histogram');
    assert.equal(sample(text, 'neutrino_ipam_allocations_total', { ip_version: '4' }), 1);
    assert.equal(sample(text, 'neutrino_ipam_exhaustions_total'), 1);
    assert.equal(sample(text, 'neutrino_quota_in_use', { resource: 'network' }), 1);
    assert.equal(sample(text, 'neutrino_quota_in_use', { resource: 'port' }), 1);
    assert.equal(sample(text, 'neutrino_database_up'), 1);
    // network, subnet and port created (the refused port recorded nothing).
    const head = sample(text, 'neutrino_feed_head_cursor') ?? 0;
    assert.ok(head >= 3, `feed head cursor ${head}`);
    assert.ok((sample(text, 'neutrino_feed_retained_changes') ?? 0) >= 3);
    assert.ok((sample(text, 'neutrino_feed_oldest_change_age_seconds') ?? -1) >= 0);
    assert.ok((sample(text, 'process_cpu_user_seconds_total') ?? 0) > 0, 'process metrics');
    assert.ok(sample(text, 'nodejs_heap_size_used_bytes') !== undefined);
    assert.ok(text.includes('# TYPE neutrino_db_transaction_retries_total counter'));
    assert.ok(text.includes('# TYPE neutrino_agents gauge'));

    assert.equal((await get(metrics.replace('/metrics', '/other'))).status, 404);
    const onApi = await get(`${api}/metrics`);
    assert.equal(onApi.status, 401, 'metrics are not served to tenants on the API port');
  });

  it('logs one JSON line per request with id, method, path, status, duration, project and user — and no secrets', async () => {
    const mine = 'req-5e0d1a8c-3b9f-4f0e-8a77-2a6c1b7d9e10';
    await get(`${api}/v2.0/networks?name=x`, { 'x-auth-token': token, 'x-openstack-request-id': mine });
    await get(`${api}/v2.0/ports`, { 'x-auth-token': 'not-a-token' });
    await new Promise((r) => setTimeout(r, 100));
    const lines = svc.logLines(); // throws if any stdout line is not JSON
    for (const l of lines) assert.match(l.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'ISO timestamps');
    const line = lines.find((l) => l.req_id === mine);
    assert.ok(line, 'the request is logged under its id');
    assert.equal(line.msg, 'request');
    assert.equal(line.method, 'GET');
    assert.equal(line.path, '/v2.0/networks', 'path without the query string');
    assert.equal(line.route, '/v2.0/networks');
    assert.equal(line.status, 200);
    assert.equal(typeof line.duration_ms, 'number');
    assert.match(line.project_id, /^[0-9a-f]{32}$/);
    assert.match(line.user_id, /^[0-9a-f]{32}$/);
    const denied = lines.find((l) => l.msg === 'request' && l.path === '/v2.0/ports' && l.status === 401);
    assert.ok(denied, 'a 401 is logged');
    assert.match(denied.req_id, REQ_ID);
    assert.equal(denied.user_id, null);

    const created = lines.find((l) => typeof l.msg === 'string' && l.msg.includes('clouds.yaml'));
    assert.ok(created, 'the start-up line names the clouds.yaml file');
    assert.equal(created.clouds_yaml, path.join(dir, 'clouds.yaml'));
    const everything = svc.stdout() + svc.stderr();
    assert.ok(!everything.includes(password), 'the admin password is in no log line');
    assert.ok(!everything.includes(token), 'tokens are in no log line');
    assert.ok(!everything.includes('not-a-token'));
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM lets a request in flight finish, then closes and exits 0', async () => {
    const db = await freshDatabase('sqlite');
    const port = await freePort();
    const svc = await startService(
      { NEUTRINO_DATABASE_URL: db.url, NEUTRINO_API_PORT: String(port), NEUTRINO_AUTH_STRATEGY: 'noauth', NEUTRINO_AUTH_IDENTITY_PORT: '0', NEUTRINO_LOG_LEVEL: 'info' },
      `http://127.0.0.1:${port}/healthcheck`,
    );
    try {
      // A request whose body is still arriving when the signal comes: it is in flight.
      const body = JSON.stringify({ network: { name: 'drained' } });
      const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v2.0/networks', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-project-id': 'drain-project' } }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        });
        req.on('error', reject);
        req.write(body.slice(0, 10));
        setTimeout(() => {
          svc.child.kill('SIGTERM');
          setTimeout(() => {
            assert.equal(svc.child.exitCode, null, 'still running while a request is in flight');
            req.end(body.slice(10));
          }, 500);
        }, 300);
      });
      const res = await answer;
      assert.equal(res.status, 201, res.text);
      assert.equal(JSON.parse(res.text).network.name, 'drained');
      assert.equal(await svc.exited, 0);
      const msgs = svc.logLines().map((l) => l.msg);
      assert.ok(msgs.includes('neutrino stopping: draining requests in flight'));
      assert.ok(msgs.includes('neutrino stopped'), 'the database was closed and the process said so');
      // Stopped means stopped: the port is free again.
      const probe = net.createServer();
      await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
      probe.close();
    } finally {
      await svc.stop();
      await db.drop();
    }
  });

  it('`npm start` stopped with SIGTERM stops the server (no node left serving)', { timeout: 180_000 }, async () => {
    // Build dist/ first if needed (the start script compiles only when sources changed).
    const build = spawnSync(process.execPath, [path.join(root, 'bin/build.mjs')], { cwd: root, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    const db = await freshDatabase('sqlite');
    const port = await freePort();
    const npm = await startService(
      { NEUTRINO_DATABASE_URL: db.url, NEUTRINO_API_PORT: String(port), NEUTRINO_AUTH_STRATEGY: 'noauth', NEUTRINO_AUTH_IDENTITY_PORT: '0', NEUTRINO_LOG_LEVEL: 'info' },
      `http://127.0.0.1:${port}/healthcheck`,
      { command: ['npm'], args: ['start', '--silent'] },
    );
    let nodePid: number | undefined;
    try {
      assert.ok(!npm.stderr().includes('compiling'), `an unchanged checkout starts without compiling: ${npm.stderr()}`);
      nodePid = npm.logLines().find((l) => l.msg === 'neutrino API listening')?.pid;
      assert.ok(nodePid && nodePid !== npm.child.pid, 'the server runs in node under npm');
      npm.child.kill('SIGTERM');
      await npm.exited;
      for (let i = 0; i < 50 && alive(nodePid); i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(alive(nodePid), false, 'node exited with npm');
      await assert.rejects(fetch(`http://127.0.0.1:${port}/healthcheck`), 'nothing serves the port any more');
    } finally {
      if (nodePid && alive(nodePid)) process.kill(nodePid, 'SIGKILL');
      await npm.stop();
      await db.drop();
    }
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('start-up errors name their cause', () => {
  const run = (env: Record<string, string>, args = ['serve']) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], { cwd: root, env: { ...process.env, NEUTRINO_LOG_LEVEL: 'warn', ...env }, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stderr: r.stderr, stdout: r.stdout };
  };

  it('a port in use names the listener and the setting that moves it', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const taken = (blocker.address() as net.AddressInfo).port;
    const db = await freshDatabase('sqlite');
    try {
      const r = run({ NEUTRINO_DATABASE_URL: db.url, NEUTRINO_API_PORT: String(await freePort()), NEUTRINO_AUTH_STRATEGY: 'embedded', NEUTRINO_AUTH_IDENTITY_PORT: String(taken), NEUTRINO_AUTH_ADMIN_PASSWORD: 'x-secret-1234' });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /identity listener: 127\.0\.0\.1:\d+ is already in use/);
      assert.match(r.stderr, /auth\.identity_port \(NEUTRINO_AUTH_IDENTITY_PORT\)/);
      assert.ok(!r.stderr.includes('    at '), 'one line, not a stack trace');

      const r2 = run({ NEUTRINO_DATABASE_URL: db.url, NEUTRINO_API_PORT: String(taken), NEUTRINO_AUTH_STRATEGY: 'noauth' });
      assert.equal(r2.status, 1);
      assert.match(r2.stderr, /Networking API listener: .* already in use.*api\.port \(NEUTRINO_API_PORT\)/);
    } finally {
      blocker.close();
      await db.drop();
    }
  });

  it('an unreadable database names its path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neutrino-ops-'));
    try {
      const file = path.join(dir, 'garbage.db');
      fs.writeFileSync(file, 'this is not an SQLite database, just text long enough to have a header........................................');
      const r = run({ NEUTRINO_DATABASE_URL: `sqlite:${file}`, NEUTRINO_API_PORT: '0', NEUTRINO_AUTH_STRATEGY: 'noauth' });
      assert.equal(r.status, 1);
      assert.ok(r.stderr.includes(`cannot open the SQLite database ${file}`), r.stderr);
      assert.match(r.stderr, /not a database/);

      const blockedDir = path.join(dir, 'a-file');
      fs.writeFileSync(blockedDir, '');
      const r2 = run({ NEUTRINO_DATABASE_URL: `sqlite:${path.join(blockedDir, 'n.db')}`, NEUTRINO_API_PORT: '0', NEUTRINO_AUTH_STRATEGY: 'noauth' });
      assert.equal(r2.status, 1);
      assert.ok(r2.stderr.includes(`cannot open the SQLite database ${path.join(blockedDir, 'n.db')}`), r2.stderr);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an invalid environment value names the variable', () => {
    const r = run({ NEUTRINO_API_PORT: 'nine', NEUTRINO_AUTH_STRATEGY: 'noauth' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /NEUTRINO_API_PORT: expected a number, got "nine"/);
    const r2 = run({ NEUTRINO_METRICS_ENABLED: 'perhaps' });
    assert.match(r2.stderr, /NEUTRINO_METRICS_ENABLED: expected true or false, got "perhaps"/);
    const r3 = run({ NEUTRINO_AUTH_IDENTITY_PORT: '70000' });
    assert.match(r3.stderr, /auth\.identity_port \(NEUTRINO_AUTH_IDENTITY_PORT\): 70000 is not a TCP port/);
  });

  it('`neutrino --version` and `--help` work through the package bin', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    assert.ok(fs.existsSync(path.join(root, pkg.bin.neutrino)), 'package.json bin points at a file that exists');
    const v = spawnSync(process.execPath, [path.join(root, pkg.bin.neutrino), '--version'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stdout.trim(), pkg.version);
    const h = spawnSync(process.execPath, [path.join(root, pkg.bin.neutrino), '--help'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    assert.equal(h.status, 0);
    assert.match(h.stdout, /serve\s+start the API server/);
  });
});

describe('readiness: pending migrations', () => {
  it('answers 503 naming the pending migration while liveness stays 200', async () => {
    const db = await freshDatabase('sqlite');
    const port = await freePort();
    const svc = await startService({ NEUTRINO_DATABASE_URL: db.url, NEUTRINO_API_PORT: String(port), NEUTRINO_AUTH_STRATEGY: 'noauth', NEUTRINO_LOG_LEVEL: 'warn' }, `http://127.0.0.1:${port}/healthcheck/ready`);
    try {
      const base = `http://127.0.0.1:${port}`;
      assert.equal((await get(`${base}/healthcheck/ready`)).status, 200);
      // As if the database were restored from a backup older than this code.
      const sqlite = new SQLite(db.url.slice('sqlite:'.length));
      const last = sqlite.prepare('select name from kysely_migration order by name desc limit 1').get() as { name: string };
      sqlite.prepare('delete from kysely_migration where name = ?').run(last.name);
      sqlite.close();
      const ready = await get(`${base}/healthcheck/ready`);
      assert.equal(ready.status, 503);
      const text = await ready.text();
      assert.ok(text.includes(`1 database migration(s) pending: ${last.name}`), text);
      const detail = await get(`${base}/healthcheck/ready`, { accept: 'application/json' });
      assert.equal(detail.status, 503);
      assert.deepEqual((await detail.json()).checks, { database: 'FAIL' });
      assert.equal((await fetch(`${base}/healthcheck/ready`, { method: 'HEAD' })).status, 503);
      assert.equal((await get(`${base}/healthcheck`)).status, 200, 'liveness does not depend on the database');
    } finally {
      await svc.stop();
      await db.drop();
    }
  });
});

describe('readiness: PostgreSQL unreachable', { skip: !dialects().includes('postgres') }, () => {
  it('answers 503 while the database cannot be reached, and 200 again once it can', async () => {
    const db = await freshDatabase('postgres');
    const target = new URL(PG_ADMIN_URL);
    // A TCP relay in front of PostgreSQL that the test can cut.
    const sockets = new Set<net.Socket>();
    const relay = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => s.destroy());
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    const listen = (p: number) => new Promise<void>((resolve, reject) => relay.once('error', reject).listen(p, '127.0.0.1', () => resolve()));
    await listen(0);
    const relayPort = (relay.address() as net.AddressInfo).port;
    const url = new URL(db.url);
    url.hostname = '127.0.0.1';
    url.port = String(relayPort);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let svc: Awaited<ReturnType<typeof startService>> | undefined;
    try {
      // Inside the try: a server that fails to start must not leave the relay listening
      // (an open server keeps this test file's process alive and the whole run hangs).
      svc = await startService({ NEUTRINO_DATABASE_URL: url.toString(), NEUTRINO_API_PORT: String(port), NEUTRINO_AUTH_STRATEGY: 'noauth', NEUTRINO_LOG_LEVEL: 'warn' }, `${base}/healthcheck/ready`);
      const server = svc;
      assert.equal((await get(`${base}/healthcheck/ready`)).status, 200);
      await new Promise<void>((resolve) => {
        relay.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      const down = await get(`${base}/healthcheck/ready`).catch((err) => {
        throw new Error(`${err.message}; server stderr: ${server.stderr()}`);
      });
      assert.equal(down.status, 503);
      assert.match(await down.text(), /^database unreachable: /);
      assert.equal((await get(`${base}/healthcheck`)).status, 200, 'the process is alive (and did not crash on the dropped connections)');
      await listen(relayPort);
      // Reconnecting is up to the pool and a loaded machine: wait for it (up to a minute).
      let status = 0;
      let reason = '';
      for (let i = 0; i < 600 && status !== 200; i++) {
        const res = await get(`${base}/healthcheck/ready`);
        status = res.status;
        reason = await res.text();
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(status, 200, `ready again once the database is back (last answer: ${reason})`);
      assert.equal((await json(`${base}/v2.0/networks`, 'POST', { network: { name: 'after' } }, { 'x-project-id': 'pg-project' })).status, 201);
    } finally {
      await svc?.stop();
      relay.close();
      for (const s of sockets) s.destroy();
      await db.drop();
    }
  });
});
