// Helpers for tests and benchmarks that run Neutrino as a separate process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient, freshDatabase } from './server.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Resolves once url answers 2xx; fails if the child exits first or after ~20 s. */
export async function waitUp(url: string, child: ChildProcess): Promise<void> {
  // A deadline, not a count of tries: a server compiled by tsx on a busy 2-core machine took
  // over 20 s to listen (the test then failed for the machine's load, not for the code).
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${url} did not come up`);
}

/**
 * n real `neutrino serve` processes (noauth) on one fresh PostgreSQL database, migrated
 * once beforehand so that they never race to migrate; clients act as admin.
 */
export async function startServerProcesses(n: number): Promise<{ clients: ApiClient[]; stop: () => Promise<void> }> {
  const db = await freshDatabase('postgres');
  const children: ChildProcess[] = [];
  const clients: ApiClient[] = [];
  const stop = async () => {
    for (const child of children) {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    }
    await db.drop();
  };
  try {
    const env = { ...process.env, NEUTRINO_DATABASE_URL: db.url, NEUTRINO_AUTH_STRATEGY: 'noauth', NEUTRINO_AUTH_IDENTITY_PORT: '0', NEUTRINO_LOG_LEVEL: 'warn' };
    const cli = ['--import', 'tsx', path.join(root, 'src/cli/main.ts')];
    const upgrade = spawnSync(process.execPath, [...cli, 'db', 'upgrade'], { cwd: root, env, encoding: 'utf8' });
    if (upgrade.status !== 0) throw new Error(`db upgrade failed: ${upgrade.stderr}`);
    for (let i = 0; i < n; i++) {
      const port = await freePort();
      const child = spawn(process.execPath, [...cli, 'serve'], { cwd: root, env: { ...env, NEUTRINO_API_PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      await waitUp(`${url}/`, child);
      clients.push(new ApiClient(url, { project: 'admin-project', roles: 'admin' }));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { clients, stop };
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  client: ApiClient;
  /** SIGKILL (kill -9): no shutdown code runs. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * One real `neutrino serve` process (noauth, admin client) on an existing database URL
 * (migrated by the caller or by this process), e.g. to restart a server on the same data.
 */
export async function spawnServer(dbUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const cli = ['--import', 'tsx', path.join(root, 'src/cli/main.ts')];
  const child = spawn(process.execPath, [...cli, 'serve'], {
    cwd: root,
    env: { ...process.env, NEUTRINO_DATABASE_URL: dbUrl, NEUTRINO_AUTH_STRATEGY: 'noauth', NEUTRINO_AUTH_IDENTITY_PORT: '0', NEUTRINO_LOG_LEVEL: 'warn', NEUTRINO_API_PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(sig);
    await exited;
  };
  try {
    await waitUp(`${url}/`, child);
  } catch (err) {
    await signal('SIGKILL');
    throw err;
  }
  return { child, url, client: new ApiClient(url, { project: 'admin-project', roles: 'admin' }), kill9: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}
