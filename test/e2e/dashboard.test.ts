// The dashboard in a real browser (Debian's Chromium driven by playwright-core): sign in
// with the identity service's credentials, create a network, a subnet and a router (with an
// interface) through the UI, see a network created through the API appear in the topology
// without reloading, see the API's error message for a bad request, switch projects as admin,
// and save screenshots (test/e2e/screenshots/, git-ignored).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ADMIN_PASSWORD, projectWithUser, type IdentityTestServer } from '../helpers/identity.ts';
import { openDashboard, SHOTS, type DashboardBrowser } from './browser.ts';

describe('dashboard in Chromium', () => {
  let d: DashboardBrowser;
  let t: IdentityTestServer;
  let page: Page;

  before(async () => {
    d = await openDashboard();
    ({ t, page } = d);
  });
  after(async () => {
    await d?.close();
  });

  const topologyNetwork = (name: string) => page.locator(`[data-testid="topology-network"][data-name="${name}"]`);

  it('signs in, refusing a wrong password with the identity service’s message', async () => {
    await page.goto(`${t.url}/dashboard`);
    assert.equal(new URL(page.url()).pathname, '/dashboard/');
    await page.fill('input[name=user]', 'admin');
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('button[type=submit]');
    await page.getByTestId('error').waitFor();
    assert.equal(await page.getByTestId('error').innerText(), 'The request you have made requires authentication.');

    await page.fill('input[name=password]', ADMIN_PASSWORD);
    await page.fill('input[name=project]', 'admin');
    await page.click('button[type=submit]');
    await page.getByTestId('topology-empty').waitFor();
    assert.match(await page.locator('header .user').innerText(), /admin \(admin\)/);
  });

  it('creates a network, a subnet and a router with an interface through the UI', async () => {
    // An external network for the router's gateway, made through the API as an operator would.
    const pub = await t.network.post('/v2.0/networks', { network: { name: 'public', 'router:external': true } }, { token: t.adminToken });
    assert.equal(pub.status, 201);
    assert.equal((await t.network.post('/v2.0/subnets', { subnet: { network_id: pub.body.network.id, cidr: '203.0.113.0/24', ip_version: 4 } }, { token: t.adminToken })).status, 201);

    await page.getByTestId('tab-networks').click();
    await page.getByTestId('create-networks').click();
    await page.fill('[data-testid=form-networks] input[name=name]', 'web-net');
    await page.getByTestId('submit').click();
    await page.locator('[data-testid=list-networks] tr[data-name="web-net"]').waitFor();

    await page.getByTestId('tab-subnets').click();
    await page.getByTestId('create-subnets').click();
    const webNet = (await t.network.get('/v2.0/networks?name=web-net', { token: t.adminToken })).body.networks[0];
    assert.ok(webNet, 'the UI created the network through the API');
    await page.selectOption('[data-testid=form-subnets] select[name=network_id]', webNet.id);
    await page.fill('[data-testid=form-subnets] input[name=name]', 'web-subnet');

    // A bad CIDR: the form shows the API's own NeutronError message.
    await page.fill('[data-testid=form-subnets] input[name=cidr]', '10.0.0.300/24');
    await page.getByTestId('submit').click();
    await page.locator('[data-testid=form-subnets] [data-testid=error]').waitFor();
    const direct = await t.network.post('/v2.0/subnets', { subnet: { network_id: webNet.id, name: 'web-subnet', ip_version: 4, cidr: '10.0.0.300/24', enable_dhcp: true } }, { token: t.adminToken });
    assert.equal(direct.status, 400);
    assert.equal(await page.locator('[data-testid=form-subnets] [data-testid=error]').innerText(), direct.body.NeutronError.message);

    await page.fill('[data-testid=form-subnets] input[name=cidr]', '10.20.0.0/24');
    await page.getByTestId('submit').click();
    await page.locator('[data-testid=list-subnets] tr[data-name="web-subnet"]').waitFor();

    await page.getByTestId('tab-routers').click();
    await page.getByTestId('create-routers').click();
    await page.fill('[data-testid=form-routers] input[name=name]', 'edge');
    await page.selectOption('[data-testid=form-routers] select[name=gateway]', pub.body.network.id);
    await page.getByTestId('submit').click();
    await page.locator('[data-testid=list-routers] tr[data-name="edge"]').click();
    await page.getByTestId('details').waitFor();
    const subnet = (await t.network.get('/v2.0/subnets?name=web-subnet', { token: t.adminToken })).body.subnets[0];
    await page.selectOption('[data-testid=interface-subnet]', subnet.id);
    await page.getByTestId('add-interface').click();
    await page.getByTestId('router-interface').waitFor();

    const router = (await t.network.get('/v2.0/routers?name=edge', { token: t.adminToken })).body.routers[0];
    assert.equal(router.external_gateway_info.network_id, pub.body.network.id);
    const ports = (await t.network.get(`/v2.0/ports?device_id=${router.id}`, { token: t.adminToken })).body.ports;
    assert.ok(ports.some((p: { device_owner: string; fixed_ips: Array<{ subnet_id: string }> }) => p.device_owner === 'network:router_interface' && p.fixed_ips[0].subnet_id === subnet.id));

    await page.getByTestId('tab-topology').click();
    await topologyNetwork('web-net').waitFor();
    await topologyNetwork('public').waitFor();
    const edge = page.locator('[data-testid=topology-router][data-name="edge"]');
    await edge.waitFor();
    assert.equal(await edge.locator('.link').count(), 2, 'the router is drawn connected to both networks');
  });

  it('shows a change made through the API in the topology without reloading', async () => {
    const marker = await page.evaluate(() => ((window as unknown as { marker: number }).marker = Math.random()));
    const started = Date.now();
    const created = await t.network.post('/v2.0/networks', { network: { name: 'from-cli' } }, { token: t.adminToken });
    assert.equal(created.status, 201);
    await topologyNetwork('from-cli').waitFor();
    console.log(`# topology showed the API's network after ${Date.now() - started} ms`);
    assert.equal(await page.getByTestId('mode').innerText(), 'live', 'the page follows the watch API (not polling)');
    assert.equal(await page.evaluate(() => (window as unknown as { marker: number }).marker), marker, 'the page was not reloaded');

    assert.equal((await t.network.del(`/v2.0/networks/${created.body.network.id}`, { token: t.adminToken })).status, 204);
    await topologyNetwork('from-cli').waitFor({ state: 'detached' });
    await page.screenshot({ path: path.join(SHOTS, 'topology.png'), fullPage: true });
  });

  it('lets an admin switch projects', async () => {
    const other = await projectWithUser(t, 'dash-other');
    assert.equal((await t.network.post('/v2.0/networks', { network: { name: 'other-net' } }, { token: other.token })).status, 201);
    await page.focus('[data-testid=project]'); // opening the switcher reads the project list again
    await page.selectOption('[data-testid=project]', other.projectId);
    await topologyNetwork('other-net').waitFor();
    assert.equal(await topologyNetwork('web-net').count(), 0, 'the admin project’s network is not in the other project’s picture');
    assert.equal(await topologyNetwork('public').count(), 1, 'external networks are part of every project’s picture');
    await page.selectOption('[data-testid=project]', '*');
    await topologyNetwork('web-net').waitFor();
    assert.equal(await topologyNetwork('other-net').count(), 1);
  });

  it('creates and deletes a floating IP, and deletes what it made, showing the API’s refusal first', async () => {
    await page.getByTestId('tab-floatingips').click();
    await page.getByTestId('create-floatingips').click();
    const pub = (await t.network.get('/v2.0/networks?name=public', { token: t.adminToken })).body.networks[0];
    await page.selectOption('[data-testid=form-floatingips] select[name=floating_network_id]', pub.id);
    await page.getByTestId('submit').click();
    const fips = async () => (await t.network.get('/v2.0/floatingips', { token: t.adminToken })).body.floatingips;
    await page.locator('[data-testid=list-floatingips] tbody tr').first().waitFor();
    const [fip] = await fips();
    assert.equal(fip.floating_network_id, pub.id);
    await page.getByTestId('tab-topology').click();
    await page.locator(`[data-testid=topology-floatingip][data-name="${fip.floating_ip_address}"]`).waitFor();
    await page.getByTestId('tab-floatingips').click();
    await page.locator(`[data-testid=list-floatingips] tr[data-id="${fip.id}"]`).click();
    await page.getByTestId('delete').click();
    await page.getByTestId('confirm-delete').click();
    await page.locator(`[data-testid=list-floatingips] tr[data-id="${fip.id}"]`).waitFor({ state: 'detached' });
    assert.deepEqual(await fips(), []);

    // The network still has the router's interface: the API refuses, the page says why.
    await page.getByTestId('tab-networks').click();
    await page.locator('[data-testid=list-networks] tr[data-name="web-net"]').click();
    await page.getByTestId('delete').click();
    await page.getByTestId('confirm-delete').click();
    const error = page.locator('[data-testid=details] [data-testid=error]');
    await error.waitFor();
    const webNet = (await t.network.get('/v2.0/networks?name=web-net', { token: t.adminToken })).body.networks[0];
    const refused = await t.network.del(`/v2.0/networks/${webNet.id}`, { token: t.adminToken });
    assert.equal(refused.status, 409);
    assert.equal(await error.innerText(), refused.body.NeutronError.message);

    // Remove the interface, then delete the router, the subnet and the network.
    await page.getByTestId('tab-routers').click();
    await page.locator('[data-testid=list-routers] tr[data-name="edge"]').click();
    await page.getByTestId('router-interface').getByRole('button', { name: 'Remove' }).click();
    await page.getByTestId('router-interface').waitFor({ state: 'detached' });
    await page.getByTestId('delete').click();
    await page.getByTestId('confirm-delete').click();
    await page.locator('[data-testid=list-routers] tr[data-name="edge"]').waitFor({ state: 'detached' });
    await page.getByTestId('tab-subnets').click();
    await page.locator('[data-testid=list-subnets] tr[data-name="web-subnet"]').click();
    await page.getByTestId('delete').click();
    await page.getByTestId('confirm-delete').click();
    await page.locator('[data-testid=list-subnets] tr[data-name="web-subnet"]').waitFor({ state: 'detached' });
    await page.getByTestId('tab-networks').click();
    await page.locator('[data-testid=list-networks] tr[data-name="web-net"]').click();
    await page.getByTestId('delete').click();
    await page.getByTestId('confirm-delete').click();
    await page.locator('[data-testid=list-networks] tr[data-name="web-net"]').waitFor({ state: 'detached' });
    assert.equal((await t.network.get(`/v2.0/networks/${webNet.id}`, { token: t.adminToken })).status, 404);
    assert.deepEqual((await t.network.get('/v2.0/routers?name=edge', { token: t.adminToken })).body.routers, []);
  });

  it('shows lists with details, and a member sees only their project', async () => {
    // A port that is down: its details say why.
    const pub = (await t.network.get('/v2.0/networks?name=public', { token: t.adminToken })).body.networks[0];
    const port = await t.network.post('/v2.0/ports', { port: { network_id: pub.id, name: 'probe', admin_state_up: false } }, { token: t.adminToken });
    assert.equal(port.status, 201);
    assert.notEqual(port.body.port.status, 'ACTIVE');
    await page.getByTestId('tab-ports').click();
    await page.locator('[data-testid=list-ports] tr[data-name="probe"]').click();
    await page.getByTestId('details').waitFor();
    assert.match(await page.getByTestId('port-reason').innerText(), /^Why not ACTIVE: \S/);
    await page.getByTestId('tab-security_groups').click();
    await page.locator('[data-testid=list-security_groups] tr[data-name="default"]').first().click();
    assert.ok((await page.locator('[data-testid=rules] tbody tr').count()) >= 2, 'the default group’s rules are listed');
    await page.screenshot({ path: path.join(SHOTS, 'security-groups.png'), fullPage: true });

    // A member of another project: signs out the admin, signs in, sees their network only.
    const member = await projectWithUser(t, 'dash-member');
    assert.equal((await t.network.post('/v2.0/networks', { network: { name: 'member-net' } }, { token: member.token })).status, 201);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.fill('input[name=user]', 'dash-member-user');
    await page.fill('input[name=password]', 'dash-member-pw');
    await page.fill('input[name=project]', '');
    await page.click('button[type=submit]');
    await page.getByTestId('tab-topology').click();
    await topologyNetwork('member-net').waitFor();
    assert.equal(await topologyNetwork('web-net').count(), 0);
    await page.getByTestId('tab-agents').click();
    await page.locator('[data-testid=list-agents]').waitFor();
  });
});
