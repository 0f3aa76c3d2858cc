// The real `openstack` CLI against the embedded identity, configured only by the
// clouds.yaml the first start writes (with the generated admin password): tokens,
// projects, users, roles and assignments, and networks as the admin and as a member of
// another project.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfig } from '../../src/config/index.ts';
import { startService, type RunningService } from '../../src/service.ts';
import { freshDatabase } from '../helpers/server.ts';
import { OPENSTACK_CLI } from '../helpers/openstack-cli.ts';

const skip = fs.existsSync(OPENSTACK_CLI) ? false : `${OPENSTACK_CLI} is absent (Debian package python3-openstackclient)`;

describe('openstack CLI against the embedded identity (clouds.yaml from bootstrap)', { skip }, () => {
  let service: RunningService;
  let drop: () => Promise<void>;
  let dir: string;
  let cloudsFile: string;

  /** Runs the CLI as `cloud` from our clouds.yaml; resolves with exit code and output. */
  const cli = (cloud: string, ...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const env = { PATH: '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', OS_CLIENT_CONFIG_FILE: cloudsFile, OS_CLOUD: cloud };
      execFile(OPENSTACK_CLI, args, { env, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
  const json = async (cloud: string, ...args: string[]) => {
    const r = await cli(cloud, ...args, '-f', 'json');
    assert.equal(r.code, 0, `openstack ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  const ok = async (cloud: string, ...args: string[]) => {
    const r = await cli(cloud, ...args);
    assert.equal(r.code, 0, `openstack ${args.join(' ')}: ${r.stderr}`);
  };
  const made: Record<string, string> = {};

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neutrino-identity-cli-'));
    cloudsFile = path.join(dir, 'clouds.yaml');
    const db = await freshDatabase('sqlite');
    drop = db.drop;
    const config = loadConfig({
      env: {},
      overrides: { 'api.port': 0, 'database.url': db.url, 'auth.strategy': 'embedded', 'auth.identity_port': 0, 'auth.clouds_yaml': cloudsFile, 'log.level': 'warn' },
    });
    service = await startService(config);
  });
  after(async () => {
    await service?.close();
    await drop?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('bootstrap wrote a private clouds.yaml with a generated password that issues tokens', async () => {
    assert.equal(fs.statSync(cloudsFile).mode & 0o777, 0o600);
    const password = YAML.parse(fs.readFileSync(cloudsFile, 'utf8')).clouds.neutrino.auth.password;
    assert.ok(password.length >= 24, 'a generated password, not a default');
    const token = await json('neutrino', 'token', 'issue');
    assert.ok(token.id.length >= 43);
    assert.ok(token.project_id && token.user_id && token.expires);
    made.adminProject = token.project_id;
  });

  it('creates, lists and shows a project; creates a user; grants a role', async () => {
    const project = await json('neutrino', 'project', 'create', '--description', 'from the CLI', 'cli-demo');
    assert.equal(project.name, 'cli-demo');
    assert.equal(project.domain_id, 'default');
    made.project = project.id;
    const projects = await json('neutrino', 'project', 'list');
    assert.deepEqual(projects.map((p: { Name: string }) => p.Name).sort(), ['admin', 'cli-demo']);
    const shown = await json('neutrino', 'project', 'show', 'cli-demo');
    assert.equal(shown.id, project.id);
    assert.equal(shown.enabled, true);
    assert.equal(shown.description, 'from the CLI');

    const user = await json('neutrino', 'user', 'create', '--password', 'alice-pw', '--project', 'cli-demo', 'cli-alice');
    assert.equal(user.name, 'cli-alice');
    assert.equal(user.default_project_id, project.id);
    made.user = user.id;
    const users = await json('neutrino', 'user', 'list');
    assert.ok(users.some((u: { ID: string; Name: string }) => u.ID === user.id && u.Name === 'cli-alice'));

    await ok('neutrino', 'role', 'add', '--project', 'cli-demo', '--user', 'cli-alice', 'member');
    const roles = (await json('neutrino', 'role', 'list')).map((r: { Name: string }) => r.Name);
    for (const name of ['admin', 'member', 'reader']) assert.ok(roles.includes(name));
    const assignments = await json('neutrino', 'role', 'assignment', 'list', '--user', 'cli-alice', '--project', 'cli-demo', '--names');
    assert.deepEqual(
      assignments.map((a: any) => [a.Role, a.User, a.Project]),
      [['member', 'cli-alice@Default', 'cli-demo@Default']],
    );

    // A cloud entry for the new user, as an operator would hand it out.
    const doc = YAML.parse(fs.readFileSync(cloudsFile, 'utf8'));
    doc.clouds.alice = { ...doc.clouds.neutrino, auth: { ...doc.clouds.neutrino.auth, username: 'cli-alice', password: 'alice-pw', project_name: 'cli-demo' } };
    fs.writeFileSync(cloudsFile, YAML.stringify(doc));
  });

  it('networks belong to the token project and stay private to it', async () => {
    const adminNet = await json('neutrino', 'network', 'create', 'cli-admin-net');
    assert.equal(adminNet.project_id, made.adminProject);
    const aliceToken = await json('alice', 'token', 'issue');
    assert.equal(aliceToken.project_id, made.project);
    const aliceNet = await json('alice', 'network', 'create', 'cli-alice-net');
    assert.equal(aliceNet.project_id, made.project);
    const shown = await json('alice', 'network', 'show', 'cli-alice-net');
    assert.equal(shown.id, aliceNet.id);

    const aliceSees = (await json('alice', 'network', 'list')).map((n: { Name: string }) => n.Name);
    assert.deepEqual(aliceSees, ['cli-alice-net']);
    const hidden = await cli('alice', 'network', 'show', adminNet.id);
    assert.notEqual(hidden.code, 0);
    assert.match(hidden.stderr, /No Network found|could not be found/i);
    const adminSees = (await json('neutrino', 'network', 'list')).map((n: { Name: string }) => n.Name).sort();
    assert.deepEqual(adminSees, ['cli-admin-net', 'cli-alice-net']);
    const denied = await cli('alice', 'project', 'create', 'nope');
    assert.notEqual(denied.code, 0, 'members cannot administer identity');
    assert.match(denied.stderr, /403/);

    await ok('alice', 'network', 'delete', 'cli-alice-net');
    await ok('neutrino', 'network', 'delete', 'cli-admin-net');
    assert.deepEqual(await json('neutrino', 'network', 'list'), []);
  });

  it('removes the role, the user and the project', async () => {
    await ok('neutrino', 'role', 'remove', '--project', 'cli-demo', '--user', 'cli-alice', 'member');
    assert.deepEqual(await json('neutrino', 'role', 'assignment', 'list', '--user', made.user), []);
    await ok('neutrino', 'user', 'delete', 'cli-alice');
    assert.ok(!(await json('neutrino', 'user', 'list')).some((u: { Name: string }) => u.Name === 'cli-alice'));
    await ok('neutrino', 'project', 'delete', 'cli-demo');
    assert.deepEqual((await json('neutrino', 'project', 'list')).map((p: { Name: string }) => p.Name), ['admin']);
    assert.notEqual((await cli('alice', 'token', 'issue')).code, 0, 'the deleted user cannot log in');
  });
});
