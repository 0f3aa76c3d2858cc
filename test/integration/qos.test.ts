// QoS through HTTP on SQLite and PostgreSQL, with the paths the CLI and SDK use
// (/v2.0/qos/policies, /v2.0/qos/policies/{id}/<type>_rules, /v2.0/qos/rule-types,
// /v2.0/qos/alias-<type>-rules/{id}): policies and rules, Neutron's conflicts, the default
// policy, sharing through RBAC, policy-in-use, qos_policy_id on networks, ports and floating
// IPs, resource requests, and the default policy rules for admin, member, reader and others.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, personas, startTestServer, type ApiClient, type TestServer } from '../helpers/server.ts';

const ids = (list: { id: string }[]) => list.map((x) => x.id).sort();

for (const dialect of dialects()) {
  describe(`qos (${dialect})`, () => {
    let t: TestServer;
    let member: ApiClient;
    let reader: ApiClient;
    let other: ApiClient;
    before(async () => {
      t = await startTestServer(dialect);
      ({ member, reader, other } = personas(t));
    });
    after(async () => t?.close());

    /** An admin-made policy of project-a (policies are admin-managed by default). */
    const policyFor = async (name: string, extra: Record<string, unknown> = {}) => {
      const res = await t.admin.post('/v2.0/qos/policies', { policy: { name, project_id: 'project-a', ...extra } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.policy;
    };

    it('lists the QoS aliases', async () => {
      const aliases = (await member.get('/v2.0/extensions')).body.extensions.map((e: { alias: string }) => e.alias);
      for (const alias of [
        'qos',
        'qos-bw-limit-direction',
        'qos-bw-minimum-ingress',
        'qos-default',
        'qos-fip',
        'qos-port-network-policy',
        'qos-pps',
        'qos-pps-minimum',
        'qos-pps-minimum-rule-alias',
        'qos-rule-type-details',
        'qos-rule-type-filter',
        'qos-rules-alias',
        'port-resource-request',
        'port-resource-request-groups',
      ]) {
        assert.ok(aliases.includes(alias), alias);
      }
    });

    it('creates, shows, lists, updates and deletes a policy with bandwidth limit rules', async () => {
      const created = await t.admin.post('/v2.0/qos/policies', { policy: { name: '10Mbit', description: 'limit', project_id: 'project-a' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const policy = created.body.policy;
      assert.deepEqual(
        Object.keys(policy).sort(),
        ['created_at', 'description', 'id', 'is_default', 'name', 'project_id', 'revision_number', 'rules', 'shared', 'tags', 'tenant_id', 'updated_at'],
      );
      assert.equal(policy.shared, false);
      assert.equal(policy.is_default, false);
      assert.deepEqual(policy.rules, []);

      const base = `/v2.0/qos/policies/${policy.id}/bandwidth_limit_rules`;
      const egress = await t.admin.post(base, { bandwidth_limit_rule: { max_kbps: 10000 } });
      assert.equal(egress.status, 201, JSON.stringify(egress.body));
      assert.deepEqual(Object.keys(egress.body.bandwidth_limit_rule).sort(), ['direction', 'id', 'max_burst_kbps', 'max_kbps']);
      assert.equal(egress.body.bandwidth_limit_rule.direction, 'egress');
      assert.equal(egress.body.bandwidth_limit_rule.max_burst_kbps, 0);
      const ingress = await t.admin.post(base, { bandwidth_limit_rule: { max_kbps: 2000, max_burst_kbps: 1600, direction: 'ingress' } });
      assert.equal(ingress.status, 201);

      // One rule per type and direction: QoSRulesConflict.
      const duplicate = await t.admin.post(base, { bandwidth_limit_rule: { max_kbps: 5, direction: 'egress' } });
      assert.equal(duplicate.status, 409);
      assert.equal(duplicate.body.NeutronError.type, 'QoSRulesConflict');
      assert.match(duplicate.body.NeutronError.message, new RegExp(egress.body.bandwidth_limit_rule.id));

      const shown = (await member.get(`/v2.0/qos/policies/${policy.id}`)).body.policy;
      assert.equal(shown.revision_number, 2, 'each rule added is a change of the policy');
      assert.equal(shown.rules.length, 2);
      const rule = shown.rules.find((r: { id: string }) => r.id === egress.body.bandwidth_limit_rule.id);
      assert.deepEqual(rule, { id: rule.id, qos_policy_id: policy.id, max_kbps: 10000, max_burst_kbps: 0, direction: 'egress', type: 'bandwidth_limit' });

      const listed = await member.get(`${base}?direction=ingress`);
      assert.deepEqual(ids(listed.body.bandwidth_limit_rules), [ingress.body.bandwidth_limit_rule.id]);
      const one = await member.get(`${base}/${egress.body.bandwidth_limit_rule.id}`);
      assert.equal(one.body.bandwidth_limit_rule.max_kbps, 10000);

      const updated = await t.admin.put(`${base}/${egress.body.bandwidth_limit_rule.id}`, { bandwidth_limit_rule: { max_kbps: 20000 } });
      assert.equal(updated.status, 200);
      assert.equal(updated.body.bandwidth_limit_rule.max_kbps, 20000);
      const moved = await t.admin.put(`${base}/${egress.body.bandwidth_limit_rule.id}`, { bandwidth_limit_rule: { direction: 'ingress' } });
      assert.equal(moved.status, 409);
      assert.equal(moved.body.NeutronError.type, 'QoSRulesConflict');

      const renamed = await t.admin.put(`/v2.0/qos/policies/${policy.id}`, { policy: { name: '20Mbit', description: 'more' } });
      assert.equal(renamed.status, 200);
      assert.equal(renamed.body.policy.name, '20Mbit');
      assert.deepEqual(ids((await member.get('/v2.0/qos/policies?name=20Mbit')).body.policies), [policy.id]);

      assert.equal((await t.admin.del(`${base}/${ingress.body.bandwidth_limit_rule.id}`)).status, 204);
      const missing = await member.get(`${base}/${ingress.body.bandwidth_limit_rule.id}`);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.NeutronError.type, 'QosRuleNotFound');

      assert.equal((await t.admin.del(`/v2.0/qos/policies/${policy.id}`)).status, 204);
      const gone = await member.get(`/v2.0/qos/policies/${policy.id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.NeutronError.type, 'QosPolicyNotFound');
      assert.equal((await t.admin.get(`/v2.0/qos/alias-bandwidth-limit-rules/${egress.body.bandwidth_limit_rule.id}`)).status, 404, 'rules go with their policy');
    });

    it('validates rules as Neutron does, leaving nothing behind', async () => {
      const policy = await policyFor('validation');
      const base = `/v2.0/qos/policies/${policy.id}`;
      const bad = async (path: string, body: unknown, status = 400) => {
        const res = await t.admin.post(`${base}/${path}`, body);
        assert.equal(res.status, status, `${path} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
        return res;
      };
      await bad('bandwidth_limit_rules', { bandwidth_limit_rule: {} }); // max_kbps required
      await bad('bandwidth_limit_rules', { bandwidth_limit_rule: { max_kbps: -1 } });
      await bad('bandwidth_limit_rules', { bandwidth_limit_rule: { max_kbps: 2 ** 31 } });
      await bad('bandwidth_limit_rules', { bandwidth_limit_rule: { max_kbps: 1, direction: 'sideways' } });
      await bad('dscp_marking_rules', { dscp_marking_rule: { dscp_mark: 7 } });
      await bad('minimum_packet_rate_rules', { minimum_packet_rate_rule: { min_kpps: 1, direction: 'up' } });
      await bad('bandwidth_limit_rules', { bandwidth_limit_rule: { max_kbps: 1, id: 'x' } });
      const noPolicy = await t.admin.post('/v2.0/qos/policies/9b1c7d1e-7c1a-4a8e-9a55-3f2f8f0a0b11/bandwidth_limit_rules', { bandwidth_limit_rule: { max_kbps: 1 } });
      assert.equal(noPolicy.status, 404);
      assert.equal(noPolicy.body.NeutronError.type, 'QosPolicyNotFound');

      // DSCP: valid marks only, one per policy.
      assert.equal((await t.admin.post(`${base}/dscp_marking_rules`, { dscp_marking_rule: { dscp_mark: 44 } })).status, 201);
      const second = await bad('dscp_marking_rules', { dscp_marking_rule: { dscp_mark: 26 } }, 409);
      assert.equal(second.body.NeutronError.type, 'QoSRulesConflict');

      // Minimum bandwidth never above the limit (either order).
      assert.equal((await t.admin.post(`${base}/bandwidth_limit_rules`, { bandwidth_limit_rule: { max_kbps: 1000 } })).status, 201);
      const above = await bad('minimum_bandwidth_rules', { minimum_bandwidth_rule: { min_kbps: 2000 } }, 409);
      assert.equal(above.body.NeutronError.type, 'QoSRuleParameterConflict');
      const minimum = await t.admin.post(`${base}/minimum_bandwidth_rules`, { minimum_bandwidth_rule: { min_kbps: 500, direction: 'ingress' } });
      assert.equal(minimum.status, 201, JSON.stringify(minimum.body));
      assert.equal(minimum.body.minimum_bandwidth_rule.direction, 'ingress');

      // Minimum packet rate: `any` and directed rules never mix.
      assert.equal((await t.admin.post(`${base}/minimum_packet_rate_rules`, { minimum_packet_rate_rule: { min_kpps: 100, direction: 'any' } })).status, 201);
      const mixed = await bad('minimum_packet_rate_rules', { minimum_packet_rate_rule: { min_kpps: 100, direction: 'egress' } }, 409);
      assert.equal(mixed.body.NeutronError.type, 'QoSRuleParameterConflict');
      const pps = await t.admin.post(`${base}/packet_rate_limit_rules`, { packet_rate_limit_rule: { max_kpps: 1000, max_burst_kpps: 100 } });
      assert.equal(pps.status, 201, JSON.stringify(pps.body));
      assert.deepEqual(Object.keys(pps.body.packet_rate_limit_rule).sort(), ['direction', 'id', 'max_burst_kpps', 'max_kpps']);

      const rules = (await t.admin.get(base)).body.policy.rules;
      assert.deepEqual(rules.map((r: { type: string }) => r.type).sort(), ['bandwidth_limit', 'dscp_marking', 'minimum_bandwidth', 'minimum_packet_rate', 'packet_rate_limit']);
    });

    it('keeps one default policy per project and gives it to new networks', async () => {
      const first = await policyFor('default-a', { is_default: true });
      assert.equal(first.is_default, true);
      const second = await t.admin.post('/v2.0/qos/policies', { policy: { name: 'default-b', project_id: 'project-a', is_default: true } });
      assert.equal(second.status, 409);
      assert.equal(second.body.NeutronError.type, 'QoSPolicyDefaultAlreadyExists');
      const later = await policyFor('default-c');
      assert.equal((await t.admin.put(`/v2.0/qos/policies/${later.id}`, { policy: { is_default: true } })).status, 409);
      assert.deepEqual(ids((await member.get('/v2.0/qos/policies?is_default=true')).body.policies), [first.id]);

      const net = await member.post('/v2.0/networks', { network: { name: 'gets-default' } });
      assert.equal(net.status, 201, JSON.stringify(net.body));
      assert.equal(net.body.network.qos_policy_id, first.id);
      const explicit = await member.post('/v2.0/networks', { network: { name: 'explicit', qos_policy_id: later.id } });
      assert.equal(explicit.status, 201, JSON.stringify(explicit.body));
      assert.equal(explicit.body.network.qos_policy_id, later.id);
      const otherNet = await other.post('/v2.0/networks', { network: { name: 'no-default' } });
      assert.equal(otherNet.body.network.qos_policy_id, null);

      // Moving the default: unset it, then set another.
      assert.equal((await t.admin.put(`/v2.0/qos/policies/${first.id}`, { policy: { is_default: false } })).status, 200);
      assert.equal((await t.admin.put(`/v2.0/qos/policies/${later.id}`, { policy: { is_default: true } })).status, 200);
      for (const n of [net, explicit, otherNet]) await t.admin.del(`/v2.0/networks/${n.body.network.id}`);
      for (const p of [first, later]) assert.equal((await t.admin.del(`/v2.0/qos/policies/${p.id}`)).status, 204);
    });

    it('applies policies to networks, ports and floating IPs, and refuses deleting one in use', async () => {
      const policy = await policyFor('in-use');
      const net = (await member.post('/v2.0/networks', { network: { name: 'qos-net', qos_policy_id: policy.id } })).body.network;
      assert.equal(net.qos_policy_id, policy.id);
      const port = await member.post('/v2.0/ports', { port: { network_id: net.id } });
      assert.equal(port.status, 201, JSON.stringify(port.body));
      assert.equal(port.body.port.qos_policy_id, null);
      assert.equal(port.body.port.qos_network_policy_id, policy.id);

      const inUse = await t.admin.del(`/v2.0/qos/policies/${policy.id}`);
      assert.equal(inUse.status, 409);
      assert.equal(inUse.body.NeutronError.type, 'QosPolicyInUse');
      assert.match(inUse.body.NeutronError.message, new RegExp(`network ${net.id}`));

      const portPolicy = await policyFor('port-policy');
      const set = await member.put(`/v2.0/ports/${port.body.port.id}`, { port: { qos_policy_id: portPolicy.id } });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      assert.equal(set.body.port.qos_policy_id, portPolicy.id);
      assert.deepEqual(ids((await member.get(`/v2.0/ports?qos_policy_id=${portPolicy.id}`)).body.ports), [port.body.port.id]);
      assert.equal((await t.admin.del(`/v2.0/qos/policies/${portPolicy.id}`)).status, 409);

      // Another project's unshared policy is not found for the member.
      const foreign = (await t.admin.post('/v2.0/qos/policies', { policy: { name: 'foreign', project_id: 'project-b' } })).body.policy;
      const refused = await member.put(`/v2.0/ports/${port.body.port.id}`, { port: { qos_policy_id: foreign.id } });
      assert.equal(refused.status, 404);
      assert.equal(refused.body.NeutronError.type, 'QosPolicyNotFound');
      const refusedNet = await member.post('/v2.0/networks', { network: { qos_policy_id: foreign.id } });
      assert.equal(refusedNet.status, 404);
      assert.equal((await member.get('/v2.0/networks?name=')).body.networks.filter((n: { qos_policy_id: string }) => n.qos_policy_id === foreign.id).length, 0);

      // Floating IPs (qos-fip).
      const ext = (await t.admin.post('/v2.0/networks', { network: { name: 'ext', 'router:external': true } })).body.network;
      await t.admin.post('/v2.0/subnets', { subnet: { network_id: ext.id, cidr: '198.51.100.0/24', ip_version: 4 } });
      const fipPolicy = await policyFor('fip-policy');
      const fip = await member.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.id, qos_policy_id: fipPolicy.id } });
      assert.equal(fip.status, 201, JSON.stringify(fip.body));
      assert.equal(fip.body.floatingip.qos_policy_id, fipPolicy.id);
      const fipInUse = await t.admin.del(`/v2.0/qos/policies/${fipPolicy.id}`);
      assert.equal(fipInUse.status, 409);
      assert.match(fipInUse.body.NeutronError.message, /used by fip/);
      const cleared = await member.put(`/v2.0/floatingips/${fip.body.floatingip.id}`, { floatingip: { qos_policy_id: null } });
      assert.equal(cleared.body.floatingip.qos_policy_id, null);
      assert.equal((await t.admin.del(`/v2.0/qos/policies/${fipPolicy.id}`)).status, 204);

      // Released everywhere, the policies can go.
      await member.put(`/v2.0/ports/${port.body.port.id}`, { port: { qos_policy_id: null } });
      await member.put(`/v2.0/networks/${net.id}`, { network: { qos_policy_id: null } });
      for (const p of [policy, portPolicy, foreign]) assert.equal((await t.admin.del(`/v2.0/qos/policies/${p.id}`)).status, 204);
      await t.admin.del(`/v2.0/floatingips/${fip.body.floatingip.id}`);
      await member.del(`/v2.0/ports/${port.body.port.id}`);
      await member.del(`/v2.0/networks/${net.id}`);
    });

    it('shares policies through RBAC (shared flag and per-project grants)', async () => {
      const policy = await policyFor('to-share');
      await t.admin.post(`/v2.0/qos/policies/${policy.id}/bandwidth_limit_rules`, { bandwidth_limit_rule: { max_kbps: 100 } });
      assert.equal((await other.get(`/v2.0/qos/policies/${policy.id}`)).status, 404);

      const grant = await t.admin.post('/v2.0/rbac-policies', { rbac_policy: { object_type: 'qos_policy', object_id: policy.id, action: 'access_as_shared', target_tenant: 'project-b' } });
      assert.equal(grant.status, 201, JSON.stringify(grant.body));
      const seen = await other.get(`/v2.0/qos/policies/${policy.id}`);
      assert.equal(seen.status, 200);
      assert.equal(seen.body.policy.shared, true, 'shared as the grantee sees it');
      assert.equal(seen.body.policy.rules.length, 1, 'rules come with the policy');
      assert.equal((await member.get(`/v2.0/qos/policies/${policy.id}`)).body.policy.shared, false, 'not shared with everyone');
      assert.ok(ids((await other.get('/v2.0/qos/policies')).body.policies).includes(policy.id));

      // The grantee uses it; withdrawing the grant is then refused.
      const net = (await other.post('/v2.0/networks', { network: { name: 'b-net', qos_policy_id: policy.id } })).body.network;
      assert.equal(net.qos_policy_id, policy.id);
      const withdraw = await t.admin.del(`/v2.0/rbac-policies/${grant.body.rbac_policy.id}`);
      assert.equal(withdraw.status, 409);
      assert.equal(withdraw.body.NeutronError.type, 'RbacPolicyInUse');
      await other.del(`/v2.0/networks/${net.id}`);
      assert.equal((await t.admin.del(`/v2.0/rbac-policies/${grant.body.rbac_policy.id}`)).status, 204);
      assert.equal((await other.get(`/v2.0/qos/policies/${policy.id}`)).status, 404);

      // shared=True is a `*` grant.
      const shared = await t.admin.put(`/v2.0/qos/policies/${policy.id}`, { policy: { shared: true } });
      assert.equal(shared.body.policy.shared, true);
      const wildcard = (await t.admin.get(`/v2.0/rbac-policies?object_id=${policy.id}`)).body.rbac_policies;
      assert.deepEqual(wildcard.map((p: { target_tenant: string; object_type: string }) => [p.object_type, p.target_tenant]), [['qos_policy', '*']]);
      assert.ok(ids((await other.get('/v2.0/qos/policies?shared=true')).body.policies).includes(policy.id));
      assert.equal((await t.admin.put(`/v2.0/qos/policies/${policy.id}`, { policy: { shared: false } })).status, 200);
      assert.equal((await other.get(`/v2.0/qos/policies/${policy.id}`)).status, 404);
      assert.equal((await t.admin.del(`/v2.0/qos/policies/${policy.id}`)).status, 204);
      assert.equal((await t.admin.get(`/v2.0/rbac-policies?object_id=${policy.id}`)).body.rbac_policies.length, 0, 'grants go with the policy');
    });

    it("follows Neutron's default policy rules for admin, member, reader and other projects", async () => {
      // Only admins manage policies and rules.
      for (const caller of [member, reader, other]) {
        const res = await caller.post('/v2.0/qos/policies', { policy: { name: 'mine' } });
        assert.equal(res.status, 403);
        assert.equal(res.body.NeutronError.type, 'PolicyNotAuthorized');
      }
      const policy = await policyFor('personas');
      const rule = (await t.admin.post(`/v2.0/qos/policies/${policy.id}/bandwidth_limit_rules`, { bandwidth_limit_rule: { max_kbps: 100 } })).body.bandwidth_limit_rule;
      const rulePath = `/v2.0/qos/policies/${policy.id}/bandwidth_limit_rules/${rule.id}`;

      // The owner project's member and reader read the policy and its rules, but change nothing.
      for (const caller of [member, reader]) {
        assert.equal((await caller.get(`/v2.0/qos/policies/${policy.id}`)).status, 200);
        assert.equal((await caller.get(rulePath)).status, 200);
        assert.equal((await caller.get(`/v2.0/qos/alias-bandwidth-limit-rules/${rule.id}`)).status, 200);
        assert.equal((await caller.put(`/v2.0/qos/policies/${policy.id}`, { policy: { name: 'x' } })).status, 403);
        assert.equal((await caller.del(`/v2.0/qos/policies/${policy.id}`)).status, 403);
        assert.equal((await caller.post(`/v2.0/qos/policies/${policy.id}/bandwidth_limit_rules`, { bandwidth_limit_rule: { max_kbps: 1, direction: 'ingress' } })).status, 403);
        assert.equal((await caller.put(rulePath, { bandwidth_limit_rule: { max_kbps: 1 } })).status, 403);
        assert.equal((await caller.del(rulePath)).status, 403);
        assert.equal((await caller.put(`/v2.0/qos/alias-bandwidth-limit-rules/${rule.id}`, { alias_bandwidth_limit_rule: { max_kbps: 1 } })).status, 403);
        assert.equal((await caller.del(`/v2.0/qos/alias-bandwidth-limit-rules/${rule.id}`)).status, 403);
      }
      // Another project sees nothing of it.
      assert.equal((await other.get(`/v2.0/qos/policies/${policy.id}`)).status, 404);
      assert.ok(!ids((await other.get('/v2.0/qos/policies')).body.policies).includes(policy.id));
      assert.equal((await other.get(rulePath)).status, 404);
      assert.equal((await other.get(`/v2.0/qos/policies/${policy.id}/bandwidth_limit_rules`)).status, 404);
      assert.equal((await other.get(`/v2.0/qos/alias-bandwidth-limit-rules/${rule.id}`)).status, 404);
      assert.equal((await other.put(rulePath, { bandwidth_limit_rule: { max_kbps: 1 } })).status, 404);
      assert.equal((await other.del(`/v2.0/qos/policies/${policy.id}`)).status, 404);
      // The rule is unchanged.
      assert.equal((await t.admin.get(rulePath)).body.bandwidth_limit_rule.max_kbps, 100);
      // A reader cannot put a policy on a port (update_port needs a member).
      const net = (await member.post('/v2.0/networks', { network: { name: 'reader-net' } })).body.network;
      assert.equal((await reader.put(`/v2.0/networks/${net.id}`, { network: { qos_policy_id: policy.id } })).status, 403);
      await member.del(`/v2.0/networks/${net.id}`);
      assert.equal((await t.admin.del(`/v2.0/qos/policies/${policy.id}`)).status, 204);
    });

    it('serves rules by id through the alias API', async () => {
      const policy = await policyFor('alias');
      const made = async (path: string, member_: string, body: Record<string, unknown>) => {
        const res = await t.admin.post(`/v2.0/qos/policies/${policy.id}/${path}`, { [member_]: body });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        return res.body[member_].id as string;
      };
      const bw = await made('bandwidth_limit_rules', 'bandwidth_limit_rule', { max_kbps: 100 });
      const dscp = await made('dscp_marking_rules', 'dscp_marking_rule', { dscp_mark: 10 });
      const minBw = await made('minimum_bandwidth_rules', 'minimum_bandwidth_rule', { min_kbps: 10 });
      const minPps = await made('minimum_packet_rate_rules', 'minimum_packet_rate_rule', { min_kpps: 10 });

      const shown = await member.get(`/v2.0/qos/alias-bandwidth-limit-rules/${bw}`);
      assert.equal(shown.status, 200, JSON.stringify(shown.body));
      assert.equal(shown.body.alias_bandwidth_limit_rule.max_kbps, 100);
      assert.equal((await member.get(`/v2.0/qos/alias_dscp_marking_rules/${dscp}`)).body.alias_dscp_marking_rule.dscp_mark, 10);
      const updated = await t.admin.put(`/v2.0/qos/alias-minimum-bandwidth-rules/${minBw}`, { alias_minimum_bandwidth_rule: { min_kbps: 50 } });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      assert.equal(updated.body.alias_minimum_bandwidth_rule.min_kbps, 50);
      const conflict = await t.admin.put(`/v2.0/qos/alias-minimum-bandwidth-rules/${minBw}`, { alias_minimum_bandwidth_rule: { min_kbps: 500 } });
      assert.equal(conflict.status, 409, 'above the bandwidth limit');
      const invalid = await t.admin.put(`/v2.0/qos/alias-bandwidth-limit-rules/${bw}`, { alias_bandwidth_limit_rule: { max_kbps: 'fast' } });
      assert.equal(invalid.status, 400);
      assert.equal((await t.admin.get(`/v2.0/qos/alias-minimum-packet-rate-rules/${minPps}`)).body.alias_minimum_packet_rate_rule.min_kpps, 10);
      assert.equal((await t.admin.del(`/v2.0/qos/alias-minimum-packet-rate-rules/${minPps}`)).status, 204);
      const missing = await t.admin.get(`/v2.0/qos/alias-minimum-packet-rate-rules/${minPps}`);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.NeutronError.type, 'QosRuleNotFound');
      // A rule of another type is not found under this type's alias.
      assert.equal((await t.admin.get(`/v2.0/qos/alias-bandwidth-limit-rules/${dscp}`)).status, 404);
      assert.equal((await t.admin.get(`/v2.0/qos/policies/${policy.id}`)).body.policy.rules.length, 3);
      assert.equal((await t.admin.del(`/v2.0/qos/policies/${policy.id}`)).status, 204);
    });

    it('lists rule types with their filters and details', async () => {
      const all = await reader.get('/v2.0/qos/rule-types');
      assert.equal(all.status, 200);
      const types = all.body.rule_types.map((r: { type: string }) => r.type);
      // The backend in use declares which types it enforces; they are a subset of Neutrino's.
      for (const type of types) assert.ok(['bandwidth_limit', 'dscp_marking', 'minimum_bandwidth', 'minimum_packet_rate', 'packet_rate_limit'].includes(type));
      const implemented = (await reader.get('/v2.0/qos/rule-types?all_rules=true')).body.rule_types.map((r: { type: string }) => r.type).sort();
      assert.deepEqual(implemented, ['bandwidth_limit', 'dscp_marking', 'minimum_bandwidth', 'minimum_packet_rate', 'packet_rate_limit']);
      assert.deepEqual((await reader.get('/v2.0/qos/rule-types?all_supported=true')).body.rule_types.map((r: { type: string }) => r.type), types);
      assert.equal((await reader.get('/v2.0/qos/rule-types?all_rules=maybe')).status, 400);
      assert.equal((await reader.get('/v2.0/qos/rule-types?color=blue')).status, 400);

      assert.equal((await member.get('/v2.0/qos/rule-types/bandwidth_limit')).status, 403, 'details are for admins');
      const details = await t.admin.get('/v2.0/qos/rule-types/bandwidth_limit');
      assert.equal(details.status, 200);
      assert.equal(details.body.rule_type.type, 'bandwidth_limit');
      if (types.includes('bandwidth_limit')) {
        const [driver] = details.body.rule_type.drivers;
        const params = Object.fromEntries(driver.supported_parameters.map((p: { parameter_name: string }) => [p.parameter_name, p]));
        assert.deepEqual(params.max_kbps, { parameter_name: 'max_kbps', parameter_type: 'range', parameter_values: { start: 0, end: 2147483647 } });
        assert.deepEqual(params.direction.parameter_values, ['ingress', 'egress']);
      } else {
        assert.deepEqual(details.body.rule_type.drivers, []);
      }
      assert.equal((await t.admin.get('/v2.0/qos/rule-types/teleport')).status, 404);
    });

    it('computes resource requests of ports from minimum rules, for admins only', async () => {
      const policy = await policyFor('minimums');
      const minBw = (await t.admin.post(`/v2.0/qos/policies/${policy.id}/minimum_bandwidth_rules`, { minimum_bandwidth_rule: { min_kbps: 1000 } })).body.minimum_bandwidth_rule;
      const minPps = (await t.admin.post(`/v2.0/qos/policies/${policy.id}/minimum_packet_rate_rules`, { minimum_packet_rate_rule: { min_kpps: 20, direction: 'any' } })).body.minimum_packet_rate_rule;
      const physnet = await t.admin.post('/v2.0/networks', {
        network: { name: 'phys', project_id: 'project-a', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 1100 },
      });
      assert.equal(physnet.status, 201, JSON.stringify(physnet.body));
      const port = await t.admin.post('/v2.0/ports', { port: { network_id: physnet.body.network.id, project_id: 'project-a', qos_policy_id: policy.id, 'binding:vnic_type': 'direct' } });
      assert.equal(port.status, 201, JSON.stringify(port.body));
      const request = port.body.port.resource_request;
      assert.equal(request.request_groups.length, 2);
      const [bw, pps] = request.request_groups;
      assert.deepEqual(bw.required, ['CUSTOM_PHYSNET_PHYSNET1', 'CUSTOM_VNIC_TYPE_DIRECT']);
      assert.deepEqual(bw.resources, { NET_BW_EGR_KILOBIT_PER_SEC: 1000 });
      assert.deepEqual(pps.required, ['CUSTOM_VNIC_TYPE_DIRECT']);
      assert.deepEqual(pps.resources, { NET_PACKET_RATE_KILOPACKET_PER_SEC: 20 });
      assert.deepEqual(request.same_subtree, [bw.id, pps.id]);
      // Stable ids: a UUIDv5 of the rule ids in the port's namespace (the same on every read).
      assert.match(bw.id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.notEqual(bw.id, pps.id);
      assert.deepEqual((await t.admin.get(`/v2.0/ports/${port.body.port.id}`)).body.port.resource_request, request);
      void minBw;
      void minPps;

      // Not for the port's own project (get_port:resource_request is admin only).
      const asOwner = (await member.get(`/v2.0/ports/${port.body.port.id}`)).body.port;
      assert.ok(!('resource_request' in asOwner));
      // A port without a policy requests nothing.
      const plain = await t.admin.post('/v2.0/ports', { port: { network_id: physnet.body.network.id } });
      assert.equal(plain.body.port.resource_request, null);

      // Minimum rules of a policy a VM's port uses cannot change (Zed: 501).
      await t.admin.put(`/v2.0/ports/${port.body.port.id}`, { port: { device_owner: 'compute:nova', device_id: 'vm-1' } });
      const change = await t.admin.put(`/v2.0/qos/policies/${policy.id}/minimum_bandwidth_rules/${minBw.id}`, { minimum_bandwidth_rule: { min_kbps: 10 } });
      assert.equal(change.status, 501, JSON.stringify(change.body));
      await t.admin.del(`/v2.0/ports/${port.body.port.id}`);
      await t.admin.del(`/v2.0/ports/${plain.body.port.id}`);
      await t.admin.del(`/v2.0/networks/${physnet.body.network.id}`);
      assert.equal((await t.admin.del(`/v2.0/qos/policies/${policy.id}`)).status, 204);
    });
  });
}
