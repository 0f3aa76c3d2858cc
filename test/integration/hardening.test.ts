// Regression tests of issue 9 (hardening): each malformed or hostile input found by the
// probes answers with a Neutron/Keystone error of the right status (never 500), and the
// limits that keep one client from stalling the service hold.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';
import { ADMIN_PASSWORD, issueToken, passwordAuth, postFrom, projectWithUser, startIdentityTestServer, type IdentityTestServer } from '../helpers/identity.ts';

const NASTY_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

/** Sends a raw HTTP request whose body trickles in; resolves when the server closes the connection. */
function trickle(port: number, path: string, headers: string): Promise<{ closed: boolean; answer: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      resolve({ closed: false, answer });
    }, 20_000);
    socket.on('connect', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n${headers}\r\n{"network":{"name":"`);
      timer = setInterval(() => socket.write('a'), 200);
    });
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ closed: true, answer });
    });
  });
}

for (const dialect of dialects()) {
  describe(`hardening: the Networking API (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect, { 'api.body_timeout': 1, 'api.max_tags_per_resource': 50, 'api.max_bulk_items': 20 });
    });
    after(async () => {
      await t?.close();
    });

    test('keys of Object.prototype are invalid sort keys, filters and fields on every collection, not 500', async () => {
      for (const resource of t.service.app.registry.resources.values()) {
        if (resource.parent) continue;
        const base = `/v2.0/${resource.path ?? resource.collection}`;
        for (const key of NASTY_KEYS) {
          const sorted = await t.admin.get(`${base}?sort_key=${key}&sort_dir=asc`);
          assert.equal(sorted.status, 400, `${base} sort_key=${key}: ${JSON.stringify(sorted.body)}`);
          const filtered = await t.admin.get(`${base}?${key}=1`);
          assert.equal(filtered.status, 400, `${base} filter ${key}: ${JSON.stringify(filtered.body)}`);
        }
        const fields = await t.admin.get(`${base}?fields=constructor&fields=id`);
        assert.equal(fields.status, 200, `${base} fields=constructor: ${JSON.stringify(fields.body)}`);
      }
    });

    test('a limit beyond any integer type lists everything, as Neutron', async () => {
      await t.admin.post('/v2.0/networks', { network: { name: 'limit-net' } });
      for (const limit of ['9223372036854775807', '9223372036854775808', '99999999999999999999999']) {
        const res = await t.admin.get(`/v2.0/networks?limit=${limit}`);
        assert.equal(res.status, 200, `limit=${limit}: ${JSON.stringify(res.body)}`);
        assert.ok(res.body.networks.length >= 1);
      }
    });

    test('NUL characters anywhere answer 400', async () => {
      const net = (await t.admin.post('/v2.0/networks', { network: { name: 'nul-net' } })).body.network;
      const cases = [
        await t.admin.post('/v2.0/networks', { network: { name: 'a\u0000b' } }),
        await t.admin.put(`/v2.0/networks/${net.id}`, { network: { description: '\u0000' } }),
        await t.admin.get('/v2.0/networks?name=a%00b'),
        await t.admin.get('/v2.0/networks/abc%00def'),
        await t.admin.put(`/v2.0/networks/${net.id}/tags/x%00y`, undefined),
        await t.admin.put(`/v2.0/networks/${net.id}/tags`, { tags: ['ok', 'x\u0000'] }),
        await t.admin.put('/v2.0/quotas/p%00q', { quota: { network: 5 } }),
      ];
      for (const res of cases) assert.equal(res.status, 400, JSON.stringify(res.body));
      // A backslash followed by "u0000" is just text.
      const literal = await t.admin.post('/v2.0/networks', { network: { name: '\\u0000' } });
      assert.equal(literal.status, 201);
      assert.equal(literal.body.network.name, '\\u0000');
    });

    test('integers beyond 32 bits answer 400', async () => {
      const pool = await t.admin.post('/v2.0/subnetpools', { subnetpool: { name: 'big', prefixes: ['10.240.0.0/16'], default_quota: 2 ** 31 } });
      assert.equal(pool.status, 400, JSON.stringify(pool.body));
      const fits = await t.admin.post('/v2.0/subnetpools', { subnetpool: { name: 'fits', prefixes: ['10.241.0.0/16'], default_quota: 2 ** 31 - 1 } });
      assert.equal(fits.status, 201, JSON.stringify(fits.body));
      const quota = await t.admin.put('/v2.0/quotas/big-project', { quota: { network: 99999999999 } });
      assert.equal(quota.status, 400, JSON.stringify(quota.body));
      const filter = await t.admin.get('/v2.0/subnets?ip_version=99999999999999999999');
      assert.equal(filter.status, 400, JSON.stringify(filter.body));
      const mtu = await t.admin.post('/v2.0/networks', { network: { mtu: 2 ** 40 } });
      assert.equal(mtu.status, 400, JSON.stringify(mtu.body));
    });

    test('objects carrying their own toString/valueOf keys are rejected as input, not 500', async () => {
      const res = await t.admin.put('/v2.0/quotas/p1', { quota: { port: { toString: 1, valueOf: 2 } } });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      const net = await t.admin.post('/v2.0/networks', { network: { mtu: { toString: 'x' } } });
      assert.equal(net.status, 400, JSON.stringify(net.body));
    });

    test('tags per resource are limited; 20,000 tags answer 400', async () => {
      const net = (await t.admin.post('/v2.0/networks', { network: { name: 'tags-net' } })).body.network;
      // 20,000 tags do not even fit in a body (413); 5,000 short ones do and are too many (400).
      const many = await t.admin.put(`/v2.0/networks/${net.id}/tags`, { tags: Array.from({ length: 20000 }, (_, i) => `t${i}`) });
      assert.equal(many.status, 413, JSON.stringify(many.body).slice(0, 300));
      const fiveThousand = await t.admin.put(`/v2.0/networks/${net.id}/tags`, { tags: Array.from({ length: 5000 }, (_, i) => i.toString(36)) });
      assert.equal(fiveThousand.status, 400, JSON.stringify(fiveThousand.body).slice(0, 300));
      const fifty = await t.admin.put(`/v2.0/networks/${net.id}/tags`, { tags: Array.from({ length: 50 }, (_, i) => `t${i}`) });
      assert.equal(fifty.status, 200, JSON.stringify(fifty.body).slice(0, 300));
      const oneMore = await t.admin.put(`/v2.0/networks/${net.id}/tags/t50`, undefined);
      assert.equal(oneMore.status, 400, JSON.stringify(oneMore.body));
      const again = await t.admin.put(`/v2.0/networks/${net.id}/tags/t0`, undefined);
      assert.equal(again.status, 201);
    });

    test('bulk requests: null items and too many items answer 400 and create nothing', async () => {
      const before = (await t.admin.get('/v2.0/networks')).body.networks.length;
      for (const body of [{ networks: [null, null, null] }, { networks: [{ name: 'ok' }, null] }, { networks: [{ name: 'ok' }, 5] }, { networks: Array.from({ length: 21 }, () => ({})) }, { network: null }, { network: [] }]) {
        const res = await t.admin.post('/v2.0/networks', body);
        assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 100)}: ${JSON.stringify(res.body)}`);
      }
      const twenty = await t.admin.post('/v2.0/networks', { networks: Array.from({ length: 20 }, (_, i) => ({ name: `bulk-${i}` })) });
      assert.equal(twenty.status, 201);
      assert.equal((await t.admin.get('/v2.0/networks')).body.networks.length, before + 20);
    });

    test('bodies over max_request_body_size (112 KiB) answer 413; one just under is read', async () => {
      const limit = t.config.api.max_request_body_size;
      assert.equal(limit, 114688);
      const name = (n: number) => JSON.stringify({ network: { name: 'x', description: 'd'.repeat(n) } });
      const over = await fetch(`${t.url}/v2.0/networks`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-project-id': 'p', 'x-roles': 'admin' }, body: name(limit) });
      assert.equal(over.status, 413);
      assert.equal((await over.json()).NeutronError.type, 'HTTPRequestEntityTooLarge');
      const under = await fetch(`${t.url}/v2.0/networks`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-project-id': 'p', 'x-roles': 'admin' }, body: name(limit - 100) });
      assert.equal(under.status, 400, 'read and validated (description too long), not refused for its size');
    });

    test('a body that trickles in is cut off after api.body_timeout', async () => {
      const { closed, answer } = await trickle(Number(new URL(t.url).port), '/v2.0/networks', 'X-Project-Id: p\r\nX-Roles: admin\r\n');
      assert.ok(closed, 'the server closed the connection');
      assert.match(answer, /^HTTP\/1\.1 408/);
      // The server still serves others.
      assert.equal((await t.admin.get('/v2.0/networks?limit=1')).status, 200);
    });

    test('a request without a body that takes longer than api.body_timeout is answered (a watch long-poll)', async () => {
      const head = (await t.admin.get('/v2.0/watch')).body.cursor;
      const started = Date.now();
      const polled = await t.admin.get(`/v2.0/watch?since=${head}&resources=address_scopes&timeout=2`);
      assert.equal(polled.status, 200, JSON.stringify(polled.body));
      assert.ok(Date.now() - started >= 1900, 'it waited past the 1 s body timeout');
    });

    test('32 concurrent quota updates of one project all succeed (upsert)', async () => {
      const answers = await Promise.all(Array.from({ length: 32 }, (_, i) => t.admin.put('/v2.0/quotas/race-project', { quota: { network: 10 + i, port: 100 + i } })));
      assert.deepEqual(answers.map((a) => a.status), answers.map(() => 200), JSON.stringify(answers.find((a) => a.status !== 200)?.body));
      const final = (await t.admin.get('/v2.0/quotas/race-project')).body.quota;
      assert.ok(final.network >= 10 && final.network < 42);
    });

    test("a port may not claim to be an interface of another project's router (409 DeviceIDNotOwnedByTenant)", async () => {
      const theirs = (await t.admin.as({ project: 'victim', roles: 'member' }).post('/v2.0/routers', { router: { name: 'victim-router' } })).body.router;
      const mine = (await t.client.post('/v2.0/routers', { router: { name: 'my-router' } })).body.router;
      const network = (await t.client.post('/v2.0/networks', { network: { name: 'attacker-net' } })).body.network;
      const forged = await t.client.post('/v2.0/ports', { port: { network_id: network.id, device_owner: 'network:router_interface', device_id: theirs.id } });
      assert.equal(forged.status, 409, JSON.stringify(forged.body));
      assert.equal(forged.body.NeutronError.type, 'DeviceIDNotOwnedByTenant');
      const port = (await t.client.post('/v2.0/ports', { port: { network_id: network.id } })).body.port;
      const relabel = await t.client.put(`/v2.0/ports/${port.id}`, { port: { device_owner: 'network:router_interface', device_id: theirs.id } });
      assert.equal(relabel.status, 409, JSON.stringify(relabel.body));
      const own = await t.client.put(`/v2.0/ports/${port.id}`, { port: { device_owner: 'network:router_interface', device_id: mine.id } });
      assert.equal(own.status, 200, JSON.stringify(own.body));
      // An admin may.
      const admin = await t.admin.post('/v2.0/ports', { port: { network_id: network.id, project_id: 'project-a', device_owner: 'network:router_interface', device_id: theirs.id } });
      assert.equal(admin.status, 201, JSON.stringify(admin.body));
    });
  });

  describe(`hardening: the embedded identity (${dialect})`, () => {
    let t: IdentityTestServer;
    before(async () => {
      t = await startIdentityTestServer(dialect, { 'auth.source_failure_burst': 0 });
    });
    after(async () => {
      await t?.close();
    });

    test('malformed names and ids in an authentication answer 400 or 401, never 500', async () => {
      const bodies: unknown[] = [
        { user: { name: [], domain: { id: 'default' }, password: 'x' } },
        { user: { name: {}, domain: { id: 'default' }, password: 'x' } },
        { user: { id: {}, password: 'x' } },
        { user: { name: 'admin', domain: { name: {} }, password: 'x' } },
        { user: { name: 'admin', domain: { id: [] }, password: 'x' } },
      ];
      for (const password of bodies) {
        const res = await t.keystone.post('/v3/auth/tokens', { auth: { identity: { methods: ['password'], password } } });
        assert.equal(res.status, 400, `${JSON.stringify(password)}: ${JSON.stringify(res.body)}`);
      }
      const scoped = await t.keystone.post('/v3/auth/tokens', { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: ADMIN_PASSWORD } } }, scope: { project: { name: {}, domain: { id: 'default' } } } } });
      assert.equal(scoped.status, 400, JSON.stringify(scoped.body));
      const longId = await t.keystone.post('/v3/auth/tokens', { auth: { identity: { methods: ['password'], password: { user: { id: 'u'.repeat(65), password: 'x' } } } } });
      assert.equal(longId.status, 401, JSON.stringify(longId.body));
      const nul = await t.keystone.post('/v3/auth/tokens', { auth: { identity: { methods: ['password'], password: { user: { name: 'ad\u0000min', domain: { id: 'default' }, password: 'x' } } } } });
      assert.equal(nul.status, 400, JSON.stringify(nul.body));
      const longDomain = await t.keystone.post('/v3/domains', { domain: { name: 'long-id', id: 'd'.repeat(65) } }, { token: t.adminToken });
      assert.ok(longDomain.status < 500, JSON.stringify(longDomain.body));
      const path = await t.keystone.get(`/v3/users/${'u'.repeat(300)}`, { token: t.adminToken });
      assert.equal(path.status, 404);
    });

    test('a caller without a token can send only a small body', async () => {
      const big = JSON.stringify({ auth: Array.from({ length: 20000 }, () => 1) });
      const res = await fetch(`${t.service.identity!.url}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
      assert.equal(res.status, 413);
      // The same size with a valid token is read (and refused for what it says).
      const authed = await fetch(`${t.service.identity!.url}/v3/projects`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-auth-token': t.adminToken }, body: JSON.stringify({ project: { name: 'p'.repeat(20000) } }) });
      assert.equal(authed.status, 400);
      // Chunked (no length) bodies are counted as they arrive.
      const stream = new ReadableStream({
        start(c) {
          for (let i = 0; i < 40; i++) c.enqueue(new TextEncoder().encode(' '.repeat(1024)));
          c.enqueue(new TextEncoder().encode('{}'));
          c.close();
        },
      });
      const chunked = await fetch(`${t.service.identity!.url}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
      assert.equal(chunked.status, 413);
    });

    test('unknown users take a hashing slot like known ones (same work, same timing)', async () => {
      t.config.auth.password_hash_concurrency = 1;
      t.config.auth.password_hash_queue = 0;
      try {
        const unknown = (i: number) => t.keystone.post('/v3/auth/tokens', passwordAuth({ name: `nobody-${i}`, password: 'x' }));
        const answers = await Promise.all([unknown(1), unknown(2), unknown(3), unknown(4)]);
        const statuses = answers.map((a) => a.status).sort();
        assert.ok(statuses.includes(401), JSON.stringify(statuses));
        assert.ok(statuses.includes(503), `unknown users were answered without hashing: ${JSON.stringify(statuses)}`);
        assert.ok(answers.find((a) => a.status === 503)!.headers.get('retry-after'));
      } finally {
        t.config.auth.password_hash_concurrency = 1;
        t.config.auth.password_hash_queue = 32;
      }
    });

    test('wrong passwords do not stall the Networking API (hashing holds no connection)', async () => {
      const storm = Promise.all(Array.from({ length: 16 }, () => t.keystone.post('/v3/auth/tokens', passwordAuth({ name: 'admin', password: 'wrong' }))));
      const during = await t.network.get('/v2.0/networks?limit=1', { token: t.adminToken });
      assert.equal(during.status, 200);
      const answers = await storm;
      for (const a of answers) assert.ok(a.status === 401 || a.status === 503, `${a.status}`);
    });

    test('per-source throttling of failed logins: 429 with Retry-After for that address only', async () => {
      t.config.auth.source_failure_burst = 3;
      t.config.auth.source_failures_per_minute = 1;
      try {
        const url = `${t.service.identity!.url}/v3/auth/tokens`;
        const wrong = passwordAuth({ name: 'admin', password: 'wrong' });
        for (let i = 0; i < 3; i++) assert.equal((await postFrom('127.0.0.3', url, wrong)).status, 401);
        const throttled = await postFrom('127.0.0.3', url, wrong);
        assert.equal(throttled.status, 429, throttled.body);
        assert.ok(Number(throttled.headers['retry-after']) > 0);
        // Even the right password waits: the address is throttled, not the user.
        assert.equal((await postFrom('127.0.0.3', url, passwordAuth({ name: 'admin', password: ADMIN_PASSWORD }))).status, 429);
        assert.equal((await postFrom('127.0.0.4', url, passwordAuth({ name: 'admin', password: ADMIN_PASSWORD }))).status, 201);
      } finally {
        t.config.auth.source_failure_burst = 0;
      }
    });

    test("Keystone's lockout: off by default; lockout_failure_attempts locks for lockout_duration", async () => {
      const { userId } = await projectWithUser(t, 'lockout');
      const wrong = passwordAuth({ id: userId, password: 'wrong' });
      const right = passwordAuth({ id: userId, password: 'lockout-pw' });
      for (let i = 0; i < 6; i++) assert.equal((await t.keystone.post('/v3/auth/tokens', wrong)).status, 401);
      assert.equal((await t.keystone.post('/v3/auth/tokens', right)).status, 201, 'no lockout by default');
      t.config.auth.lockout_failure_attempts = 3;
      t.config.auth.lockout_duration = 1;
      try {
        for (let i = 0; i < 3; i++) assert.equal((await t.keystone.post('/v3/auth/tokens', wrong)).status, 401);
        const locked = await t.keystone.post('/v3/auth/tokens', right);
        assert.equal(locked.status, 401);
        assert.match(locked.body.error.message, /locked/);
        await new Promise((r) => setTimeout(r, 1100));
        assert.equal((await t.keystone.post('/v3/auth/tokens', right)).status, 201, 'unlocked after lockout_duration');
        // A success resets the count.
        for (let i = 0; i < 2; i++) await t.keystone.post('/v3/auth/tokens', wrong);
        assert.equal((await t.keystone.post('/v3/auth/tokens', right)).status, 201);
      } finally {
        t.config.auth.lockout_failure_attempts = 0;
      }
    });

    test('token minting per user is bounded (429), and expired tokens are deleted in the background', async () => {
      const { userId } = await projectWithUser(t, 'minting');
      t.config.auth.user_tokens_per_minute = 3;
      try {
        for (let i = 0; i < 3; i++) assert.equal((await t.keystone.post('/v3/auth/tokens', passwordAuth({ id: userId, password: 'minting-pw' }))).status, 201);
        const refused = await t.keystone.post('/v3/auth/tokens', passwordAuth({ id: userId, password: 'minting-pw' }));
        assert.equal(refused.status, 429, JSON.stringify(refused.body));
      } finally {
        t.config.auth.user_tokens_per_minute = 600;
      }
      const db = t.service.app.database.db;
      const count = async () => Number((await db.selectFrom('identity_tokens').select(db.fn.countAll().as('n')).where('user_id', '=', userId).executeTakeFirst())?.n ?? 0);
      assert.ok((await count()) > 0);
      // Expire them; the background job (started by the service) removes them.
      await db.updateTable('identity_tokens').set({ expires_at: Date.now() - 1000 }).where('user_id', '=', userId).execute();
      const identity = t.service.identity!.service;
      identity.stopExpiry();
      t.config.auth.token_expiry_interval = 0.2;
      identity.startExpiry();
      for (let i = 0; i < 50 && (await count()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(await count(), 0);
      assert.ok(await issueToken(t.keystone, { name: 'admin', password: ADMIN_PASSWORD, project: 'admin' }));
    });
  });
}
