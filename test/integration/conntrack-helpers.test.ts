// Conntrack helpers through HTTP on SQLite and PostgreSQL, with the paths the CLI and SDK use
// (/v2.0/routers/{id}/conntrack_helpers): create/list/show/update/delete, Neutron's
// validation (protocols, allowed helpers and their protocols), duplicates, helpers going with
// their router, and the default policy for a member, a reader and another project.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, personas, startTestServer, type ApiClient, type TestServer } from '../helpers/server.ts';

for (const dialect of dialects()) {
  describe(`conntrack helpers (${dialect})`, () => {
    let t: TestServer;
    let member: ApiClient;
    let reader: ApiClient;
    let other: ApiClient;
    before(async () => {
      t = await startTestServer(dialect);
      ({ member, reader, other } = personas(t));
    });
    after(async () => t?.close());

    const routerOf = async (client: ApiClient, name: string) => {
      const res = await client.post('/v2.0/routers', { router: { name } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.router;
    };

    it('is listed as Neutron lists it', async () => {
      const ext = (await member.get('/v2.0/extensions/l3-conntrack-helper')).body.extension;
      assert.deepEqual(
        { name: ext.name, description: ext.description, updated: ext.updated },
        { name: 'L3 Conntrack helper', description: 'Allow adding CT target rules for conntrack helper', updated: '2019-04-04T10:00:00-00:00' },
      );
    });

    it('creates, lists, shows, updates and deletes helpers of a router', async () => {
      const router = await routerOf(member, 'ct');
      const base = `/v2.0/routers/${router.id}/conntrack_helpers`;
      const created = await member.post(base, { conntrack_helper: { protocol: 'tcp', port: 21, helper: 'ftp' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const helper = created.body.conntrack_helper;
      assert.deepEqual(Object.keys(helper).sort(), ['helper', 'id', 'port', 'protocol']);
      assert.deepEqual({ ...helper, id: undefined }, { id: undefined, protocol: 'tcp', port: 21, helper: 'ftp' });

      const sip = (await member.post(base, { conntrack_helper: { protocol: 'udp', port: '5060', helper: 'sip' } })).body.conntrack_helper;
      assert.equal(sip.port, 5060, 'a port given as text is converted');
      const listed = await reader.get(base);
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.conntrack_helpers.map((h: { id: string }) => h.id).sort(), [helper.id, sip.id].sort());
      assert.deepEqual((await reader.get(`${base}?helper=sip`)).body.conntrack_helpers.map((h: { id: string }) => h.id), [sip.id]);
      assert.deepEqual((await reader.get(`${base}?sort_key=port&sort_dir=desc&fields=port`)).body.conntrack_helpers, [{ port: 5060 }, { port: 21 }]);
      assert.deepEqual((await reader.get(`${base}/${helper.id}`)).body.conntrack_helper, helper);

      const updated = await member.put(`${base}/${helper.id}`, { conntrack_helper: { port: 2121 } });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      assert.equal(updated.body.conntrack_helper.port, 2121);
      assert.equal(updated.body.conntrack_helper.helper, 'ftp');

      // A helper is reached only under its own router.
      const router2 = await routerOf(member, 'ct2');
      const elsewhere = await member.get(`/v2.0/routers/${router2.id}/conntrack_helpers/${helper.id}`);
      assert.equal(elsewhere.status, 404);
      assert.equal(elsewhere.body.NeutronError.type, 'ConntrackHelperNotFound');
      assert.equal((await member.get(`/v2.0/routers/${router2.id}/conntrack_helpers`)).body.conntrack_helpers.length, 0);

      assert.equal((await member.del(`${base}/${helper.id}`)).status, 204);
      const gone = await member.get(`${base}/${helper.id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.NeutronError.type, 'ConntrackHelperNotFound');
      assert.equal(gone.body.NeutronError.message, `Conntrack Helper ${helper.id} could not be found.`);
      const missingRouter = await member.get('/v2.0/routers/00000000-0000-0000-0000-000000000000/conntrack_helpers');
      assert.equal(missingRouter.status, 404);
      assert.equal(missingRouter.body.NeutronError.type, 'RouterNotFound');
    });

    it('validates as Neutron does, leaving nothing behind', async () => {
      const router = await routerOf(member, 'ct-validate');
      const base = `/v2.0/routers/${router.id}/conntrack_helpers`;
      const refused = async (body: Record<string, unknown>, type: string) => {
        const res = await member.post(base, { conntrack_helper: body });
        assert.equal(res.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.NeutronError.type, type, JSON.stringify(res.body));
        return res.body.NeutronError.message as string;
      };
      await refused({ protocol: 'tcp', port: 21 }, 'HTTPBadRequest'); // helper missing
      await refused({ protocol: 'gre', port: 21, helper: 'ftp' }, 'HTTPBadRequest');
      await refused({ protocol: '6', port: 21, helper: 'ftp' }, 'HTTPBadRequest');
      await refused({ protocol: 'tcp', port: 0, helper: 'ftp' }, 'HTTPBadRequest');
      await refused({ protocol: 'tcp', port: 65536, helper: 'ftp' }, 'HTTPBadRequest');
      await refused({ protocol: 'tcp', port: 21, helper: 'x'.repeat(65) }, 'HTTPBadRequest');
      await refused({ protocol: 'tcp', port: 21, helper: 'ftp', name: 'x' }, 'HTTPBadRequest');
      assert.equal(await refused({ protocol: 'tcp', port: 21, helper: 'nfs' }, 'ConntrackHelperNotAllowed'), 'Conntrack Helper nfs is not allowed.');
      assert.equal(
        await refused({ protocol: 'udp', port: 21, helper: 'ftp' }, 'InvalidProtocolForHelper'),
        'Conntrack Helper ftp does not support: udp. Supported protocols are: tcp',
      );
      assert.equal((await member.get(base)).body.conntrack_helpers.length, 0);

      // The same (protocol, port, helper) twice on one router: Neutron's BadRequest.
      const first = (await member.post(base, { conntrack_helper: { protocol: 'tcp', port: 21, helper: 'ftp' } })).body.conntrack_helper;
      const message = await refused({ protocol: 'tcp', port: 21, helper: 'ftp' }, 'BadRequest');
      assert.match(message, /^Bad conntrack_helper request: A duplicate conntrack helper entry with same attributes already exists/);
      const second = (await member.post(base, { conntrack_helper: { protocol: 'tcp', port: 2121, helper: 'ftp' } })).body.conntrack_helper;
      const clash = await member.put(`${base}/${second.id}`, { conntrack_helper: { port: 21 } });
      assert.equal(clash.status, 400);
      assert.equal(clash.body.NeutronError.type, 'BadRequest');
      const badUpdate = await member.put(`${base}/${second.id}`, { conntrack_helper: { protocol: 'udp' } });
      assert.equal(badUpdate.body.NeutronError.type, 'InvalidProtocolForHelper');
      assert.equal((await member.get(`${base}/${second.id}`)).body.conntrack_helper.port, 2121, 'unchanged');
      // The same values on another router are fine.
      const router2 = await routerOf(member, 'ct-validate-2');
      assert.equal((await member.post(`/v2.0/routers/${router2.id}/conntrack_helpers`, { conntrack_helper: { protocol: 'tcp', port: 21, helper: 'ftp' } })).status, 201);
      // Concurrent twins: one wins, the other is the same BadRequest (the unique key holds).
      const twins = await Promise.all([1, 2].map(() => member.post(base, { conntrack_helper: { protocol: 'udp', port: 69, helper: 'tftp' } })));
      assert.deepEqual(twins.map((r) => r.status).sort(), [201, 400]);
      assert.equal((await member.get(`${base}?helper=tftp`)).body.conntrack_helpers.length, 1);
      void first;
    });

    it('goes with its router', async () => {
      const router = await routerOf(member, 'ct-delete');
      const helper = (await member.post(`/v2.0/routers/${router.id}/conntrack_helpers`, { conntrack_helper: { protocol: 'tcp', port: 6667, helper: 'irc' } })).body.conntrack_helper;
      assert.equal((await member.del(`/v2.0/routers/${router.id}`)).status, 204);
      assert.equal((await t.admin.get(`/v2.0/routers/${router.id}/conntrack_helpers/${helper.id}`)).status, 404);
      const router2 = await routerOf(member, 'ct-delete-2');
      assert.equal((await t.admin.get(`/v2.0/routers/${router2.id}/conntrack_helpers`)).body.conntrack_helpers.length, 0);
    });

    it('shows the helpers of a router as conntrack_helpers (expose-l3-conntrack-helper)', async () => {
      const ext = (await member.get('/v2.0/extensions/expose-l3-conntrack-helper')).body.extension;
      assert.deepEqual(
        { name: ext.name, description: ext.description, updated: ext.updated },
        { name: 'Expose CT target rules for conntrack helper', description: 'Expose allow adding CT target rules for conntrack helper', updated: '2019-04-04T10:00:00-00:00' },
      );
      const router = await routerOf(member, 'ct-expose');
      assert.deepEqual(router.conntrack_helpers, []);
      const base = `/v2.0/routers/${router.id}/conntrack_helpers`;
      await member.post(base, { conntrack_helper: { protocol: 'udp', port: 5060, helper: 'sip' } });
      await member.post(base, { conntrack_helper: { protocol: 'tcp', port: 5060, helper: 'sip' } });
      const expected = [
        { protocol: 'tcp', port: 5060, helper: 'sip' },
        { protocol: 'udp', port: 5060, helper: 'sip' },
      ];
      assert.deepEqual((await reader.get(`/v2.0/routers/${router.id}`)).body.router.conntrack_helpers, expected);
      const listed = (await member.get(`/v2.0/routers?id=${router.id}&fields=conntrack_helpers`)).body.routers;
      assert.deepEqual(listed, [{ conntrack_helpers: expected }]);
      const readOnly = await member.put(`/v2.0/routers/${router.id}`, { router: { conntrack_helpers: [] } });
      assert.equal(readOnly.status, 400);
      assert.equal((await member.post('/v2.0/routers', { router: { name: 'x', conntrack_helpers: [] } })).status, 400);
      assert.equal((await other.get(`/v2.0/routers/${router.id}`)).status, 404);
    });

    it('follows the default policy: owner member manages, reader reads, other projects see nothing', async () => {
      const router = await routerOf(member, 'ct-policy');
      const base = `/v2.0/routers/${router.id}/conntrack_helpers`;
      const helper = (await member.post(base, { conntrack_helper: { protocol: 'tcp', port: 21, helper: 'ftp' } })).body.conntrack_helper;

      // A reader of the project reads, but changes nothing.
      assert.equal((await reader.get(`${base}/${helper.id}`)).status, 200);
      const readerCreate = await reader.post(base, { conntrack_helper: { protocol: 'tcp', port: 2121, helper: 'ftp' } });
      assert.equal(readerCreate.status, 403);
      assert.equal(readerCreate.body.NeutronError.type, 'PolicyNotAuthorized');
      assert.equal((await reader.put(`${base}/${helper.id}`, { conntrack_helper: { port: 2121 } })).status, 403);
      assert.equal((await reader.del(`${base}/${helper.id}`)).status, 403);

      // Another project: the router is not found, so neither are its helpers.
      for (const res of [
        await other.get(base),
        await other.get(`${base}/${helper.id}`),
        await other.post(base, { conntrack_helper: { protocol: 'tcp', port: 2121, helper: 'ftp' } }),
        await other.put(`${base}/${helper.id}`, { conntrack_helper: { port: 2121 } }),
        await other.del(`${base}/${helper.id}`),
      ]) {
        assert.equal(res.status, 404, JSON.stringify(res.body));
        assert.equal(res.body.NeutronError.type, 'RouterNotFound');
      }

      // An admin manages any router's helpers; they belong to the router's project.
      const byAdmin = await t.admin.post(base, { conntrack_helper: { protocol: 'udp', port: 161, helper: 'snmp' } });
      assert.equal(byAdmin.status, 201, JSON.stringify(byAdmin.body));
      assert.equal((await member.get(`${base}/${byAdmin.body.conntrack_helper.id}`)).status, 200, "the owner sees the admin's helper");
      assert.equal((await member.get(base)).body.conntrack_helpers.length, 2);
      assert.equal((await t.admin.get(`${base}/${helper.id}`)).body.conntrack_helper.port, 21, 'unchanged by the refused writes');
    });
  });
}
