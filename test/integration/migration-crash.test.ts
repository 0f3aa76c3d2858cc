// Crash safety of migrations and first start: real `neutrino` processes killed with
// SIGKILL while they migrate a fresh database, while they upgrade a partly migrated one
// and at random moments of a first `serve`. After every crash the recorded migrations
// are all or none of those that were pending (each run is one transaction), and the next
// start must succeed. Also: a first start opens no listener before its admin exists.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { Migrator, type Migration } from 'kysely';
import { openDatabase } from '../../src/db/index.ts';
import { allMigrations } from '../../src/app.ts';
import { dialects, freshDatabase } from '../helpers/server.ts';
import { freePort } from '../helpers/process.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = ['--import', 'tsx', path.join(root, 'src/cli/main.ts')];
// Every feature's migrations and the identity's (src/extensions/*/migrations, src/identity/migrations).
const migrations = await allMigrations();
const NAMES = Object.keys(migrations).sort();

const envFor = (url: string, extra: Record<string, string> = {}) => ({
  ...process.env,
  NEUTRINO_DATABASE_URL: url,
  NEUTRINO_AUTH_STRATEGY: 'noauth',
  NEUTRINO_LOG_LEVEL: 'warn',
  NEUTRINO_AUTH_CLOUDS_YAML: 'none',
  ...extra,
});

async function recorded(url: string): Promise<string[]> {
  const database = await openDatabase(url, { migrate: false });
  try {
    const tables = await database.db.introspection.getTables({ withInternalKyselyTables: true });
    if (!tables.some((t) => t.name === 'kysely_migration')) return [];
    return (await database.db.selectFrom('kysely_migration').select('name').execute()).map((r: { name: string }) => r.name).sort();
  } finally {
    await database.close();
  }
}

/** `neutrino db upgrade`, killed with SIGKILL as soon as it reports starting `killAt`. */
function upgradeKilledAt(url: string, killAt: string): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI, 'db', 'upgrade'], { cwd: root, env: envFor(url), stdio: ['ignore', 'pipe', 'pipe'] });
    let killed = false;
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!killed && out.includes(`applying ${killAt}\n`)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.resume();
    child.on('exit', (code) => resolve({ killed, code }));
  });
}

function upgrade(url: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [...CLI, 'db', 'upgrade'], { cwd: root, env: envFor(url), encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

for (const dialect of dialects()) {
  describe(`migrations survive kill -9 (${dialect})`, () => {
    test('a crash while migrating a fresh database leaves nothing half-applied; the next start succeeds', async () => {
      const db = await freshDatabase(dialect);
      try {
        let crashes = 0;
        for (const killAt of [NAMES[1], NAMES[3], NAMES[5], NAMES[NAMES.length - 1]]) {
          const before = await recorded(db.url);
          const { killed } = await upgradeKilledAt(db.url, killAt);
          if (killed) crashes++;
          const after = await recorded(db.url);
          assert.ok(after.length === before.length || after.length === NAMES.length, `after a crash at ${killAt}: ${after.length} of ${NAMES.length} recorded (before: ${before.length})`);
        }
        assert.ok(crashes >= 3, `the kills landed during migrations (${crashes})`);
        const final = upgrade(db.url);
        assert.equal(final.status, 0, final.output);
        assert.deepEqual(await recorded(db.url), NAMES);
      } finally {
        await db.drop();
      }
    });

    test('a crash during an upgrade of a partly migrated database keeps its old schema; the upgrade then completes', async () => {
      const db = await freshDatabase(dialect);
      try {
        // An older deployment: the first half of the migrations.
        const half = NAMES[Math.floor(NAMES.length / 2)];
        const database = await openDatabase(db.url, { migrate: false });
        const migrator = new Migrator({ db: database.db, provider: { getMigrations: async () => migrations as Record<string, Migration> }, allowUnorderedMigrations: true });
        const { error } = await migrator.migrateTo(half);
        await database.close();
        assert.equal(error, undefined);
        const old = await recorded(db.url);
        assert.ok(old.length > 0 && old.length < NAMES.length);
        for (const killAt of NAMES.filter((n) => n > half).slice(0, 3)) {
          const { killed } = await upgradeKilledAt(db.url, killAt);
          assert.ok(killed, `killed while applying ${killAt}`);
          assert.deepEqual(await recorded(db.url), old, `after a crash at ${killAt}`);
        }
        const final = upgrade(db.url);
        assert.equal(final.status, 0, final.output);
        assert.deepEqual(await recorded(db.url), NAMES);
      } finally {
        await db.drop();
      }
    });

    test('kill -9 at random moments of a first start never bricks the database; a first start opens no listener before its admin exists', async () => {
      const db = await freshDatabase(dialect);
      try {
        const apiPort = await freePort();
        const identityPort = await freePort();
        const env = envFor(db.url, { NEUTRINO_AUTH_STRATEGY: 'embedded', NEUTRINO_API_PORT: String(apiPort), NEUTRINO_AUTH_IDENTITY_PORT: String(identityPort), NEUTRINO_AUTH_ADMIN_PASSWORD: 'crash-secret' });
        // Seeded delays spread over process start, migration and bootstrap.
        for (const delay of [700, 1100, 1500, 1900]) {
          const child = spawn(process.execPath, [...CLI, 'serve'], { cwd: root, env, stdio: 'ignore' });
          await new Promise((r) => setTimeout(r, delay));
          child.kill('SIGKILL');
          await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
        }
        const child = spawn(process.execPath, [...CLI, 'serve'], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        try {
          // As soon as anything answers, the admin can log in (the listener opened after bootstrap).
          // (A generous bound: a loaded machine starts tsx, migrates and bootstraps slowly.)
          let up = false;
          for (const deadline = Date.now() + 90_000; Date.now() < deadline && !up && child.exitCode === null; ) {
            try {
              up = (await fetch(`http://127.0.0.1:${identityPort}/v3`)).ok;
            } catch {
              await new Promise((r) => setTimeout(r, 20));
            }
          }
          assert.ok(up, `the service came up after the crashes: ${stderr}`);
          const login = await fetch(`http://127.0.0.1:${identityPort}/v3/auth/tokens`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: 'crash-secret' } } } } }),
          });
          assert.equal(login.status, 201, await login.text());
          // The Networking API listener opens right after the identity's.
          let api: Response | undefined;
          for (let i = 0; i < 100 && !api; i++) {
            api = await fetch(`http://127.0.0.1:${apiPort}/v2.0/networks`, { headers: { 'x-auth-token': login.headers.get('x-subject-token')! } }).catch(() => undefined);
            if (!api) await new Promise((r) => setTimeout(r, 20));
          }
          assert.equal(api?.status, 200);
        } finally {
          child.kill('SIGTERM');
          await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
        }
        assert.deepEqual(await recorded(db.url), NAMES);
      } finally {
        await db.drop();
      }
    });
  });
}
