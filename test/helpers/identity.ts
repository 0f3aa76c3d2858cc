// Test harness for the embedded identity: a Neutrino service with strategy `embedded`
// (identity on an ephemeral port), clients for both APIs, and helpers to issue tokens
// and make projects and users through the identity API itself.
import assert from 'node:assert/strict';
import http from 'node:http';
import { ApiClient, startTestServer, type TestDialect, type TestServer } from './server.ts';

export const ADMIN_PASSWORD = 'test-admin-secret';

export interface IdentityTestServer extends TestServer {
  /** Client of the identity API (no token). */
  keystone: ApiClient;
  /** Client of the Networking API (no noauth headers). */
  network: ApiClient;
  adminToken: string;
}

export async function startIdentityTestServer(dialect: TestDialect, overrides: Record<string, unknown> = {}): Promise<IdentityTestServer> {
  const t = await startTestServer(dialect, {
    'auth.strategy': 'embedded',
    'auth.identity_port': 0,
    'auth.admin_password': ADMIN_PASSWORD,
    'auth.clouds_yaml': 'none',
    ...overrides,
  });
  const keystone = new ApiClient(t.service.identity!.url);
  const adminToken = await issueToken(keystone, { name: 'admin', password: ADMIN_PASSWORD, project: 'admin' });
  return { ...t, keystone, network: new ApiClient(t.service.url), adminToken };
}

/** Password auth by user name (Default domain) or id, scoped to a project by name (Default domain) or id. */
export function passwordAuth(who: { name?: string; id?: string; password: string; project?: string; projectId?: string }) {
  const user = who.id ? { id: who.id, password: who.password } : { name: who.name, domain: { name: 'Default' }, password: who.password };
  const scope = who.projectId ? { project: { id: who.projectId } } : who.project ? { project: { name: who.project, domain: { id: 'default' } } } : undefined;
  return { auth: { identity: { methods: ['password'], password: { user } }, ...(scope ? { scope } : {}) } };
}

export async function issueToken(keystone: ApiClient, who: Parameters<typeof passwordAuth>[0]): Promise<string> {
  const res = await keystone.post('/v3/auth/tokens', passwordAuth(who));
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.headers.get('x-subject-token')!;
}

/** A new project with a new user holding `role` there; returns their ids and a token. */
export async function projectWithUser(t: IdentityTestServer, name: string, role = 'member'): Promise<{ projectId: string; userId: string; token: string }> {
  const admin = { token: t.adminToken };
  const project = await t.keystone.post('/v3/projects', { project: { name, domain_id: 'default' } }, admin);
  assert.equal(project.status, 201, JSON.stringify(project.body));
  const user = await t.keystone.post('/v3/users', { user: { name: `${name}-user`, password: `${name}-pw`, domain_id: 'default' } }, admin);
  assert.equal(user.status, 201, JSON.stringify(user.body));
  const roles = await t.keystone.get(`/v3/roles?name=${role}`, admin);
  const grant = await t.keystone.put(`/v3/projects/${project.body.project.id}/users/${user.body.user.id}/roles/${roles.body.roles[0].id}`, undefined, admin);
  assert.equal(grant.status, 204);
  const token = await issueToken(t.keystone, { id: user.body.user.id, password: `${name}-pw`, projectId: project.body.project.id });
  return { projectId: project.body.project.id, userId: user.body.user.id, token };
}

/**
 * POSTs JSON from a chosen local address (127.0.0.x): the server sees another client
 * address, as per-source limits count them.
 */
export function postFrom(localAddress: string, url: string, body: unknown): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(data);
  });
}
