// Address groups through HTTP on SQLite and PostgreSQL: CIDR normalization, the
// add_addresses / remove_addresses actions, use by security group rules and errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';

for (const dialect of dialects()) {
  describe(`address groups (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    it('creates, shows, updates and deletes an address group with normalized addresses', async () => {
      const created = await t.client.post('/v2.0/address-groups', { address_group: { name: 'ag', description: 'd', addresses: ['10.0.0.5/24', '2001:DB8::1/64', '10.0.0.0/24'] } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const ag = created.body.address_group;
      assert.equal(ag.name, 'ag');
      assert.equal(ag.description, 'd');
      assert.equal(ag.project_id, 'project-a');
      assert.deepEqual([...ag.addresses].sort(), ['10.0.0.0/24', '2001:db8::/64']);
      const empty = await t.client.post('/v2.0/address-groups', { address_group: { name: 'empty' } });
      assert.deepEqual(empty.body.address_group.addresses, []);

      const shown = await t.client.get(`/v2.0/address-groups/${ag.id}`);
      assert.deepEqual(shown.body.address_group, ag);
      const listed = await t.client.get('/v2.0/address-groups?name=ag');
      assert.deepEqual(listed.body.address_groups.map((g: any) => g.id), [ag.id]);

      const renamed = await t.client.put(`/v2.0/address-groups/${ag.id}`, { address_group: { name: 'ag2' } });
      assert.equal(renamed.status, 200);
      assert.equal(renamed.body.address_group.name, 'ag2');
      const addrPut = await t.client.put(`/v2.0/address-groups/${ag.id}`, { address_group: { addresses: [] } });
      assert.equal(addrPut.status, 400, 'addresses change only through the actions');

      assert.equal((await t.client.del(`/v2.0/address-groups/${ag.id}`)).status, 204);
      const gone = await t.client.get(`/v2.0/address-groups/${ag.id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.NeutronError.type, 'AddressGroupNotFound');
    });

    it('adds and removes addresses', async () => {
      const ag = (await t.client.post('/v2.0/address-groups', { address_group: { name: 'members', addresses: ['192.168.0.0/24'] } })).body.address_group;
      const added = await t.client.put(`/v2.0/address-groups/${ag.id}/add_addresses`, { addresses: ['10.1.0.1/16', '10.2.0.0/16'] });
      assert.equal(added.status, 200, JSON.stringify(added.body));
      assert.deepEqual([...added.body.address_group.addresses].sort(), ['10.1.0.0/16', '10.2.0.0/16', '192.168.0.0/24']);
      assert.ok(added.body.address_group.revision_number > ag.revision_number);

      const again = await t.client.put(`/v2.0/address-groups/${ag.id}/add_addresses`, { addresses: ['10.1.0.0/16', '10.9.0.0/16'] });
      assert.equal(again.status, 400);
      assert.equal(again.body.NeutronError.type, 'AddressesAlreadyExist');
      assert.match(again.body.NeutronError.message, /10\.1\.0\.0\/16/);

      const removed = await t.client.put(`/v2.0/address-groups/${ag.id}/remove_addresses`, { addresses: ['192.168.0.0/24'] });
      assert.equal(removed.status, 200);
      assert.deepEqual([...removed.body.address_group.addresses].sort(), ['10.1.0.0/16', '10.2.0.0/16']);
      const absent = await t.client.put(`/v2.0/address-groups/${ag.id}/remove_addresses`, { addresses: ['10.2.0.0/16', '172.16.0.0/12'] });
      assert.equal(absent.status, 404);
      assert.equal(absent.body.NeutronError.type, 'AddressesNotFound');
      const unchanged = await t.client.get(`/v2.0/address-groups/${ag.id}`);
      assert.deepEqual([...unchanged.body.address_group.addresses].sort(), ['10.1.0.0/16', '10.2.0.0/16'], 'a refused action changes nothing');

      const badCidr = await t.client.put(`/v2.0/address-groups/${ag.id}/add_addresses`, { addresses: ['10.0.0.1'] });
      assert.equal(badCidr.status, 400);
      const notList = await t.client.put(`/v2.0/address-groups/${ag.id}/add_addresses`, { addresses: '10.0.0.0/8' });
      assert.equal(notList.status, 400);
      const other = t.client.as({ project: 'project-b' });
      const foreign = await other.put(`/v2.0/address-groups/${ag.id}/add_addresses`, { addresses: ['10.3.0.0/16'] });
      assert.equal(foreign.status, 404);
      assert.equal(foreign.body.NeutronError.type, 'AddressGroupNotFound');
    });

    it('refuses invalid addresses on create', async () => {
      for (const addresses of [['nope'], ['10.0.0.0/33'], ['10.0.0.1'], 'x']) {
        const res = await t.client.post('/v2.0/address-groups', { address_group: { name: 'bad', addresses } });
        assert.equal(res.status, 400, JSON.stringify(addresses));
      }
      const list = await t.client.get('/v2.0/address-groups?name=bad');
      assert.deepEqual(list.body.address_groups, []);
    });

    it('is usable as a rule remote and cannot be deleted while in use', async () => {
      const ag = (await t.client.post('/v2.0/address-groups', { address_group: { name: 'remote', addresses: ['10.8.0.0/16'] } })).body.address_group;
      const sg = (await t.client.post('/v2.0/security-groups', { security_group: { name: 'uses-ag' } })).body.security_group;
      const rule = await t.client.post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'ingress', remote_address_group_id: ag.id } });
      assert.equal(rule.status, 201, JSON.stringify(rule.body));
      assert.equal(rule.body.security_group_rule.remote_address_group_id, ag.id);
      const filtered = await t.client.get(`/v2.0/security-group-rules?remote_address_group_id=${ag.id}`);
      assert.deepEqual(filtered.body.security_group_rules.map((r: any) => r.id), [rule.body.security_group_rule.id]);

      const both = await t.client.post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'egress', remote_address_group_id: ag.id, remote_ip_prefix: '10.0.0.0/8' } });
      assert.equal(both.status, 400);
      assert.equal(both.body.NeutronError.type, 'SecurityGroupMultipleRemoteEntites');
      const unknown = await t.client.post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'egress', remote_address_group_id: '6f9a6d4c-3c3a-4d5e-9d57-7b0b3c1d2e3f' } });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.NeutronError.type, 'AddressGroupNotFound');
      const b = t.client.as({ project: 'project-b' });
      const theirs = (await b.post('/v2.0/address-groups', { address_group: { name: 'theirs' } })).body.address_group;
      const foreignRule = { security_group_rule: { security_group_id: sg.id, direction: 'egress', remote_address_group_id: theirs.id } };
      assert.equal((await t.client.post('/v2.0/security-group-rules', foreignRule)).status, 404);
      // Shared through RBAC, it may be a remote of the target project's rules, and stays while used.
      const policy = await b.post('/v2.0/rbac-policies', { rbac_policy: { object_type: 'address_group', object_id: theirs.id, action: 'access_as_shared', target_tenant: 'project-a' } });
      assert.equal(policy.status, 201, JSON.stringify(policy.body));
      assert.equal((await t.client.get(`/v2.0/address-groups/${theirs.id}`)).status, 200);
      const sharedRule = await t.client.post('/v2.0/security-group-rules', foreignRule);
      assert.equal(sharedRule.status, 201, JSON.stringify(sharedRule.body));
      assert.equal((await b.del(`/v2.0/rbac-policies/${policy.body.rbac_policy.id}`)).status, 409);
      assert.equal((await t.client.del(`/v2.0/security-group-rules/${sharedRule.body.security_group_rule.id}`)).status, 204);

      const inUse = await t.client.del(`/v2.0/address-groups/${ag.id}`);
      assert.equal(inUse.status, 409);
      assert.equal(inUse.body.NeutronError.type, 'AddressGroupInUse');
      assert.equal((await t.client.del(`/v2.0/security-group-rules/${rule.body.security_group_rule.id}`)).status, 204);
      assert.equal((await t.client.del(`/v2.0/address-groups/${ag.id}`)).status, 204);
    });
  });
}
