// Ports' security groups through HTTP on SQLite and PostgreSQL: the default group on new
// ports, explicit groups (visible to the port's project, all stateful or all not), port
// security, "in use" protection of groups, statefulness and filtering ports by group.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type ApiClient, type TestServer } from '../helpers/server.ts';

for (const dialect of dialects()) {
  describe(`port security groups (${dialect})`, () => {
    let t: TestServer;
    let net: any;
    before(async () => {
      t = await startTestServer(dialect);
      net = (await t.client.post('/v2.0/networks', { network: { name: 'n' } })).body.network;
      await t.client.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.60.0.0/24' } });
    });
    after(async () => t?.close());

    const group = async (name: string, extra: Record<string, unknown> = {}, client: ApiClient = t.client) =>
      (await client.post('/v2.0/security-groups', { security_group: { name, ...extra } })).body.security_group;
    const port = (body: Record<string, unknown>, client: ApiClient = t.client) => client.post('/v2.0/ports', { port: { network_id: net.id, ...body } });

    it('gives a new port its project default group, created on first need', async () => {
      const fresh = t.client.as({ project: 'project-fresh' });
      const freshNet = (await t.admin.post('/v2.0/networks', { network: { name: 'f', shared: true } })).body.network;
      const res = await fresh.post('/v2.0/ports', { port: { network_id: freshNet.id } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const groups = (await fresh.get('/v2.0/security-groups')).body.security_groups;
      assert.equal(groups.length, 1);
      assert.equal(groups[0].name, 'default');
      assert.deepEqual(res.body.port.security_groups, [groups[0].id]);
      const shown = await fresh.get(`/v2.0/ports/${res.body.port.id}`);
      assert.deepEqual(shown.body.port.security_groups, [groups[0].id]);
    });

    it('creates the project default group with its first network, as Neutron does', async () => {
      const fresh = t.client.as({ project: 'project-net-first' });
      assert.equal((await fresh.post('/v2.0/networks', { network: { name: 'first' } })).status, 201);
      const groups = (await t.admin.get('/v2.0/security-groups?project_id=project-net-first&name=default')).body.security_groups;
      assert.equal(groups.length, 1);
    });

    it('uses the given groups, checks them and keeps groups in use from being deleted', async () => {
      const web = await group('web');
      const db = await group('db');
      // A group listed twice is refused, as neutron-lib's uuid list validation does.
      const twice = await port({ security_groups: [web.id, db.id, web.id] });
      assert.equal(twice.status, 400, JSON.stringify(twice.body));
      const res = await port({ security_groups: [web.id, db.id] });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.deepEqual([...res.body.port.security_groups].sort(), [web.id, db.id].sort());

      const inUse = await t.client.del(`/v2.0/security-groups/${web.id}`);
      assert.equal(inUse.status, 409);
      assert.equal(inUse.body.NeutronError.type, 'SecurityGroupInUse');
      const stateful = await t.client.put(`/v2.0/security-groups/${web.id}`, { security_group: { stateful: false } });
      assert.equal(stateful.status, 409);
      assert.equal(stateful.body.NeutronError.type, 'SecurityGroupInUse');
      const rename = await t.client.put(`/v2.0/security-groups/${web.id}`, { security_group: { name: 'web2' } });
      assert.equal(rename.status, 200, 'other changes of a group in use are fine');

      const updated = await t.client.put(`/v2.0/ports/${res.body.port.id}`, { port: { security_groups: [db.id] } });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      assert.deepEqual(updated.body.port.security_groups, [db.id]);
      assert.equal((await t.client.del(`/v2.0/security-groups/${web.id}`)).status, 204, 'no longer in use');

      const cleared = await t.client.put(`/v2.0/ports/${res.body.port.id}`, { port: { security_groups: [] } });
      assert.deepEqual(cleared.body.port.security_groups, []);
      assert.equal((await t.client.del(`/v2.0/ports/${res.body.port.id}`)).status, 204);
      assert.equal((await t.client.del(`/v2.0/security-groups/${db.id}`)).status, 204);
    });

    it('frees a group when its port is deleted', async () => {
      const g = await group('short-lived');
      const p = (await port({ security_groups: [g.id] })).body.port;
      assert.equal((await t.client.del(`/v2.0/security-groups/${g.id}`)).status, 409);
      assert.equal((await t.client.del(`/v2.0/ports/${p.id}`)).status, 204);
      assert.equal((await t.client.del(`/v2.0/security-groups/${g.id}`)).status, 204);
    });

    it('refuses unknown, foreign and mixed stateful groups; changes nothing', async () => {
      const before = (await t.client.get('/v2.0/ports')).body.ports.length;
      const unknown = await port({ security_groups: ['6f9a6d4c-3c3a-4d5e-9d57-7b0b3c1d2e3f'] });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.NeutronError.type, 'SecurityGroupNotFound');
      const theirs = await group('theirs', {}, t.client.as({ project: 'project-b' }));
      const foreign = await port({ security_groups: [theirs.id] });
      assert.equal(foreign.status, 404);
      assert.equal(foreign.body.NeutronError.type, 'SecurityGroupNotFound');
      const notUuid = await port({ security_groups: ['nope'] });
      assert.equal(notUuid.status, 400);
      const stateless = await group('stateless', { stateful: false });
      const stateful = await group('stateful');
      const mixed = await port({ security_groups: [stateless.id, stateful.id] });
      assert.equal(mixed.status, 409);
      assert.equal(mixed.body.NeutronError.type, 'SecurityGroupConflict');
      assert.equal((await t.client.get('/v2.0/ports')).body.ports.length, before);
      // An admin may give a port any group.
      const byAdmin = await t.admin.post('/v2.0/ports', { port: { network_id: net.id, project_id: 'project-a', security_groups: [theirs.id] } });
      assert.equal(byAdmin.status, 201, JSON.stringify(byAdmin.body));
    });

    it('keeps groups off ports without port security', async () => {
      // Setting port_security_enabled is for admins (and network owners in Neutron's policy).
      const asAdmin = (body: Record<string, unknown>) => port({ project_id: 'project-a', ...body }, t.admin);
      const g = await group('psec');
      const refused = await asAdmin({ port_security_enabled: false, security_groups: [g.id] });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.NeutronError.type, 'PortSecurityAndIPRequiredForSecurityGroups');
      const bare = await asAdmin({ port_security_enabled: false });
      assert.equal(bare.status, 201);
      assert.deepEqual(bare.body.port.security_groups, [], 'no default group without port security');
      const add = await t.client.put(`/v2.0/ports/${bare.body.port.id}`, { port: { security_groups: [g.id] } });
      assert.equal(add.status, 400);
      assert.equal(add.body.NeutronError.type, 'PortSecurityAndIPRequiredForSecurityGroups');

      const secured = (await port({ security_groups: [g.id] })).body.port;
      const disable = await t.admin.put(`/v2.0/ports/${secured.id}`, { port: { port_security_enabled: false } });
      assert.equal(disable.status, 409);
      assert.equal(disable.body.NeutronError.type, 'PortSecurityPortHasSecurityGroup');
      const both = await t.admin.put(`/v2.0/ports/${secured.id}`, { port: { port_security_enabled: false, security_groups: [] } });
      assert.equal(both.status, 200, JSON.stringify(both.body));
      assert.equal(both.body.port.port_security_enabled, false);
      assert.deepEqual(both.body.port.security_groups, []);
    });

    it('gives network-owned ports no groups', async () => {
      const dhcp = await t.admin.post('/v2.0/ports', { port: { network_id: net.id, project_id: 'project-a', device_owner: 'network:dhcp' } });
      assert.equal(dhcp.status, 201, JSON.stringify(dhcp.body));
      assert.deepEqual(dhcp.body.port.security_groups, []);
    });

    it('shares a group through RBAC: visible and usable by the target project, protected while used', async () => {
      const b = t.client.as({ project: 'project-b' });
      const bNet = (await b.post('/v2.0/networks', { network: { name: 'b' } })).body.network;
      const g = await group('to-share');
      assert.equal((await b.post('/v2.0/ports', { port: { network_id: bNet.id, security_groups: [g.id] } })).status, 404, 'not shared yet');
      const policy = await t.client.post('/v2.0/rbac-policies', { rbac_policy: { object_type: 'security_group', object_id: g.id, action: 'access_as_shared', target_tenant: 'project-b' } });
      assert.equal(policy.status, 201, JSON.stringify(policy.body));

      const seen = await b.get(`/v2.0/security-groups/${g.id}`);
      assert.equal(seen.status, 200);
      assert.equal(seen.body.security_group.shared, true, 'shared with the caller');
      assert.equal((await t.client.get(`/v2.0/security-groups/${g.id}`)).body.security_group.shared, false, 'the owner sees no * policy');
      assert.ok((await b.get('/v2.0/security-groups?shared=true')).body.security_groups.some((x: any) => x.id === g.id));
      assert.ok(!(await t.client.get('/v2.0/security-groups?shared=true')).body.security_groups.some((x: any) => x.id === g.id));
      assert.equal((await b.put(`/v2.0/security-groups/${g.id}`, { security_group: { name: 'mine' } })).status, 403, 'shared is not owned');

      const p = await b.post('/v2.0/ports', { port: { network_id: bNet.id, security_groups: [g.id] } });
      assert.equal(p.status, 201, JSON.stringify(p.body));
      const revoke = await t.client.del(`/v2.0/rbac-policies/${policy.body.rbac_policy.id}`);
      assert.equal(revoke.status, 409);
      assert.equal(revoke.body.NeutronError.type, 'RbacPolicyInUse');
      assert.equal((await b.del(`/v2.0/ports/${p.body.port.id}`)).status, 204);
      assert.equal((await t.client.del(`/v2.0/rbac-policies/${policy.body.rbac_policy.id}`)).status, 204);
      assert.equal((await b.get(`/v2.0/security-groups/${g.id}`)).status, 404);
    });

    it('filters ports by security group', async () => {
      const a = await group('filter-a');
      const b = await group('filter-b');
      const pa = (await port({ security_groups: [a.id] })).body.port;
      const pb = (await port({ security_groups: [a.id, b.id] })).body.port;
      const byA = (await t.client.get(`/v2.0/ports?security_groups=${a.id}`)).body.ports.map((p: any) => p.id).sort();
      assert.deepEqual(byA, [pa.id, pb.id].sort());
      const byB = (await t.client.get(`/v2.0/ports?security_groups=${b.id}`)).body.ports.map((p: any) => p.id);
      assert.deepEqual(byB, [pb.id]);
    });
  });
}
