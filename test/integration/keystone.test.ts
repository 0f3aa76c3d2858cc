// Strategy `keystone`: the Networking API validates tokens against a real Keystone
// (Debian's `keystone` package, served by uwsgi on loopback with an SQLite database), with
// a service token from the configured service credentials, like keystonemiddleware.
// Skipped, with the reason, when Keystone or uwsgi's python3 plugin is not installed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApiClient, dialects, startTestServer, type TestServer } from '../helpers/server.ts';
import { freePort } from '../helpers/process.ts';

const run = promisify(execFile);
const KEYSTONE_MANAGE = '/usr/bin/keystone-manage';
const WSGI = '/usr/bin/keystone-wsgi-public';
const UWSGI_PYTHON = '/usr/lib/uwsgi/plugins/python3_plugin.so';
const missing = [KEYSTONE_MANAGE, WSGI, '/usr/bin/uwsgi', UWSGI_PYTHON].filter((f) => !fs.existsSync(f));
const skip = missing.length ? `Keystone is not installed (missing ${missing.join(', ')}; apt-get install -y keystone uwsgi-plugin-python3)` : false;

const ADMIN_PASSWORD = 'keystone-admin-secret';

/** A private Keystone: its own config, SQLite database and fernet keys in a temporary folder. */
async function startKeystone(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neutrino-keystone-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const conf = path.join(dir, 'keystone.conf');
  fs.writeFileSync(
    conf,
    [
      '[DEFAULT]',
      `log_file = ${dir}/keystone.log`,
      '[database]',
      `connection = sqlite:///${dir}/keystone.db`,
      '[token]',
      'provider = fernet',
      '[fernet_tokens]',
      `key_repository = ${dir}/fernet-keys`,
      '[fernet_receipts]',
      `key_repository = ${dir}/fernet-receipts`,
      '',
    ].join('\n'),
  );
  const manage = (...args: string[]) => run(KEYSTONE_MANAGE, ['--config-file', conf, ...args], { timeout: 300_000 });
  await manage('db_sync');
  await manage('fernet_setup', '--keystone-user', 'root', '--keystone-group', 'root');
  await manage('bootstrap', '--bootstrap-password', ADMIN_PASSWORD, '--bootstrap-public-url', `${url}/v3`, '--bootstrap-region-id', 'RegionOne');
  // One single-threaded worker: Keystone on SQLite fails writes with "database is locked" under threads.
  const uwsgi: ChildProcess = spawn(
    '/usr/bin/uwsgi',
    ['--plugins', 'python3', '--http11-socket', `127.0.0.1:${port}`, '--wsgi-file', WSGI, '--processes', '1', '--lazy-apps', '--master', '--die-on-term', '--buffer-size', '65535'],
    { env: { ...process.env, OS_KEYSTONE_CONFIG_FILES: conf }, stdio: ['ignore', fs.openSync(path.join(dir, 'uwsgi.log'), 'a'), fs.openSync(path.join(dir, 'uwsgi.log'), 'a')] },
  );
  const stop = async () => {
    if (uwsgi.exitCode === null) {
      const exited = new Promise((r) => uwsgi.once('exit', r));
      uwsgi.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  // Keystone's app loads lazily and slowly: wait for its version document.
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/v3`)).status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (i > 240 || uwsgi.exitCode !== null) {
      await stop();
      throw new Error('Keystone did not start');
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { url, stop };
}

describe('strategy keystone: tokens validated by an external Keystone', { skip }, () => {
  let keystone: { url: string; stop: () => Promise<void> };
  let ks: ApiClient;
  let adminToken: string;
  const ids: Record<string, string> = {};

  const issue = async (user: string, password: string, project: string) => {
    const res = await ks.post('/v3/auth/tokens', {
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
        scope: { project: { name: project, domain: { id: 'default' } } },
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.headers.get('x-subject-token')!;
  };
  const create = async (kind: string, body: Record<string, unknown>) => {
    const res = await ks.post(`/v3/${kind}s`, { [kind]: body }, { token: adminToken });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body[kind].id as string;
  };

  before(async () => {
    keystone = await startKeystone();
    ks = new ApiClient(keystone.url);
    adminToken = await issue('admin', ADMIN_PASSWORD, 'admin');
    // The service user Neutrino validates tokens with, and a member of a demo project.
    ids.service = await create('project', { name: 'service', domain_id: 'default' });
    ids.demo = await create('project', { name: 'demo', domain_id: 'default' });
    ids.neutron = await create('user', { name: 'neutron', password: 'neutron-pw', domain_id: 'default' });
    ids.alice = await create('user', { name: 'alice', password: 'alice-pw', domain_id: 'default' });
    ids.serviceRole = await create('role', { name: 'service' });
    const member = (await ks.get('/v3/roles?name=member', { token: adminToken })).body.roles[0].id;
    assert.equal((await ks.put(`/v3/projects/${ids.service}/users/${ids.neutron}/roles/${ids.serviceRole}`, undefined, { token: adminToken })).status, 204);
    assert.equal((await ks.put(`/v3/projects/${ids.demo}/users/${ids.alice}/roles/${member}`, undefined, { token: adminToken })).status, 204);
  });
  after(async () => keystone?.stop());

  for (const dialect of dialects()) {
    describe(dialect, () => {
      let t: TestServer;
      let api: ApiClient;
      before(async () => {
        t = await startTestServer(dialect, {
          'auth.strategy': 'keystone',
          'auth.keystone_url': keystone.url,
          'auth.keystone_service_user': 'neutron',
          'auth.keystone_service_password': 'neutron-pw',
          'auth.keystone_service_project': 'service',
          'auth.keystone_cache_seconds': 60,
        });
        api = new ApiClient(t.url);
      });
      after(async () => t?.close());

      it('answers 401 without a token or with one Keystone does not know', async () => {
        for (const token of [undefined, 'garbage']) {
          const res = await api.get('/v2.0/networks', token ? { token } : {});
          assert.equal(res.status, 401);
          assert.equal(res.body.NeutronError.type, 'HTTPUnauthorized');
        }
      });

      it("takes the project, user and roles from Keystone's validation", async () => {
        const alice = await issue('alice', 'alice-pw', 'demo');
        const created = await api.post('/v2.0/networks', { network: { name: `ks-${dialect}` } }, { token: alice });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        assert.equal(created.body.network.project_id, ids.demo);
        assert.equal(created.body.network['provider:network_type'], undefined, 'a member is not admin');
        const asAdmin = await api.get(`/v2.0/networks/${created.body.network.id}`, { token: adminToken });
        assert.equal(asAdmin.status, 200);
        assert.equal(asAdmin.body.network['provider:network_type'], 'vxlan', "Keystone's admin role makes an admin context");
      });

      it('caches validations for keystone_cache_seconds, then sees the revocation', async () => {
        const alice = await issue('alice', 'alice-pw', 'demo');
        assert.equal((await api.get('/v2.0/networks', { token: alice })).status, 200);
        assert.equal((await ks.del('/v3/auth/tokens', { token: adminToken, headers: { 'x-subject-token': alice } })).status, 204);
        assert.equal((await api.get('/v2.0/networks', { token: alice })).status, 200, 'served from the cache (the documented staleness bound)');
        t.config.auth.keystone_cache_seconds = 0;
        assert.equal((await api.get('/v2.0/networks', { token: alice })).status, 401, 'revoked in Keystone');
      });
    });
  }
});
