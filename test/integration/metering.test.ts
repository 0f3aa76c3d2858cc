// Metering labels and rules (metering, metering_source_and_destination_fields) through
// HTTP, on SQLite and PostgreSQL: admin only, Neutron's validation, overlap and errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';

const LABELS = '/v2.0/metering/metering-labels';
const RULES = '/v2.0/metering/metering-label-rules';

for (const dialect of dialects()) {
  describe(`metering (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    const newLabel = async (body: Record<string, unknown> = {}) => {
      const res = await t.admin.post(LABELS, { metering_label: { name: 'label', ...body } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.metering_label;
    };

    it('lists the extensions', async () => {
      const aliases = (await t.client.get('/v2.0/extensions')).body.extensions.map((e: { alias: string }) => e.alias);
      assert.ok(aliases.includes('metering'));
      assert.ok(aliases.includes('metering_source_and_destination_fields'));
    });

    it('creates, shows, filters and deletes labels with Neutron defaults', async () => {
      const label = await newLabel({ description: 'counted' });
      assert.deepEqual(Object.keys(label).sort(), ['description', 'id', 'name', 'project_id', 'shared', 'tenant_id']);
      assert.equal(label.shared, false);
      assert.equal(label.project_id, 'admin-project');
      const shown = await t.admin.get(`${LABELS}/${label.id}`);
      assert.equal(shown.body.metering_label.description, 'counted');
      assert.equal((await t.admin.get(`${LABELS}?id=${label.id}`)).body.metering_labels.length, 1);
      assert.deepEqual((await t.admin.get(`${LABELS}?id=33`)).body.metering_labels, []);
      const update = await t.admin.put(`${LABELS}/${label.id}`, { metering_label: { name: 'x' } });
      assert.equal(update.status, 405);
      assert.equal((await t.admin.del(`${LABELS}/${label.id}`)).status, 204);
      const gone = await t.admin.get(`${LABELS}/${label.id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.NeutronError.type, 'MeteringLabelNotFound');
    });

    it('is admin only', async () => {
      const label = await newLabel();
      const create = await t.client.post(LABELS, { metering_label: { name: 'mine' } });
      assert.equal(create.status, 403);
      assert.equal(create.body.NeutronError.type, 'PolicyNotAuthorized');
      assert.deepEqual((await t.client.get(LABELS)).body.metering_labels, []);
      assert.equal((await t.client.get(`${LABELS}/${label.id}`)).status, 404);
      assert.equal((await t.client.del(`${LABELS}/${label.id}`)).status, 404);
      assert.equal((await t.admin.get(`${LABELS}/${label.id}`)).status, 200);
    });

    it('creates rules and refuses overlapping, invalid and orphan ones', async () => {
      const label = await newLabel();
      const post = (body: Record<string, unknown>) => t.admin.post(RULES, { metering_label_rule: { metering_label_id: label.id, direction: 'ingress', ...body } });
      const created = await post({ remote_ip_prefix: '10.0.0.0/24' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const rule = created.body.metering_label_rule;
      assert.equal(rule.excluded, false);
      assert.equal(rule.remote_ip_prefix, '10.0.0.0/24');
      assert.equal(rule.source_ip_prefix, null);
      assert.equal(rule.destination_ip_prefix, null);
      assert.equal((await t.admin.get(`${RULES}/${rule.id}`)).body.metering_label_rule.metering_label_id, label.id);

      const overlap = await post({ remote_ip_prefix: '10.0.0.128/25' });
      assert.equal(overlap.status, 409);
      assert.equal(overlap.body.NeutronError.type, 'MeteringLabelRuleOverlaps');
      // Other direction or excluded flag: no conflict.
      assert.equal((await post({ remote_ip_prefix: '10.0.0.0/25', direction: 'egress' })).status, 201);
      assert.equal((await post({ remote_ip_prefix: '10.0.0.0/25', excluded: true })).status, 201);
      assert.equal((await post({ remote_ip_prefix: 'fd02::/64' })).status, 201);

      const mixed = await post({ remote_ip_prefix: '192.168.0.0/24', source_ip_prefix: '10.1.0.0/16' });
      assert.equal(mixed.status, 400);
      assert.equal(mixed.body.NeutronError.type, 'Invalid');
      const none = await post({});
      assert.equal(none.status, 400);
      assert.equal((await post({ remote_ip_prefix: '10.9.0.0/16', direction: 'sideways' })).status, 400);
      assert.equal((await post({ remote_ip_prefix: 'not-a-cidr' })).status, 400);
      const sourceOnly = await post({ source_ip_prefix: '10.1.0.0/16', destination_ip_prefix: '10.2.0.0/16' });
      assert.equal(sourceOnly.status, 201);

      const orphan = await t.admin.post(RULES, { metering_label_rule: { metering_label_id: '3c2cbb4a-9f6f-4d5b-9a3b-22a1c2e7d001', direction: 'ingress', remote_ip_prefix: '10.0.0.0/24' } });
      assert.equal(orphan.status, 404);
      assert.equal(orphan.body.NeutronError.type, 'MeteringLabelNotFound');
      const missingDirection = await t.admin.post(RULES, { metering_label_rule: { metering_label_id: label.id, remote_ip_prefix: '10.3.0.0/24' } });
      assert.equal(missingDirection.status, 400);

      const rules = (await t.admin.get(`${RULES}?metering_label_id=${label.id}`)).body.metering_label_rules;
      assert.equal(rules.length, 5);
      assert.equal((await t.client.get(`${RULES}/${rule.id}`)).status, 404, 'rules are admin only');
      // Deleting the label takes its rules.
      assert.equal((await t.admin.del(`${LABELS}/${label.id}`)).status, 204);
      assert.deepEqual((await t.admin.get(`${RULES}?metering_label_id=${label.id}`)).body.metering_label_rules, []);
      assert.equal((await t.admin.get(`${RULES}/${rule.id}`)).body.NeutronError.type, 'MeteringLabelRuleNotFound');
    });
  });
}
