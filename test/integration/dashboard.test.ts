// The dashboard's HTTP side: its page and bundle are served without a token (compressed,
// cached by content hash), the data APIs still demand one, and the identity pass-through
// signs in exactly as the identity service does — no more privilege than the caller has.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buildDashboard } from '../../src/dashboard/build.ts';
import { startTestServer } from '../helpers/server.ts';
import { ADMIN_PASSWORD, passwordAuth, projectWithUser, startIdentityTestServer, type IdentityTestServer } from '../helpers/identity.ts';

describe('dashboard: static files and identity pass-through', () => {
  let t: IdentityTestServer;
  let assets: string[];
  before(async () => {
    assets = (await buildDashboard()).files.map((f) => f.name);
    t = await startIdentityTestServer('sqlite');
  });
  after(async () => t?.close());

  it('serves the page and its bundle without a token; the API still needs one', async () => {
    const bare = await fetch(`${t.url}/dashboard`, { redirect: 'manual' });
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.get('location'), '/dashboard/');

    const page = await fetch(`${t.url}/dashboard/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const html = await page.text();
    const js = assets.find((a) => a.endsWith('.js'))!;
    assert.ok(html.includes(`assets/${js}`), 'the page loads the hashed bundle');

    const bundle = await fetch(`${t.url}/dashboard/assets/${js}`, { headers: { 'accept-encoding': 'br' } });
    assert.equal(bundle.status, 200);
    assert.equal(bundle.headers.get('content-encoding'), 'br');
    assert.match(bundle.headers.get('cache-control') ?? '', /immutable/);
    assert.ok((await bundle.text()).length > 1000, 'fetch decodes the brotli body');
    const again = await fetch(`${t.url}/dashboard/assets/${js}`, { headers: { 'if-none-match': bundle.headers.get('etag')! } });
    assert.equal(again.status, 304);

    assert.equal((await fetch(`${t.url}/dashboard/assets/nothing.js`)).status, 404);
    assert.equal((await fetch(`${t.url}/dashboard/assets/index.html`)).status, 404);
    assert.equal((await fetch(`${t.url}/v2.0/networks`)).status, 401, 'data needs a token');
  });

  it('signs in through the identity service and lists projects with the caller’s own rights', async () => {
    const login = await fetch(`${t.url}/dashboard/identity/v3/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(passwordAuth({ name: 'admin', password: ADMIN_PASSWORD, project: 'admin' })),
    });
    assert.equal(login.status, 201);
    const token = login.headers.get('x-subject-token')!;
    assert.ok(token);
    const body = await login.json();
    assert.equal(body.token.project.name, 'admin');
    assert.equal(body.token.catalog, undefined, 'nocatalog is passed through');
    assert.equal((await t.network.get('/v2.0/networks', { token })).status, 200, 'the token works on the API');

    const wrong = await fetch(`${t.url}/dashboard/identity/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(passwordAuth({ name: 'admin', password: 'wrong', project: 'admin' })),
    });
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).error.code, 401);

    const member = await projectWithUser(t, 'dash-member');
    const mine = await fetch(`${t.url}/dashboard/identity/v3/auth/projects`, { headers: { 'x-auth-token': member.token } });
    assert.deepEqual((await mine.json()).projects.map((p: { name: string }) => p.name), ['dash-member']);
    const all = await fetch(`${t.url}/dashboard/identity/v3/projects`, { headers: { 'x-auth-token': member.token } });
    assert.equal(all.status, 403, 'listing every project stays admin-only');
    const asAdmin = await fetch(`${t.url}/dashboard/identity/v3/projects`, { headers: { 'x-auth-token': token } });
    assert.ok((await asAdmin.json()).projects.some((p: { name: string }) => p.name === 'dash-member'));

    const out = await fetch(`${t.url}/dashboard/identity/v3/auth/tokens`, { method: 'DELETE', headers: { 'x-auth-token': token, 'x-subject-token': token } });
    assert.equal(out.status, 204);
    assert.equal((await t.network.get('/v2.0/networks', { token })).status, 401, 'signing out revokes the token');
  });

  it('refuses to sign in when the service runs without identity (noauth)', async () => {
    const noauth = await startTestServer('sqlite');
    try {
      const res = await fetch(`${noauth.url}/dashboard/identity/v3/auth/tokens`, { method: 'POST', body: '{}' });
      assert.equal(res.status, 501);
      assert.match((await res.json()).error.message, /no identity service/);
    } finally {
      await noauth.close();
    }
  });
});
