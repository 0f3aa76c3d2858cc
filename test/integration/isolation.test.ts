// Tenant isolation and the default policy personas through HTTP, on SQLite and PostgreSQL:
// projects cannot see or touch each other's resources (404), readers cannot write (403),
// operator attributes are hidden from and refused to members, and a policy file changes
// decisions.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dialects, startTestServer, type ApiClient, type ApiResponse, type TestServer } from '../helpers/server.ts';

const PROVIDER = ['provider:network_type', 'provider:physical_network', 'provider:segmentation_id'];

function assertError(res: ApiResponse, status: number, type: string, message?: string): void {
  assert.equal(res.status, status, `${message ?? ''} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.NeutronError.type, type, message);
}

async function networkIds(client: ApiClient, query = ''): Promise<string[]> {
  const res = await client.get(`/v2.0/networks${query}`);
  assert.equal(res.status, 200);
  return res.body.networks.map((n: { id: string }) => n.id);
}

for (const dialect of dialects()) {
  describe(`tenant isolation (${dialect})`, () => {
    let t: TestServer;
    let a: ApiClient;
    let b: ApiClient;
    let c: ApiClient;
    let readerA: ApiClient;
    before(async () => {
      t = await startTestServer(dialect);
      a = t.client.as({ project: 'project-a', roles: 'member,reader' });
      b = t.client.as({ project: 'project-b', roles: 'member,reader' });
      c = t.client.as({ project: 'project-c', roles: 'member,reader' });
      readerA = t.client.as({ project: 'project-a', roles: 'reader' });
    });
    after(async () => t?.close());

    it("hides a project's networks from other projects: 404 on show, update, delete and tags", async () => {
      const net = (await a.post('/v2.0/networks', { network: { name: 'private-a' } })).body.network;
      assertError(await b.get(`/v2.0/networks/${net.id}`), 404, 'NetworkNotFound');
      assertError(await b.put(`/v2.0/networks/${net.id}`, { network: { name: 'stolen' } }), 404, 'NetworkNotFound');
      assertError(await b.del(`/v2.0/networks/${net.id}`), 404, 'NetworkNotFound');
      assertError(await b.put(`/v2.0/networks/${net.id}/tags/x`, undefined), 404, 'NetworkNotFound');
      assertError(await b.get(`/v2.0/networks/${net.id}/tags`), 404, 'NetworkNotFound');
      assert.ok(!(await networkIds(b)).includes(net.id));
      assert.ok(!(await networkIds(b, `?id=${net.id}`)).includes(net.id), 'filters do not reveal it either');
      assert.ok(!(await networkIds(b, '?project_id=project-a')).includes(net.id));
      // Nothing changed.
      const shown = await a.get(`/v2.0/networks/${net.id}`);
      assert.equal(shown.body.network.name, 'private-a');
      assert.deepEqual(shown.body.network.tags, []);
      assert.ok((await networkIds(t.admin)).includes(net.id), 'admins see every project');
    });

    it('lets a reader read but not create, change or delete (403)', async () => {
      const net = (await a.post('/v2.0/networks', { network: { name: 'for-reader' } })).body.network;
      assert.equal((await readerA.get(`/v2.0/networks/${net.id}`)).status, 200);
      assert.ok((await networkIds(readerA)).includes(net.id));
      const before = (await networkIds(t.admin)).length;
      assertError(await readerA.post('/v2.0/networks', { network: { name: 'nope' } }), 403, 'PolicyNotAuthorized');
      assertError(await readerA.put(`/v2.0/networks/${net.id}`, { network: { name: 'nope' } }), 403, 'PolicyNotAuthorized');
      assertError(await readerA.del(`/v2.0/networks/${net.id}`), 403, 'PolicyNotAuthorized');
      assertError(await readerA.put(`/v2.0/networks/${net.id}/tags/x`, undefined), 403, 'PolicyNotAuthorized');
      assert.equal((await networkIds(t.admin)).length, before);
      assert.equal((await a.get(`/v2.0/networks/${net.id}`)).body.network.name, 'for-reader');
    });

    it("refuses to create in another project for non-admins (400) but lets admins", async () => {
      const res = await a.post('/v2.0/networks', { network: { name: 'elsewhere', project_id: 'project-b' } });
      assertError(res, 400, 'HTTPBadRequest');
      assert.match(res.body.NeutronError.message, /requires admin/);
      assertError(await a.post('/v2.0/networks', { network: { name: 'elsewhere', tenant_id: 'project-b' } }), 400, 'HTTPBadRequest');
      assert.ok(!(await networkIds(t.admin, '?name=elsewhere')).length, 'nothing was created');
      const own = await a.post('/v2.0/networks', { network: { name: 'explicit-own', project_id: 'project-a' } });
      assert.equal(own.status, 201);
      const forB = await t.admin.post('/v2.0/networks', { network: { name: 'for-b', project_id: 'project-b' } });
      assert.equal(forB.status, 201);
      assert.equal(forB.body.network.project_id, 'project-b');
      assert.ok((await networkIds(b)).includes(forB.body.network.id));
    });

    it('hides operator attributes from members and refuses them on create and update (403)', async () => {
      const mine = (await a.post('/v2.0/networks', { network: { name: 'attrs' } })).body.network;
      for (const attr of PROVIDER) assert.ok(!(attr in mine), `${attr} is hidden in the create response`);
      const listed = (await a.get('/v2.0/networks?name=attrs')).body.networks[0];
      for (const attr of PROVIDER) assert.ok(!(attr in listed), `${attr} is hidden in lists`);
      const asAdmin = (await t.admin.get(`/v2.0/networks/${mine.id}`)).body.network;
      assert.equal(asAdmin['provider:network_type'], 'vxlan');

      const before = (await networkIds(t.admin)).length;
      assertError(await a.post('/v2.0/networks', { network: { 'provider:network_type': 'vxlan' } }), 403, 'PolicyNotAuthorized');
      assertError(await a.post('/v2.0/networks', { network: { shared: true } }), 403, 'PolicyNotAuthorized');
      assertError(await a.post('/v2.0/networks', { network: { 'router:external': true } }), 403, 'PolicyNotAuthorized');
      const refused = await a.post('/v2.0/networks', { network: { segments: [{ 'provider:network_type': 'vxlan' }] } });
      assertError(refused, 403, 'PolicyNotAuthorized');
      assert.match(refused.body.NeutronError.message, /create_network:segments/);
      assert.equal((await networkIds(t.admin)).length, before, 'refused creates change nothing');
      // Given with their default values they are not policy-checked (as in Neutron).
      const defaults = await a.post('/v2.0/networks', { network: { name: 'defaults', shared: false, 'router:external': false } });
      assert.equal(defaults.status, 201);

      assertError(await a.put(`/v2.0/networks/${mine.id}`, { network: { shared: true } }), 403, 'PolicyNotAuthorized');
      assertError(await a.put(`/v2.0/networks/${mine.id}`, { network: { 'router:external': true } }), 403, 'PolicyNotAuthorized');
      assertError(await a.put(`/v2.0/networks/${mine.id}`, { network: { name: 'x', 'provider:segmentation_id': 5 } }), 403, 'PolicyNotAuthorized');
      const after = (await a.get(`/v2.0/networks/${mine.id}`)).body.network;
      assert.equal(after.name, 'attrs');
      assert.equal(after.shared, false);
      assert.equal(after.revision_number, mine.revision_number);
    });

    it('shows shared and external networks to every project, read-only', async () => {
      const shared = (await t.admin.post('/v2.0/networks', { network: { name: 'public-shared', shared: true } })).body.network;
      const external = (await t.admin.post('/v2.0/networks', { network: { name: 'public-ext', 'router:external': true } })).body.network;
      assert.equal(shared.shared, true);
      assert.equal(external['router:external'], true);
      for (const client of [a, b, readerA]) {
        const ids = await networkIds(client);
        assert.ok(ids.includes(shared.id) && ids.includes(external.id));
        const shownShared = (await client.get(`/v2.0/networks/${shared.id}`)).body.network;
        assert.equal(shownShared.shared, true);
        for (const attr of PROVIDER) assert.ok(!(attr in shownShared));
        assert.equal((await client.get(`/v2.0/networks/${external.id}`)).body.network['router:external'], true);
      }
      assertError(await b.put(`/v2.0/networks/${shared.id}`, { network: { name: 'mine now' } }), 403, 'PolicyNotAuthorized');
      assertError(await b.del(`/v2.0/networks/${external.id}`), 403, 'PolicyNotAuthorized');
      const sharedForB = await networkIds(b, '?shared=true');
      assert.ok(sharedForB.includes(shared.id) && !sharedForB.includes(external.id));
      assert.equal((await t.admin.get(`/v2.0/networks/${shared.id}`)).body.network.name, 'public-shared');
    });

    const created = async (res: Promise<ApiResponse>, key: string) => {
      const r = await res;
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body[key];
    };

    it("hides each kind of a project's resources from other projects (404) and lets its reader only read (403)", async () => {
      const net = await created(a.post('/v2.0/networks', { network: { name: 'a-net' } }), 'network');
      const subnet = await created(a.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.50.0.0/24' } }), 'subnet');
      const port = await created(a.post('/v2.0/ports', { port: { network_id: net.id } }), 'port');
      const router = await created(a.post('/v2.0/routers', { router: { name: 'a-router' } }), 'router');
      const group = await created(a.post('/v2.0/security-groups', { security_group: { name: 'a-group' } }), 'security_group');
      const resources: [string, string, string, string][] = [
        ['subnets', 'subnet', subnet.id, 'SubnetNotFound'],
        ['ports', 'port', port.id, 'PortNotFound'],
        ['routers', 'router', router.id, 'RouterNotFound'],
        ['security-groups', 'security_group', group.id, 'SecurityGroupNotFound'],
      ];
      for (const [path, member, id, notFound] of resources) {
        assertError(await b.get(`/v2.0/${path}/${id}`), 404, notFound);
        assertError(await b.put(`/v2.0/${path}/${id}`, { [member]: { name: 'stolen' } }), 404, notFound);
        assertError(await b.del(`/v2.0/${path}/${id}`), 404, notFound);
        const listed = await b.get(`/v2.0/${path}`);
        assert.equal(listed.status, 200);
        assert.ok(!JSON.stringify(listed.body).includes(id), `${path}: B's list does not mention A's item`);

        assert.equal((await readerA.get(`/v2.0/${path}/${id}`)).status, 200, `${path}: the reader reads`);
        assertError(await readerA.put(`/v2.0/${path}/${id}`, { [member]: { name: 'by-reader' } }), 403, 'PolicyNotAuthorized');
        assertError(await readerA.del(`/v2.0/${path}/${id}`), 403, 'PolicyNotAuthorized');
        const shown = (await a.get(`/v2.0/${path}/${id}`)).body[member];
        assert.notEqual(shown.name, 'stolen');
        assert.notEqual(shown.name, 'by-reader');
      }
      assertError(await readerA.post('/v2.0/ports', { port: { network_id: net.id } }), 403, 'PolicyNotAuthorized');
      assertError(await readerA.post('/v2.0/routers', { router: { name: 'r' } }), 403, 'PolicyNotAuthorized');
      // B cannot build on A's private network either.
      assertError(await b.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.51.0.0/24' } }), 404, 'NetworkNotFound');
      assertError(await b.post('/v2.0/ports', { port: { network_id: net.id } }), 404, 'NetworkNotFound');
      assert.deepEqual((await a.get(`/v2.0/ports?network_id=${net.id}`)).body.ports.map((p: { id: string }) => p.id), [port.id]);
      assert.equal((await c.get(`/v2.0/subnets/${subnet.id}`)).status, 404);

      // An advanced service (role advsvc) sees every project's networks and ports, not their subnets.
      const advsvc = t.client.as({ project: 'project-svc', roles: 'advsvc' });
      assert.ok((await advsvc.get('/v2.0/networks')).body.networks.some((n: { id: string }) => n.id === net.id));
      assert.ok((await advsvc.get('/v2.0/ports')).body.ports.some((p: { id: string }) => p.id === port.id));
      assert.equal((await advsvc.get(`/v2.0/ports/${port.id}`)).status, 200);
      assertError(await advsvc.get(`/v2.0/subnets/${subnet.id}`), 404, 'SubnetNotFound');
      assert.ok(!(await advsvc.get('/v2.0/subnets')).body.subnets.some((x: { id: string }) => x.id === subnet.id));
    });

    it('lets projects use a shared network within the port attribute rules, and only its owner add subnets', async () => {
      const shared = await created(t.admin.post('/v2.0/networks', { network: { name: 'shared-net', shared: true } }), 'network');
      const subnet = await created(t.admin.post('/v2.0/subnets', { subnet: { network_id: shared.id, ip_version: 4, cidr: '10.60.0.0/24' } }), 'subnet');
      assert.equal((await b.get(`/v2.0/subnets/${subnet.id}`)).status, 200, 'subnets of shared networks are readable');
      assertError(await b.post('/v2.0/subnets', { subnet: { network_id: shared.id, ip_version: 4, cidr: '10.61.0.0/24' } }), 403, 'PolicyNotAuthorized');

      const portB = await created(b.post('/v2.0/ports', { port: { network_id: shared.id, fixed_ips: [{ subnet_id: subnet.id }] } }), 'port');
      assert.equal(portB.project_id, 'project-b');
      assert.ok(!('binding:host_id' in portB) && !('binding:vif_type' in portB), 'binding attributes are hidden from members');
      assert.equal((await t.admin.get(`/v2.0/ports/${portB.id}`)).body.port['binding:vif_type'], 'unbound');

      const before = (await t.admin.get(`/v2.0/ports?network_id=${shared.id}`)).body.ports.length;
      const refused: [Record<string, unknown>, string][] = [
        [{ fixed_ips: [{ subnet_id: subnet.id, ip_address: '10.60.0.50' }] }, 'create_port:fixed_ips:ip_address'],
        [{ mac_address: 'fa:16:3e:00:00:42' }, 'create_port:mac_address'],
        [{ device_owner: 'network:router_interface' }, 'create_port:device_owner'],
        [{ 'binding:host_id': 'compute-1' }, 'create_port:binding:host_id'],
        [{ allowed_address_pairs: [{ ip_address: '10.60.0.99' }] }, 'create_port:allowed_address_pairs'],
      ];
      for (const [extra, rule] of refused) {
        const res = await b.post('/v2.0/ports', { port: { network_id: shared.id, ...extra } });
        assertError(res, 403, 'PolicyNotAuthorized', rule);
        assert.match(res.body.NeutronError.message, new RegExp(rule.replace(/:/g, ':')));
      }
      assert.equal((await t.admin.get(`/v2.0/ports?network_id=${shared.id}`)).body.ports.length, before, 'refused ports were not created');
      assertError(await b.put(`/v2.0/ports/${portB.id}`, { port: { mac_address: 'fa:16:3e:00:00:43' } }), 403, 'PolicyNotAuthorized');
      assertError(await b.put(`/v2.0/ports/${portB.id}`, { port: { fixed_ips: [{ subnet_id: subnet.id, ip_address: '10.60.0.51' }] } }), 403, 'PolicyNotAuthorized');

      assertError(await c.get(`/v2.0/ports/${portB.id}`), 404, 'PortNotFound');
      assert.equal((await c.get(`/v2.0/subnets/${subnet.id}`)).status, 200);
      assert.equal((await b.put(`/v2.0/ports/${portB.id}`, { port: { name: 'mine' } })).status, 200);
      assert.equal((await b.del(`/v2.0/ports/${portB.id}`)).status, 204);
    });
  });

  describe(`policy file (${dialect})`, () => {
    let t: TestServer;
    let dir: string;
    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neutrino-policy-'));
      const file = path.join(dir, 'policy.yaml');
      fs.writeFileSync(
        file,
        [
          '# Only admins create networks; members may not see the MTU; shared networks need the "sharer" role.',
          '"create_network": "rule:admin_only"',
          '"get_network:mtu": "rule:admin_only"',
          '"create_network:shared": "role:sharer"',
          '"unknown_rule_is_fine": "@"',
          '"context_is_admin": "role:admin or role:superuser"',
        ].join('\n'),
      );
      t = await startTestServer(dialect, { 'auth.policy_file': file });
    });
    after(async () => {
      await t?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('changes decisions and visible attributes', async () => {
      assertError(await t.client.post('/v2.0/networks', { network: { name: 'x' } }), 403, 'PolicyNotAuthorized');
      const net = (await t.admin.post('/v2.0/networks', { network: { name: 'by-admin', project_id: 'project-a' } })).body.network;
      assert.equal(net.mtu, 1450, 'admins still see mtu');
      const shown = (await t.client.get(`/v2.0/networks/${net.id}`)).body.network;
      assert.equal(shown.name, 'by-admin');
      assert.ok(!('mtu' in shown), 'mtu is hidden from members by the policy file');
      const sharer = t.client.as({ roles: 'admin,sharer' });
      assert.equal((await sharer.post('/v2.0/networks', { network: { shared: true } })).status, 201);
      assertError(await t.admin.post('/v2.0/networks', { network: { shared: true } }), 403, 'PolicyNotAuthorized');
    });

    it('makes callers admin by the context_is_admin rule', async () => {
      const net = (await t.admin.post('/v2.0/networks', { network: { name: 'of-a', project_id: 'project-a' } })).body.network;
      const superuser = t.client.as({ project: 'project-s', roles: 'superuser' });
      const shown = await superuser.get(`/v2.0/networks/${net.id}`);
      assert.equal(shown.status, 200, "a superuser sees other projects' networks");
      assert.equal(shown.body.network['provider:network_type'], 'vxlan');
      assert.equal((await superuser.put(`/v2.0/networks/${net.id}`, { network: { name: 'renamed' } })).status, 200);
      assertError(await t.client.as({ project: 'project-s', roles: 'member' }).get(`/v2.0/networks/${net.id}`), 404, 'NetworkNotFound');
    });
  });
}
