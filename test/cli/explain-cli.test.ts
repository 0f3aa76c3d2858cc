// `neutrino explain` as a user runs it: the real command (src/cli/main.ts) against Neutrino
// with its embedded identity, authenticating with OS_* variables, clouds.yaml or a token,
// finding the Networking API in the catalog; human output, --json and the exit codes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedIdentityServer, type EmbeddedIdentityServer } from '../helpers/embedded-identity.ts';
import { ApiClient } from '../helpers/server.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PASSWORD = 'explain-pw-1234';

describe('neutrino explain (embedded identity, SQLite)', () => {
  let t: EmbeddedIdentityServer;
  let home: string;
  let alice: ApiClient;
  let token: string;
  let apiUrl: string;
  const made: Record<string, any> = {};

  const neutrino = (env: Record<string, string>, ...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'explain', ...args], { cwd: root, env: { PATH: process.env.PATH!, HOME: home, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
  const passwordEnv = () => ({ OS_AUTH_URL: t.authUrl, OS_USERNAME: 'alice', OS_PASSWORD: PASSWORD, OS_PROJECT_NAME: 'demo', OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_DOMAIN_NAME: 'Default' });

  before(async () => {
    t = await startEmbeddedIdentityServer();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'neutrino-explain-cli-'));
    const keystone = new ApiClient(t.authUrl.replace(/\/v3$/, ''));
    const login = async (user: string, password: string, project: string) => {
      const res = await keystone.post('/v3/auth/tokens', { auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } }, scope: { project: { name: project, domain: { name: 'Default' } } } } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return { token: res.headers.get('x-subject-token')!, catalog: res.body.token.catalog };
    };
    const admin = { token: (await login('admin', t.adminPassword, 'admin')).token };
    const project = (await keystone.post('/v3/projects', { project: { name: 'demo', domain_id: 'default' } }, admin)).body.project;
    const user = (await keystone.post('/v3/users', { user: { name: 'alice', password: PASSWORD, domain_id: 'default' } }, admin)).body.user;
    const member = (await keystone.get('/v3/roles?name=member', admin)).body.roles[0];
    assert.equal((await keystone.put(`/v3/projects/${project.id}/users/${user.id}/roles/${member.id}`, undefined, admin)).status, 204);
    const session = await login('alice', PASSWORD, 'demo');
    token = session.token;
    apiUrl = session.catalog.find((s: { type: string }) => s.type === 'network').endpoints.find((e: { interface: string }) => e.interface === 'public').url;
    alice = new ApiClient(apiUrl.replace(/\/$/, ''), { token });
    const post = async (p: string, body: unknown) => {
      const res = await alice.post(p, body);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return Object.values(res.body)[0] as any;
    };
    const net = await post('/v2.0/networks', { network: { name: 'app' } });
    const subnet = await post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.20.0.0/24', ip_version: 4 } });
    made.web = await post('/v2.0/security-groups', { security_group: { name: 'web' } });
    made.rule = await post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: made.web.id, direction: 'ingress', protocol: 'tcp', port_range_min: 443, port_range_max: 443, remote_ip_prefix: subnet.cidr } });
    made.client = await post('/v2.0/ports', { port: { network_id: net.id, name: 'client' } });
    made.server = await post('/v2.0/ports', { port: { network_id: net.id, name: 'server', security_groups: [made.web.id] } });
  });
  after(async () => {
    await t?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('explains a reachable path by port names with OS_* password credentials (exit 0)', async () => {
    const r = await neutrino(passwordEnv(), 'client', 'server', '--protocol', 'tcp', '--port', '443');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^tcp/443 from port ${made.client.id} \\(10\\.20\\.0\\.\\d+\\) to port ${made.server.id} \\(10\\.20\\.0\\.\\d+\\): REACHABLE`));
    assert.match(r.stdout, new RegExp(`✓ ingress_rule +ingress rule ${made.rule.id} of security group "web"`));
    assert.match(r.stdout, /\nreturn\n/);
  });

  it('a blocked path: --json carries the API answer, the exit code is 2', async () => {
    const r = await neutrino(passwordEnv(), made.client.id, made.server.fixed_ips[0].ip_address, '--protocol', 'tcp', '--port', '22', '--json');
    assert.equal(r.code, 2, r.stderr);
    const answer = JSON.parse(r.stdout);
    assert.equal(answer.verdict, 'not_reachable');
    assert.equal(answer.blocked_by.resource.id, made.web.id);
    assert.match(answer.suggestion, /^add an ingress rule tcp\/22 from 10\.20\.0\.0\/24 to group web/);
    const human = await neutrino(passwordEnv(), 'client', 'server', '--port', '22');
    assert.equal(human.code, 2);
    assert.match(human.stdout, /✗ ingress_rule/);
    assert.match(human.stdout, /\nto open it: add an ingress rule tcp\/22 from 10\.20\.0\.0\/24 to group web/);
  });

  it('reads clouds.yaml (OS_CLOUD) and takes a token with an endpoint (OS_TOKEN, OS_ENDPOINT)', async () => {
    const file = path.join(home, 'clouds.yaml');
    fs.writeFileSync(file, `clouds:\n  demo:\n    auth:\n      auth_url: ${t.authUrl}\n      username: alice\n      password: ${PASSWORD}\n      project_name: demo\n      user_domain_name: Default\n      project_domain_name: Default\n`);
    const viaCloud = await neutrino({ OS_CLOUD: 'demo', OS_CLIENT_CONFIG_FILE: file }, 'client', 'server', '--port', '443');
    assert.equal(viaCloud.code, 0, viaCloud.stderr);
    const viaToken = await neutrino({ OS_TOKEN: token, OS_ENDPOINT: apiUrl }, 'client', 'server', '--protocol', 'icmp');
    assert.equal(viaToken.code, 2, viaToken.stderr);
    assert.match(viaToken.stdout, /^icmp type 8 from/);
  });

  it('errors are one line and exit 1', async () => {
    const missing = await neutrino(passwordEnv(), 'client', 'nobody', '--port', '443');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no port, address or port id nobody/);
    const verify = await neutrino({}, 'client', 'server');
    assert.equal(verify.code, 1);
    assert.match(verify.stderr, /no credentials/);
    // --verify asks the backend; this server's (noop) cannot check a dataplane.
    const noop = await neutrino(passwordEnv(), 'client', 'server', '--port', '443', '--verify');
    assert.equal(noop.code, 1);
    assert.match(noop.stderr, /400 ReachabilityVerifyNotSupported: verify is not supported by backend noop/);
  });
});
