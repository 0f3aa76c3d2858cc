// Network logging (logging) through HTTP on SQLite and PostgreSQL, with the CLI's paths
// (/v2.0/log/logs, /v2.0/log/loggable-resources): create/list/show/update/delete, the
// supported type, validation of resource_id / target_id and their relation, logs going
// with their group or port, and the default policy (admins only; a member, a reader and
// another project neither see nor change logs).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, personas, startTestServer, type ApiClient, type TestServer } from '../helpers/server.ts';
import { ok, refused } from '../helpers/responses.ts';

for (const dialect of dialects()) {
  describe(`logging (${dialect})`, () => {
    let t: TestServer;
    let member: ApiClient;
    let reader: ApiClient;
    let other: ApiClient;
    let sg: any;
    let port: any;
    let network: any;


    before(async () => {
      t = await startTestServer(dialect);
      ({ member, reader, other } = personas(t));
      sg = ok(await member.post('/v2.0/security-groups', { security_group: { name: 'web' } })).security_group;
      network = ok(await member.post('/v2.0/networks', { network: { name: 'logged' } })).network;
      ok(await member.post('/v2.0/subnets', { subnet: { network_id: network.id, ip_version: 4, cidr: '10.60.0.0/24' } }));
      port = ok(await member.post('/v2.0/ports', { port: { network_id: network.id, security_groups: [sg.id] } })).port;
    });
    after(async () => t?.close());

    it('is listed as Neutron lists it, with its loggable types', async () => {
      const e = (await member.get('/v2.0/extensions/logging')).body.extension;
      assert.deepEqual(
        { name: e.name, description: e.description, updated: e.updated },
        { name: 'Logging API Extension', description: 'Provides a logging API for resources such as security group and firewall.', updated: '2017-01-01T10:00:00-00:00' },
      );
      assert.deepEqual((await t.admin.get('/v2.0/log/loggable-resources')).body, { loggable_resources: [{ type: 'security_group' }] });
      assert.deepEqual((await t.admin.get('/v2.0/log/loggable-resources?type=firewall_group')).body, { loggable_resources: [] });
      assert.equal((await t.admin.get('/v2.0/log/loggable-resources?color=red')).status, 400);
      assert.deepEqual((await member.get('/v2.0/log/loggable-resources')).body, { loggable_resources: [] }, 'admins only');
    });

    it('creates, lists, shows, updates and deletes logs', async () => {
      const all = ok(await t.admin.post('/v2.0/log/logs', { log: { name: 'everything', resource_type: 'security_group' } })).log;
      assert.deepEqual(
        Object.keys(all).sort(),
        ['created_at', 'description', 'enabled', 'event', 'id', 'name', 'project_id', 'resource_id', 'resource_type', 'revision_number', 'tags', 'target_id', 'tenant_id', 'updated_at'],
      );
      assert.equal(all.event, 'ALL');
      assert.equal(all.enabled, true);
      assert.equal(all.resource_id, null);
      assert.equal(all.target_id, null);
      const drops = ok(await t.admin.post('/v2.0/log/logs', { log: { resource_type: 'security_group', resource_id: sg.id, target_id: port.id, event: 'DROP', enabled: false } })).log;
      assert.equal(drops.enabled, false);
      assert.deepEqual((await t.admin.get('/v2.0/log/logs?event=DROP')).body.logs.map((l: { id: string }) => l.id), [drops.id]);
      assert.deepEqual((await t.admin.get(`/v2.0/log/logs?resource_id=${sg.id}`)).body.logs.map((l: { id: string }) => l.id), [drops.id]);
      assert.equal((await t.admin.get(`/v2.0/log/logs/${all.id}`)).body.log.name, 'everything');
      const on = ok(await t.admin.put(`/v2.0/log/logs/${drops.id}`, { log: { enabled: true, name: 'drops', description: 'denied' } }), 200).log;
      assert.equal(on.enabled, true);
      assert.equal(on.revision_number, 1);
      refused(await t.admin.put(`/v2.0/log/logs/${drops.id}`, { log: { event: 'ACCEPT' } }), 400, 'HTTPBadRequest');
      refused(await t.admin.put(`/v2.0/log/logs/${drops.id}`, { log: { target_id: null } }), 400, 'HTTPBadRequest');
      ok(await t.admin.del(`/v2.0/log/logs/${all.id}`), 204);
      const gone = refused(await t.admin.get(`/v2.0/log/logs/${all.id}`), 404, 'LogResourceNotFound');
      assert.equal(gone, `Log resource ${all.id} could not be found.`);
      ok(await t.admin.del(`/v2.0/log/logs/${drops.id}`), 204);
    });

    it('validates the type, the group, the port and their relation', async () => {
      const create = (log: Record<string, unknown>) => t.admin.post('/v2.0/log/logs', { log: { resource_type: 'security_group', ...log } });
      assert.equal(refused(await create({ resource_type: 'firewall_group' }), 400, 'InvalidLogResourceType'), 'Invalid log resource_type: firewall_group.');
      refused(await t.admin.post('/v2.0/log/logs', { log: { name: 'x' } }), 400, 'HTTPBadRequest');
      refused(await create({ event: 'SOME' }), 400, 'HTTPBadRequest');
      refused(await create({ resource_id: 'web' }), 400, 'HTTPBadRequest');
      refused(await create({ target_id: 'port' }), 400, 'HTTPBadRequest');
      const missing = '00000000-0000-0000-0000-000000000000';
      assert.equal(refused(await create({ resource_id: missing }), 404, 'ResourceNotFound'), `Resource ${missing} could not be found.`);
      assert.equal(refused(await create({ target_id: missing }), 404, 'TargetResourceNotFound'), `Target resource ${missing} could not be found.`);
      const otherSg = ok(await member.post('/v2.0/security-groups', { security_group: { name: 'db' } })).security_group;
      assert.match(refused(await create({ resource_id: otherSg.id, target_id: port.id }), 400, 'InvalidResourceConstraint'), /between resource \(security_group .*\) and target resource \(port .*\)/);
      const direct = ok(await t.admin.post('/v2.0/ports', { port: { network_id: network.id, project_id: 'project-a', 'binding:vnic_type': 'direct' } })).port;
      refused(await create({ target_id: direct.id }), 409, 'LoggingTypeNotSupported');
      assert.deepEqual((await t.admin.get('/v2.0/log/logs')).body.logs, [], 'nothing left behind');
      ok(await t.admin.del(`/v2.0/ports/${direct.id}`), 204);
      ok(await member.del(`/v2.0/security-groups/${otherSg.id}`), 204);
    });

    it('deletes the logs of a deleted group or port', async () => {
      const group = ok(await member.post('/v2.0/security-groups', { security_group: { name: 'short-lived' } })).security_group;
      const vm = ok(await member.post('/v2.0/ports', { port: { network_id: network.id, security_groups: [group.id] } })).port;
      const byGroup = ok(await t.admin.post('/v2.0/log/logs', { log: { resource_type: 'security_group', resource_id: sg.id } })).log;
      const byPort = ok(await t.admin.post('/v2.0/log/logs', { log: { resource_type: 'security_group', target_id: vm.id } })).log;
      const byShortLived = ok(await t.admin.post('/v2.0/log/logs', { log: { resource_type: 'security_group', resource_id: group.id } })).log;
      ok(await member.del(`/v2.0/ports/${vm.id}`), 204);
      assert.equal((await t.admin.get(`/v2.0/log/logs/${byPort.id}`)).status, 404);
      ok(await member.del(`/v2.0/security-groups/${group.id}`), 204);
      assert.equal((await t.admin.get(`/v2.0/log/logs/${byShortLived.id}`)).status, 404);
      assert.equal((await t.admin.get(`/v2.0/log/logs/${byGroup.id}`)).status, 200, 'other logs stay');
      ok(await t.admin.del(`/v2.0/log/logs/${byGroup.id}`), 204);
    });

    it('is for admins only: members, readers and other projects see and change nothing', async () => {
      const log = ok(await t.admin.post('/v2.0/log/logs', { log: { resource_type: 'security_group', resource_id: sg.id, project_id: 'project-a' } })).log;
      assert.equal(log.project_id, 'project-a');
      for (const client of [member, reader, other]) {
        refused(await client.post('/v2.0/log/logs', { log: { resource_type: 'security_group' } }), 403, 'PolicyNotAuthorized');
        refused(await client.get(`/v2.0/log/logs/${log.id}`), 404, 'LogResourceNotFound');
        assert.deepEqual((await client.get('/v2.0/log/logs')).body.logs, []);
        refused(await client.put(`/v2.0/log/logs/${log.id}`, { log: { enabled: false } }), 404, 'LogResourceNotFound');
        refused(await client.del(`/v2.0/log/logs/${log.id}`), 404, 'LogResourceNotFound');
      }
      assert.equal((await t.admin.get(`/v2.0/log/logs/${log.id}`)).body.log.enabled, true, 'unchanged');
      ok(await t.admin.del(`/v2.0/log/logs/${log.id}`), 204);
    });
  });
}
