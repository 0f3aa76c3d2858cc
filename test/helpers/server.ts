// Test harness: a real Neutrino server over HTTP on a fresh database (an SQLite file in a
// temporary folder, or a PostgreSQL database created for the test and dropped after).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig, type NeutrinoConfig } from '../../src/config/index.ts';
import { startService, type RunningService } from '../../src/service.ts';

export type TestDialect = 'sqlite' | 'postgres';

/** PostgreSQL server the tests create their databases on. */
export const PG_ADMIN_URL = process.env.NEUTRINO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Dialects the integration tests run against (NEUTRINO_TEST_DIALECTS=sqlite to skip PostgreSQL). */
export function dialects(): TestDialect[] {
  return (process.env.NEUTRINO_TEST_DIALECTS ?? 'sqlite,postgres').split(',').map((d) => d.trim()) as TestDialect[];
}

/** Creates an empty database for one test file; returns its URL and a function that drops it. */
export async function freshDatabase(dialect: TestDialect): Promise<{ url: string; drop: () => Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neutrino-test-'));
    return { url: `sqlite:${path.join(dir, 'neutrino.db')}`, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `neutrino_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      // pg's Pool.end() resolves before its connections have closed; terminating them
      // (drop … with force) would make them raise in the test process, so wait for them.
      for (let i = 0; i < 100; i++) {
        const { rows } = await c.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
        if (rows[0].n === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface ApiResponse {
  status: number;
  body: any;
  headers: Headers;
}

export interface CallOptions {
  project?: string;
  roles?: string;
  token?: string;
  headers?: Record<string, string>;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly defaults: CallOptions = {},
  ) {}

  /** A client acting as another caller (noauth headers or a token). */
  as(options: CallOptions): ApiClient {
    return new ApiClient(this.baseUrl, { ...this.defaults, ...options });
  }

  async call(method: string, urlPath: string, body?: unknown, options: CallOptions = {}): Promise<ApiResponse> {
    const o = { ...this.defaults, ...options };
    const headers: Record<string, string> = { accept: 'application/json', ...(o.headers ?? {}) };
    if (o.project) headers['x-project-id'] = o.project;
    if (o.roles !== undefined) headers['x-roles'] = o.roles;
    if (o.token) headers['x-auth-token'] = o.token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${urlPath}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  }

  get = (p: string, o?: CallOptions) => this.call('GET', p, undefined, o);
  post = (p: string, b: unknown, o?: CallOptions) => this.call('POST', p, b, o);
  put = (p: string, b: unknown, o?: CallOptions) => this.call('PUT', p, b, o);
  del = (p: string, o?: CallOptions) => this.call('DELETE', p, undefined, o);
}

export interface TestServer {
  service: RunningService;
  config: NeutrinoConfig;
  /** Client acting as admin (noauth, no project). */
  admin: ApiClient;
  /** Client acting as a member of project `project-a`. */
  client: ApiClient;
  url: string;
  close(): Promise<void>;
}

/** Starts Neutrino (noauth) on a fresh database of the given dialect. */
export async function startTestServer(dialect: TestDialect, overrides: Record<string, unknown> = {}): Promise<TestServer> {
  const db = await freshDatabase(dialect);
  const config = loadConfig({
    env: {},
    overrides: { 'api.port': 0, 'database.url': db.url, 'auth.strategy': 'noauth', 'log.level': 'warn', ...overrides },
  });
  const service = await startService(config);
  const admin = new ApiClient(service.url, { project: 'admin-project', roles: 'admin' });
  return {
    service,
    config,
    admin,
    client: new ApiClient(service.url, { project: 'project-a', roles: 'member,reader' }),
    url: service.url,
    async close() {
      await service.close();
      await db.drop();
    },
  };
}

/** The callers policy tests compare: the project's member (the server's default client), a reader
 * of the same project, and a member of another project. */
export function personas(t: TestServer): { member: ApiClient; reader: ApiClient; other: ApiClient } {
  return { member: t.client, reader: t.client.as({ roles: 'reader' }), other: t.client.as({ project: 'project-b', roles: 'member,reader' }) };
}
