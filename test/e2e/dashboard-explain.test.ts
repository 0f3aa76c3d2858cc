// The topology's Explain panel in Chromium: two ports on a network with a group that admits
// nothing inbound; the panel says "not reachable", names the ingress default deny and the rule
// that would open it; with that rule added through the API, it says "reachable", lists the
// admitting rule and the drawing highlights the ports and the network of the path.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { IdentityTestServer } from '../helpers/identity.ts';
import { openDashboard, signInAsAdmin, SHOTS, type DashboardBrowser } from './browser.ts';

describe('dashboard: explain reachability in Chromium', () => {
  let d: DashboardBrowser;
  let t: IdentityTestServer;
  let page: Page;
  const ids = { net: '', other: '', group: '', client: '', server: '', serverIp: '' };

  before(async () => {
    d = await openDashboard();
    ({ t, page } = d);
    const admin = { token: t.adminToken };
    const net = await t.network.post('/v2.0/networks', { network: { name: 'explain-net' } }, admin);
    assert.equal(net.status, 201);
    ids.net = net.body.network.id;
    assert.equal((await t.network.post('/v2.0/subnets', { subnet: { network_id: ids.net, cidr: '10.30.0.0/24', ip_version: 4 } }, admin)).status, 201);
    // A network off the path: never highlighted.
    const other = await t.network.post('/v2.0/networks', { network: { name: 'elsewhere' } }, admin);
    ids.other = other.body.network.id;
    // A new group has only Neutron's default egress rules: nothing inbound is admitted.
    const group = await t.network.post('/v2.0/security-groups', { security_group: { name: 'bare' } }, admin);
    assert.equal(group.status, 201);
    ids.group = group.body.security_group.id;
    assert.ok(group.body.security_group.security_group_rules.every((r: { direction: string }) => r.direction === 'egress'));
    for (const name of ['client', 'server'] as const) {
      const port = await t.network.post('/v2.0/ports', { port: { network_id: ids.net, name, security_groups: [ids.group] } }, admin);
      assert.equal(port.status, 201);
      ids[name] = port.body.port.id;
      if (name === 'server') ids.serverIp = port.body.port.fixed_ips[0].ip_address;
    }
    await signInAsAdmin(d);
  });
  after(async () => {
    await d?.close();
  });

  const classes = async (selector: string) => ((await page.locator(selector).getAttribute('class')) ?? '').split(/\s+/);
  const device = (id: string) => `[data-testid=topology-port][data-id="${id}"]`;
  const explain = async (destination: string, port: string) => {
    await page.selectOption('[data-testid=explain-form] select[name=source]', ids.client);
    await page.selectOption('[data-testid=explain-form] select[name=destination]', destination);
    if (destination === 'address') await page.fill('[data-testid=explain-form] input[name=address]', ids.serverIp);
    await page.selectOption('[data-testid=explain-form] select[name=protocol]', 'tcp');
    await page.fill('[data-testid=explain-form] input[name=port]', port);
    // The panel numbers its answers: wait for the next one, not the one already shown.
    const before = Number(await page.getByTestId('explain').getAttribute('data-answers'));
    await page.getByTestId('explain-submit').click();
    await page.locator(`[data-testid=explain][data-answers="${before + 1}"] [data-testid=explain-verdict]`).waitFor();
  };

  it('says not reachable, names the ingress default deny and suggests the rule', async () => {
    await page.getByTestId('tab-topology').click();
    await page.locator(device(ids.server)).waitFor();
    await explain(ids.server, '443');

    const api = await t.network.post('/v2.0/reachability/explain', { reachability: { source: { port_id: ids.client }, destination: { port_id: ids.server }, protocol: 'tcp', port: 443 } }, { token: t.adminToken });
    assert.equal(api.status, 200);
    const answer = api.body.reachability;
    assert.equal(answer.verdict, 'not_reachable');

    assert.equal(await page.getByTestId('explain-verdict').innerText(), 'not reachable');
    const blocked = page.getByTestId('explain-blocked');
    assert.equal(await blocked.getAttribute('data-kind'), 'ingress_rule');
    assert.equal(await blocked.getAttribute('data-direction'), 'forward');
    assert.match(await blocked.innerText(), /dropped by the default deny/);
    assert.ok((await blocked.innerText()).includes(answer.blocked_by.reason));
    const suggestion = await page.getByTestId('explain-suggestion').innerText();
    assert.ok(suggestion.includes(answer.suggestion), 'the panel shows the API’s suggestion');
    assert.match(suggestion, new RegExp(`openstack security group rule create --ingress .*--protocol tcp --dst-port 443 .*${ids.group}`));

    const hops = page.locator('[data-testid=explain-forward] li');
    assert.equal(await hops.count(), answer.forward.length);
    assert.equal(await hops.last().getAttribute('data-kind'), 'ingress_rule');
    assert.equal(await hops.last().getAttribute('data-ok'), 'false');
    assert.equal(await hops.last().getAttribute('data-resource'), ids.group);
    const egress = page.locator('[data-testid=explain-forward] li[data-kind=egress_rule]');
    assert.equal(await egress.getAttribute('data-ok'), 'true');
    assert.ok((await egress.getAttribute('data-rule'))?.length, 'the admitting egress rule is named');

    // The drawing: the destination port is where the path stops.
    assert.ok((await classes(device(ids.server))).includes('path-blocked'));
    assert.ok((await classes(device(ids.client))).includes('on-path'));
    assert.ok(!(await classes(device(ids.client))).includes('path-blocked'));
    await page.screenshot({ path: path.join(SHOTS, 'explain-blocked.png'), fullPage: true });
  });

  it('says reachable once the suggested rule is added, and highlights the path', async () => {
    const rule = await t.network.post(
      '/v2.0/security-group-rules',
      { security_group_rule: { security_group_id: ids.group, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 443, port_range_max: 443, remote_ip_prefix: '10.30.0.0/24' } },
      { token: t.adminToken },
    );
    assert.equal(rule.status, 201);
    await explain(ids.server, '443');

    assert.equal(await page.getByTestId('explain-verdict').innerText(), 'reachable');
    assert.equal(await page.getByTestId('explain-blocked').count(), 0);
    assert.equal(await page.getByTestId('explain-suggestion').count(), 0);
    const ingress = page.locator('[data-testid=explain-forward] li[data-kind=ingress_rule]');
    assert.equal(await ingress.getAttribute('data-ok'), 'true');
    assert.equal(await ingress.getAttribute('data-rule'), rule.body.security_group_rule.id);
    assert.ok((await ingress.innerText()).includes(rule.body.security_group_rule.id));

    for (const port of [ids.client, ids.server]) {
      const c = await classes(device(port));
      assert.ok(c.includes('on-path') && !c.includes('path-blocked'), `port ${port} is highlighted: ${c.join(' ')}`);
      assert.ok((await classes(`${device(port)} .link[data-port-id="${port}"]`)).includes('on-path'));
    }
    assert.ok((await classes(`[data-testid=topology-network][data-id="${ids.net}"]`)).includes('on-path'));
    assert.ok(!(await classes(`[data-testid=topology-network][data-id="${ids.other}"]`)).includes('on-path'), 'a network off the path is not highlighted');
    assert.equal(await page.locator('svg.topology .path-blocked').count(), 0);
    await page.screenshot({ path: path.join(SHOTS, 'explain-reachable.png'), fullPage: true });

    // The rule admits 443 only: on 22 the same pair is blocked again.
    await explain(ids.server, '22');
    assert.equal(await page.getByTestId('explain-verdict').innerText(), 'not reachable');
  });

  it('explains to an address, and shows the API’s error for a bad one', async () => {
    await explain('address', '443');
    assert.equal(await page.getByTestId('explain-verdict').innerText(), 'reachable');
    assert.equal(await page.locator('[data-testid=explain-forward] li[data-kind=destination_port]').getAttribute('data-resource'), ids.server);

    await page.fill('[data-testid=explain-form] input[name=address]', 'not-an-address');
    await page.getByTestId('explain-submit').click();
    const error = page.locator('[data-testid=explain-form] [data-testid=error]');
    await error.waitFor();
    const direct = await t.network.post('/v2.0/reachability/explain', { reachability: { source: { port_id: ids.client }, destination: { ip_address: 'not-an-address' }, protocol: 'tcp', port: 443 } }, { token: t.adminToken });
    assert.equal(direct.status, 400);
    assert.equal(await error.innerText(), direct.body.NeutronError.message);
    assert.equal(await page.locator('svg.topology .on-path').count(), 0, 'no highlight without an answer');
  });

  it('highlights a routed path: both networks, the router and its two interfaces', async () => {
    const admin = { token: t.adminToken };
    const net2 = await t.network.post('/v2.0/networks', { network: { name: 'explain-far' } }, admin);
    assert.equal(net2.status, 201);
    const sub2 = await t.network.post('/v2.0/subnets', { subnet: { network_id: net2.body.network.id, cidr: '10.31.0.0/24', ip_version: 4 } }, admin);
    const sub1 = (await t.network.get(`/v2.0/subnets?network_id=${ids.net}`, admin)).body.subnets[0];
    const router = await t.network.post('/v2.0/routers', { router: { name: 'explain-r' } }, admin);
    assert.equal(router.status, 201);
    const rid = router.body.router.id;
    for (const subnet of [sub1.id, sub2.body.subnet.id]) assert.equal((await t.network.put(`/v2.0/routers/${rid}/add_router_interface`, { subnet_id: subnet }, admin)).status, 200);
    const far = await t.network.post('/v2.0/ports', { port: { network_id: net2.body.network.id, name: 'far', security_groups: [ids.group] } }, admin);
    assert.equal(far.status, 201);
    const interfaces: string[] = (await t.network.get(`/v2.0/ports?device_id=${rid}`, admin)).body.ports.map((p: { id: string }) => p.id);
    assert.equal(interfaces.length, 2);

    const routerBox = `[data-testid=topology-router][data-id="${rid}"]`;
    await page.locator(device(far.body.port.id)).waitFor();
    await page.locator(`${routerBox} .link`).nth(1).waitFor();
    await page.locator(`[data-testid=explain-form] select[name=destination] option[value="${far.body.port.id}"]`).waitFor({ state: 'attached' });
    await explain(far.body.port.id, '443');
    assert.equal(await page.getByTestId('explain-verdict').innerText(), 'reachable');
    const kinds = await page.locator('[data-testid=explain-forward] li').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    assert.deepEqual(kinds, ['source_port', 'anti_spoofing', 'egress_rule', 'network', 'subnet_gateway', 'router_interface', 'route', 'router_interface', 'network', 'destination_port', 'ingress_rule']);

    assert.ok((await classes(routerBox)).includes('on-path'), 'the router is highlighted');
    for (const port of interfaces) assert.ok((await classes(`${routerBox} .link[data-port-id="${port}"]`)).includes('on-path'), `router interface ${port} is highlighted`);
    for (const net of [ids.net, net2.body.network.id]) assert.ok((await classes(`[data-testid=topology-network][data-id="${net}"]`)).includes('on-path'));
    assert.ok((await classes(device(far.body.port.id))).includes('on-path'));
    assert.ok(!(await classes(device(ids.server))).includes('on-path'), 'a port off the path is not highlighted');
    assert.ok(!(await classes(`[data-testid=topology-network][data-id="${ids.other}"]`)).includes('on-path'));
    await page.screenshot({ path: path.join(SHOTS, 'explain-routed.png'), fullPage: true });
  });
});
