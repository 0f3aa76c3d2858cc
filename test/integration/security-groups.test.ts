// Security groups through HTTP on SQLite and PostgreSQL: the default group (created once
// per project on first need, its rules, its protections), group CRUD with default rules,
// statefulness, quotas and errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type ApiClient, type TestServer } from '../helpers/server.ts';

const ruleShape = (r: any) => `${r.direction}/${r.ethertype}/${r.remote_group_id === null ? '-' : 'group'}`;

for (const dialect of dialects()) {
  describe(`security groups (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    const listGroups = async (client: ApiClient, query = '') => {
      const res = await client.get(`/v2.0/security-groups${query}`);
      assert.equal(res.status, 200);
      return res.body.security_groups as any[];
    };

    it('is listed among the extensions', async () => {
      const res = await t.client.get('/v2.0/extensions');
      const aliases = res.body.extensions.map((e: { alias: string }) => e.alias);
      for (const alias of ['security-group', 'stateful-security-group', 'security-groups-normalized-cidr', 'security-groups-remote-address-group', 'address-group', 'security-groups-shared-filtering', 'rbac-security-groups', 'rbac-address-group', 'security-groups-default-rules', 'port-security-groups-filtering', 'security-groups-rules-belongs-to-default-sg']) {
        assert.ok(aliases.includes(alias), alias);
      }
    });

    it('creates the project default group on first list, with Neutron default rules', async () => {
      const groups = await listGroups(t.client);
      assert.equal(groups.length, 1);
      const def = groups[0];
      assert.equal(def.name, 'default');
      assert.equal(def.description, 'Default security group');
      assert.equal(def.project_id, 'project-a');
      assert.equal(def.tenant_id, 'project-a');
      assert.equal(def.stateful, true);
      assert.equal(def.shared, false);
      assert.deepEqual(def.tags, []);
      assert.deepEqual(def.security_group_rules.map(ruleShape).sort(), ['egress/IPv4/-', 'egress/IPv6/-', 'ingress/IPv4/group', 'ingress/IPv6/group']);
      for (const rule of def.security_group_rules) {
        assert.equal(rule.security_group_id, def.id);
        assert.equal(rule.project_id, 'project-a');
        assert.equal(rule.protocol, null);
        assert.equal(rule.remote_ip_prefix, null);
        if (rule.direction === 'ingress') assert.equal(rule.remote_group_id, def.id);
      }
      // A second list does not create another.
      assert.equal((await listGroups(t.client)).length, 1);
    });

    it('creates the default group exactly once under concurrent first requests', async () => {
      const client = t.client.as({ project: 'project-concurrent' });
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? client.get('/v2.0/security-groups') : client.post('/v2.0/security-groups', { security_group: { name: `g${i}` } }))));
      for (const r of results) assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.body));
      const all = await listGroups(client);
      assert.equal(all.filter((g) => g.name === 'default').length, 1);
      assert.equal(all.length, 7);
    });

    it('does not create another project default group for a non-admin', async () => {
      const res = await t.client.get('/v2.0/security-groups?project_id=project-other');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.security_groups, []);
      const admin = await t.admin.get('/v2.0/security-groups?project_id=project-other');
      assert.equal(admin.body.security_groups.length, 1, 'an admin listing a project ensures its default group');
    });

    it('creates a group with egress rules only, updates and deletes it', async () => {
      const created = await t.client.post('/v2.0/security-groups', { security_group: { name: 'web', description: 'web tier' } });
      assert.equal(created.status, 201);
      const sg = created.body.security_group;
      assert.equal(sg.name, 'web');
      assert.equal(sg.description, 'web tier');
      assert.equal(sg.stateful, true);
      assert.deepEqual(sg.security_group_rules.map(ruleShape).sort(), ['egress/IPv4/-', 'egress/IPv6/-']);
      assert.match(sg.created_at, /Z$/);

      const updated = await t.client.put(`/v2.0/security-groups/${sg.id}`, { security_group: { name: 'web2', description: 'd' } });
      assert.equal(updated.status, 200);
      assert.equal(updated.body.security_group.name, 'web2');
      assert.ok(updated.body.security_group.revision_number > sg.revision_number);

      const filtered = await listGroups(t.client, '?name=web2');
      assert.deepEqual(filtered.map((g) => g.id), [sg.id]);

      const del = await t.client.del(`/v2.0/security-groups/${sg.id}`);
      assert.equal(del.status, 204);
      const gone = await t.client.get(`/v2.0/security-groups/${sg.id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.NeutronError.type, 'SecurityGroupNotFound');
      const rules = await t.client.get(`/v2.0/security-group-rules?security_group_id=${sg.id}`);
      assert.deepEqual(rules.body.security_group_rules, [], 'rules go with their group');
    });

    it('protects the default group: no second default, no rename, no delete by its owner', async () => {
      const [def] = await listGroups(t.client, '?name=default');
      const second = await t.client.post('/v2.0/security-groups', { security_group: { name: 'Default' } });
      assert.equal(second.status, 409);
      assert.equal(second.body.NeutronError.type, 'SecurityGroupDefaultAlreadyExists');
      const renameToDefault = await t.client.post('/v2.0/security-groups', { security_group: { name: 'x' } });
      const toDefault = await t.client.put(`/v2.0/security-groups/${renameToDefault.body.security_group.id}`, { security_group: { name: 'default' } });
      assert.equal(toDefault.status, 409);
      assert.equal(toDefault.body.NeutronError.type, 'SecurityGroupDefaultAlreadyExists');

      const rename = await t.client.put(`/v2.0/security-groups/${def.id}`, { security_group: { name: 'mine' } });
      assert.equal(rename.status, 409);
      assert.equal(rename.body.NeutronError.type, 'SecurityGroupCannotUpdateDefault');
      const describe = await t.client.put(`/v2.0/security-groups/${def.id}`, { security_group: { description: 'ok' } });
      assert.equal(describe.status, 200, 'the description of the default group may change');

      const del = await t.client.del(`/v2.0/security-groups/${def.id}`);
      assert.equal(del.status, 409);
      assert.equal(del.body.NeutronError.type, 'SecurityGroupCannotRemoveDefault');
      assert.equal((await t.client.get(`/v2.0/security-groups/${def.id}`)).status, 200);

      // An admin may delete it (Tempest's clean-up does); the next need creates a new one.
      const adminDel = await t.admin.del(`/v2.0/security-groups/${def.id}`);
      assert.equal(adminDel.status, 204);
      const again = await listGroups(t.client, '?name=default');
      assert.equal(again.length, 1);
      assert.notEqual(again[0].id, def.id);
    });

    it('hides other projects groups (404) and refuses changes to them', async () => {
      const other = t.client.as({ project: 'project-b' });
      const sg = (await other.post('/v2.0/security-groups', { security_group: { name: 'b' } })).body.security_group;
      const shown = await t.client.get(`/v2.0/security-groups/${sg.id}`);
      assert.equal(shown.status, 404);
      assert.equal(shown.body.NeutronError.type, 'SecurityGroupNotFound');
      assert.equal((await t.client.put(`/v2.0/security-groups/${sg.id}`, { security_group: { name: 'z' } })).status, 404);
      assert.equal((await t.client.del(`/v2.0/security-groups/${sg.id}`)).status, 404);
      assert.ok(!(await listGroups(t.client)).some((g) => g.id === sg.id));
      assert.ok((await listGroups(t.admin, '?project_id=project-b')).some((g) => g.id === sg.id));
    });

    it('sets statefulness on create and update', async () => {
      const created = await t.client.post('/v2.0/security-groups', { security_group: { name: 'stateless', stateful: false } });
      assert.equal(created.status, 201);
      assert.equal(created.body.security_group.stateful, false);
      const sg = created.body.security_group;
      const flipped = await t.client.put(`/v2.0/security-groups/${sg.id}`, { security_group: { stateful: true } });
      assert.equal(flipped.status, 200);
      assert.equal(flipped.body.security_group.stateful, true);
      const stateless = await listGroups(t.client, '?stateful=false');
      assert.ok(!stateless.some((g) => g.id === sg.id));
      const bad = await t.client.post('/v2.0/security-groups', { security_group: { stateful: 'maybe' } });
      assert.equal(bad.status, 400);
    });

    it('filters on shared', async () => {
      const notShared = await listGroups(t.client, '?shared=false');
      assert.ok(notShared.length >= 1);
      assert.deepEqual(await listGroups(t.client, '?shared=true'), []);
    });

    it('rejects bad input and changes nothing', async () => {
      const before = (await listGroups(t.client)).length;
      const unknown = await t.client.post('/v2.0/security-groups', { security_group: { name: 'x', bogus: 1 } });
      assert.equal(unknown.status, 400);
      const rules = await t.client.post('/v2.0/security-groups', { security_group: { name: 'x', security_group_rules: [] } });
      assert.equal(rules.status, 400);
      const long = await t.client.post('/v2.0/security-groups', { security_group: { name: 'x'.repeat(256) } });
      assert.equal(long.status, 400);
      const bulk = await t.client.post('/v2.0/security-groups', { security_groups: [{ name: 'ok' }, { name: 'default' }] });
      assert.equal(bulk.status, 409);
      assert.equal((await listGroups(t.client)).length, before, 'a failed bulk create leaves nothing behind');
    });

    it('counts groups and their rules against quotas', async () => {
      const client = t.client.as({ project: 'project-quota' });
      await t.admin.put('/v2.0/quotas/project-quota', { quota: { security_group: 3 } });
      await listGroups(client); // default group: 1 of 3
      assert.equal((await client.post('/v2.0/security-groups', { security_group: { name: 'a' } })).status, 201);
      assert.equal((await client.post('/v2.0/security-groups', { security_group: { name: 'b' } })).status, 201);
      const over = await client.post('/v2.0/security-groups', { security_group: { name: 'c' } });
      assert.equal(over.status, 409);
      assert.equal(over.body.NeutronError.type, 'OverQuota');

      const ruleLimited = t.client.as({ project: 'project-rule-quota' });
      await t.admin.put('/v2.0/quotas/project-rule-quota', { quota: { security_group_rule: 5 } });
      await listGroups(ruleLimited); // default group: 4 rules
      const noRoom = await ruleLimited.post('/v2.0/security-groups', { security_group: { name: 'needs-two-rules' } });
      assert.equal(noRoom.status, 409);
      assert.equal(noRoom.body.NeutronError.type, 'OverQuota');
      assert.match(noRoom.body.NeutronError.message, /security_group_rule/);
    });

    it('supports tags', async () => {
      const sg = (await t.client.post('/v2.0/security-groups', { security_group: { name: 'tagged' } })).body.security_group;
      assert.equal((await t.client.put(`/v2.0/security-groups/${sg.id}/tags/red`, undefined)).status, 201);
      const found = await listGroups(t.client, '?tags=red');
      assert.deepEqual(found.map((g) => g.id), [sg.id]);
    });
  });
}
