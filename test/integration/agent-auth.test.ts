// The host agent authenticates as README says: a service user of the embedded identity
// (Keystone v3 password authentication) with the `service` role may register agents and
// report status; a plain member may not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmbeddedIdentityServer } from '../helpers/embedded-identity.ts';
import { AgentClient, ApiError } from '../../src/agent/client.ts';

test('agent credentials: a service user logs in with a password and reports; a member is refused', async (t) => {
  const server = await startEmbeddedIdentityServer({ 'backend.driver': 'linux' });
  t.after(() => server.close());
  const keystone = async (method: string, path: string, body?: unknown, token?: string) => {
    const res = await fetch(`${server.authUrl}${path}`, { method, headers: { 'content-type': 'application/json', ...(token ? { 'x-auth-token': token } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, token: res.headers.get('x-subject-token') };
  };
  const login = await keystone('POST', '/auth/tokens', { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: server.adminPassword } } }, scope: { project: { name: 'admin', domain: { name: 'Default' } } } } });
  assert.equal(login.status, 201);
  const admin = login.token!;
  const project = (await keystone('POST', '/projects', { project: { name: 'service', domain_id: 'default' } }, admin)).body.project;
  let role = (await keystone('GET', '/roles?name=service', undefined, admin)).body.roles[0];
  role ??= (await keystone('POST', '/roles', { role: { name: 'service' } }, admin)).body.role;
  const member = (await keystone('GET', '/roles?name=member', undefined, admin)).body.roles[0];
  const agentUser = (await keystone('POST', '/users', { user: { name: 'neutrino-agent', password: 'agent-secret', domain_id: 'default', default_project_id: project.id } }, admin)).body.user;
  const plainUser = (await keystone('POST', '/users', { user: { name: 'plain', password: 'plain-secret', domain_id: 'default', default_project_id: project.id } }, admin)).body.user;
  assert.equal((await keystone('PUT', `/projects/${project.id}/users/${agentUser.id}/roles/${role.id}`, undefined, admin)).status, 204);
  assert.equal((await keystone('PUT', `/projects/${project.id}/users/${plainUser.id}/roles/${member.id}`, undefined, admin)).status, 204);

  const agent = new AgentClient(server.service.url, { url: server.authUrl, username: 'neutrino-agent', password: 'agent-secret', project: 'service' });
  const answer = await agent.post('/v2.0/agent-reports', { agents: [{ agent_type: 'Linux bridge agent', binary: 'neutrino-agent', topic: 'N/A', host: 'h1', configurations: {} }] });
  assert.equal(answer.agents[0].host, 'h1');
  const results = (await agent.post('/v2.0/status-reports', { reports: [] })).results;
  assert.deepEqual(results, []);

  const plain = new AgentClient(server.service.url, { url: server.authUrl, username: 'plain', password: 'plain-secret', project: 'service' });
  await assert.rejects(plain.post('/v2.0/agent-reports', { agents: [{ agent_type: 'Linux bridge agent', binary: 'neutrino-agent', topic: 'N/A', host: 'h2' }] }), (err: unknown) => err instanceof ApiError && err.status === 403);
  const wrong = new AgentClient(server.service.url, { url: server.authUrl, username: 'neutrino-agent', password: 'nope', project: 'service' });
  await assert.rejects(wrong.get('/v2.0/networks'), (err: unknown) => err instanceof ApiError && err.status === 401);
});
