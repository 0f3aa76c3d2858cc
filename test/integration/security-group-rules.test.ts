// Security group rules through HTTP on SQLite and PostgreSQL: Neutron's conversions and
// validations, duplicates (also under concurrency), bulk, ownership, filters and quotas.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';

for (const dialect of dialects()) {
  describe(`security group rules (${dialect})`, () => {
    let t: TestServer;
    let sg: any;
    before(async () => {
      t = await startTestServer(dialect);
      sg = (await t.client.post('/v2.0/security-groups', { security_group: { name: 'rules' } })).body.security_group;
    });
    after(async () => t?.close());

    const create = (rule: Record<string, unknown>, client = t.client) => client.post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'ingress', ...rule } });
    const expectError = async (rule: Record<string, unknown>, status: number, type: string) => {
      const res = await create(rule);
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.NeutronError.type, type, JSON.stringify(res.body));
      return res;
    };

    it('creates a TCP rule with Neutron defaults and shows it inline in its group', async () => {
      const res = await create({ protocol: 'TCP', port_range_min: 22, port_range_max: '22', remote_ip_prefix: '10.0.0.5/24', description: 'ssh' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const rule = res.body.security_group_rule;
      assert.equal(rule.protocol, 'tcp');
      assert.equal(rule.ethertype, 'IPv4');
      assert.equal(rule.port_range_min, 22);
      assert.equal(rule.port_range_max, 22);
      assert.equal(rule.remote_ip_prefix, '10.0.0.5/24', 'the prefix is kept as given');
      assert.equal(rule.normalized_cidr, '10.0.0.0/24');
      assert.equal(rule.remote_group_id, null);
      assert.equal(rule.remote_address_group_id, null);
      assert.equal(rule.description, 'ssh');
      assert.equal(rule.project_id, 'project-a');
      assert.equal(rule.revision_number, 0);
      assert.equal(rule.fingerprint, undefined);
      assert.equal(rule.tags, undefined, 'rules have no tags');

      const group = (await t.client.get(`/v2.0/security-groups/${sg.id}`)).body.security_group;
      assert.ok(group.security_group_rules.some((r: any) => r.id === rule.id));
      assert.ok(group.revision_number > sg.revision_number, 'a new rule changes its group');

      const shown = await t.client.get(`/v2.0/security-group-rules/${rule.id}`);
      assert.equal(shown.status, 200);
      assert.deepEqual(shown.body.security_group_rule, rule);
    });

    it('converts protocols, ethertypes, prefixes and port ranges as Neutron does', async () => {
      const numbered = (await create({ protocol: 17, port_range_min: 53, port_range_max: 53 })).body.security_group_rule;
      assert.equal(numbered.protocol, '17');
      const any = (await create({ protocol: 'any', remote_ip_prefix: '192.168.7.9' })).body.security_group_rule;
      assert.equal(any.protocol, null);
      assert.equal(any.remote_ip_prefix, '192.168.7.9/32');
      const v6 = (await create({ ethertype: 'ipv6', protocol: 'icmp', remote_ip_prefix: '2001:DB8::1/64' })).body.security_group_rule;
      assert.equal(v6.ethertype, 'IPv6');
      assert.equal(v6.protocol, 'ipv6-icmp', 'legacy IPv6 ICMP names become ipv6-icmp');
      assert.equal(v6.remote_ip_prefix, '2001:db8::1/64');
      assert.equal(v6.normalized_cidr, '2001:db8::/64');
      const whole = (await create({ protocol: 'udp', port_range_min: 1, port_range_max: 65535, remote_ip_prefix: '172.16.0.0/12' })).body.security_group_rule;
      assert.equal(whole.port_range_min, null, 'the whole port range means no range');
      assert.equal(whole.port_range_max, null);
      const icmp = (await create({ protocol: 'icmp', port_range_min: 8, port_range_max: 0 })).body.security_group_rule;
      assert.equal(icmp.port_range_min, 8);
      assert.equal(icmp.port_range_max, 0);
      const typeOnly = await create({ protocol: 'icmp', port_range_min: 3 });
      assert.equal(typeOnly.status, 201);
      const egress = await create({ direction: 'egress', protocol: 'sctp', port_range_min: 100, port_range_max: 200 });
      assert.equal(egress.status, 201);
    });

    it('refuses invalid rules with Neutron error types', async () => {
      await expectError({ protocol: 'bogus' }, 400, 'SecurityGroupRuleInvalidProtocol');
      await expectError({ protocol: 256 }, 400, 'SecurityGroupRuleInvalidProtocol');
      await expectError({ ethertype: 'IPv5' }, 400, 'SecurityGroupRuleInvalidEtherType');
      await expectError({ protocol: 'tcp', port_range_min: 70000, port_range_max: 70000 }, 400, 'SecurityGroupInvalidPortValue');
      await expectError({ protocol: 'tcp', port_range_min: 0, port_range_max: 10 }, 400, 'SecurityGroupInvalidPortValue');
      await expectError({ protocol: 'tcp', port_range_min: 100, port_range_max: 10 }, 400, 'SecurityGroupInvalidPortRange');
      await expectError({ protocol: 'tcp', port_range_min: 100 }, 400, 'SecurityGroupInvalidPortRange');
      await expectError({ port_range_min: 80, port_range_max: 80 }, 400, 'SecurityGroupProtocolRequiredWithPorts');
      await expectError({ protocol: 'icmp', port_range_min: 256 }, 400, 'SecurityGroupInvalidIcmpValue');
      await expectError({ protocol: 'icmp', port_range_min: 8, port_range_max: 300 }, 400, 'SecurityGroupInvalidIcmpValue');
      await expectError({ protocol: 'icmp', port_range_max: 0 }, 400, 'SecurityGroupMissingIcmpType');
      await expectError({ protocol: 'gre', port_range_min: 1, port_range_max: 2 }, 400, 'SecurityGroupInvalidProtocolForPort');
      await expectError({ ethertype: 'IPv4', remote_ip_prefix: '2001:db8::/64' }, 400, 'SecurityGroupRuleParameterConflict');
      await expectError({ ethertype: 'IPv6', remote_ip_prefix: '10.0.0.0/8' }, 400, 'SecurityGroupRuleParameterConflict');
      await expectError({ ethertype: 'IPv4', protocol: 'ipv6-icmp' }, 400, 'SecurityGroupEthertypeConflictWithProtocol');
      await expectError({ remote_ip_prefix: '10.0.0.0/33' }, 400, 'InvalidCIDR');
      await expectError({ remote_ip_prefix: 'nope' }, 400, 'InvalidCIDR');
      await expectError({ remote_ip_prefix: '10.0.0.0/8', remote_group_id: sg.id }, 400, 'SecurityGroupMultipleRemoteEntites');
      await expectError({ direction: 'sideways' }, 400, 'HTTPBadRequest');
      await expectError({ remote_group_id: '6f9a6d4c-3c3a-4d5e-9d57-7b0b3c1d2e3f' }, 404, 'SecurityGroupNotFound');
      await expectError({ security_group_id: '6f9a6d4c-3c3a-4d5e-9d57-7b0b3c1d2e3f' }, 404, 'SecurityGroupNotFound');
      const missing = await t.client.post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg.id } });
      assert.equal(missing.status, 400, 'direction is required');
    });

    it('refuses duplicates, naming the existing rule; protocols compare by number', async () => {
      const first = (await create({ protocol: 'tcp', port_range_min: 443, port_range_max: 443 })).body.security_group_rule;
      const dup = await expectError({ protocol: '6', port_range_min: 443, port_range_max: 443, description: 'other' }, 409, 'SecurityGroupRuleExists');
      assert.match(dup.body.NeutronError.message, new RegExp(`Rule id is ${first.id}`));
      // 0.0.0.0/0 is the same remote as none.
      const open = (await create({ protocol: 'tcp', port_range_min: 8443, port_range_max: 8443 })).body.security_group_rule;
      const same = await expectError({ protocol: 'tcp', port_range_min: 8443, port_range_max: 8443, remote_ip_prefix: '0.0.0.0/0' }, 409, 'SecurityGroupRuleExists');
      assert.match(same.body.NeutronError.message, new RegExp(open.id));
      // A different direction is a different rule.
      assert.equal((await create({ direction: 'egress', protocol: 'tcp', port_range_min: 443, port_range_max: 443 })).status, 201);
    });

    it('creates rules in bulk, all or nothing', async () => {
      const tcp = (port: number, groupId = sg.id) => ({ security_group_id: groupId, direction: 'ingress', protocol: 'tcp', port_range_min: port, port_range_max: port });
      const bulk = (rules: unknown[]) => t.client.post('/v2.0/security-group-rules', { security_group_rules: rules });
      const created = await bulk([tcp(1000), tcp(1001)]);
      assert.equal(created.status, 201);
      assert.equal(created.body.security_group_rules.length, 2);

      const count = async () => (await t.client.get(`/v2.0/security-group-rules?security_group_id=${sg.id}`)).body.security_group_rules.length;
      const before = await count();
      const dupInPost = await bulk([tcp(2000), tcp(2000)]);
      assert.equal(dupInPost.status, 409);
      assert.equal(dupInPost.body.NeutronError.type, 'DuplicateSecurityGroupRuleInPost');
      const badSecond = await bulk([tcp(2001), { ...tcp(2002), protocol: 'bogus' }]);
      assert.equal(badSecond.status, 400);
      assert.equal(await count(), before, 'failed bulk creates leave nothing behind');

      const other = (await t.client.post('/v2.0/security-groups', { security_group: { name: 'other' } })).body.security_group;
      const twoGroups = await bulk([tcp(2003), tcp(2003, other.id)]);
      assert.equal(twoGroups.status, 400);
      assert.equal(twoGroups.body.NeutronError.type, 'SecurityGroupNotSingleGroupRules');
    });

    it('answers concurrent creates without errors: distinct rules all succeed, one duplicate wins', async () => {
      const target = (await t.client.post('/v2.0/security-groups', { security_group: { name: 'concurrent' } })).body.security_group;
      const distinct = await Promise.all(
        Array.from({ length: 32 }, (_, i) =>
          t.client.post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: target.id, direction: 'ingress', protocol: 'tcp', port_range_min: 3000 + i, port_range_max: 3000 + i } }),
        ),
      );
      assert.deepEqual(distinct.map((r) => r.status), Array(32).fill(201));
      assert.equal(new Set(distinct.map((r) => r.body.security_group_rule.id)).size, 32);

      const same = await Promise.all(
        Array.from({ length: 8 }, () =>
          t.client.post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: target.id, direction: 'ingress', protocol: 'udp', port_range_min: 4000, port_range_max: 4000 } }),
        ),
      );
      const statuses = same.map((r) => r.status).sort();
      assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
      const winner = same.find((r) => r.status === 201)!.body.security_group_rule.id;
      for (const r of same.filter((x) => x.status === 409)) {
        assert.equal(r.body.NeutronError.type, 'SecurityGroupRuleExists');
        assert.match(r.body.NeutronError.message, new RegExp(winner));
      }
      const rules = (await t.client.get(`/v2.0/security-group-rules?security_group_id=${target.id}`)).body.security_group_rules;
      assert.equal(rules.length, 2 + 32 + 1);
    });

    it('keeps rules to the group owner', async () => {
      const other = t.client.as({ project: 'project-b' });
      const res = await create({ protocol: 'tcp', port_range_min: 5000, port_range_max: 5000 }, other);
      assert.equal(res.status, 404);
      assert.equal(res.body.NeutronError.type, 'SecurityGroupNotFound');
      const mine = (await create({ protocol: 'tcp', port_range_min: 5001, port_range_max: 5001 })).body.security_group_rule;
      assert.equal((await other.get(`/v2.0/security-group-rules/${mine.id}`)).status, 404);
      assert.equal((await other.del(`/v2.0/security-group-rules/${mine.id}`)).status, 404);
      assert.ok(!(await other.get('/v2.0/security-group-rules')).body.security_group_rules.some((r: any) => r.id === mine.id));
      // A group of another project cannot be a rule's remote.
      const theirs = (await other.post('/v2.0/security-groups', { security_group: { name: 'theirs' } })).body.security_group;
      await expectError({ remote_group_id: theirs.id }, 404, 'SecurityGroupNotFound');
      // An admin may add rules to any group; the rule belongs to the group's project.
      const byAdmin = await t.admin.post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: theirs.id, direction: 'ingress', protocol: 'tcp', port_range_min: 5002, port_range_max: 5002 } });
      assert.equal(byAdmin.status, 201);
      assert.equal(byAdmin.body.security_group_rule.project_id, 'project-b');
    });

    it('filters, updates descriptions and deletes rules', async () => {
      const rule = (await create({ protocol: 'udp', port_range_min: 6000, port_range_max: 6001, description: 'a' })).body.security_group_rule;
      const byPort = await t.client.get(`/v2.0/security-group-rules?port_range_min=6000&protocol=udp`);
      assert.deepEqual(byPort.body.security_group_rules.map((r: any) => r.id), [rule.id]);
      const byDirection = await t.client.get(`/v2.0/security-group-rules?security_group_id=${sg.id}&direction=egress&ethertype=IPv6`);
      assert.ok(byDirection.body.security_group_rules.length >= 1);
      for (const r of byDirection.body.security_group_rules) assert.equal(r.ethertype, 'IPv6');
      const byCidr = await t.client.get(`/v2.0/security-group-rules?normalized_cidr=10.0.0.0/24`);
      assert.equal(byCidr.body.security_group_rules.length, 1);
      const bad = await t.client.get(`/v2.0/security-group-rules?fingerprint=x`);
      assert.equal(bad.status, 400);

      const updated = await t.client.put(`/v2.0/security-group-rules/${rule.id}`, { security_group_rule: { description: 'b' } });
      assert.equal(updated.status, 200);
      assert.equal(updated.body.security_group_rule.description, 'b');
      const readOnly = await t.client.put(`/v2.0/security-group-rules/${rule.id}`, { security_group_rule: { port_range_min: 1 } });
      assert.equal(readOnly.status, 400);

      assert.equal((await t.client.del(`/v2.0/security-group-rules/${rule.id}`)).status, 204);
      const gone = await t.client.get(`/v2.0/security-group-rules/${rule.id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.NeutronError.type, 'SecurityGroupRuleNotFound');
      // The same rule may be created again once deleted.
      assert.equal((await create({ protocol: 'udp', port_range_min: 6000, port_range_max: 6001 })).status, 201);
    });

    it('deletes rules naming a deleted group as their remote', async () => {
      const remote = (await t.client.post('/v2.0/security-groups', { security_group: { name: 'remote' } })).body.security_group;
      const rule = (await create({ remote_group_id: remote.id, protocol: 'tcp', port_range_min: 7000, port_range_max: 7000 })).body.security_group_rule;
      assert.equal((await t.client.del(`/v2.0/security-groups/${remote.id}`)).status, 204);
      assert.equal((await t.client.get(`/v2.0/security-group-rules/${rule.id}`)).status, 404);
    });

    it('counts rules against the security_group_rule quota', async () => {
      const client = t.client.as({ project: 'project-rq' });
      const group = (await client.post('/v2.0/security-groups', { security_group: { name: 'q' } })).body.security_group;
      // default group (4 rules) + this group (2 rules) = 6 used.
      await t.admin.put('/v2.0/quotas/project-rq', { quota: { security_group_rule: 7 } });
      const ok = await client.post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: group.id, direction: 'ingress', protocol: 'tcp', port_range_min: 1, port_range_max: 1 } });
      assert.equal(ok.status, 201);
      const over = await client.post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: group.id, direction: 'ingress', protocol: 'tcp', port_range_min: 2, port_range_max: 2 } });
      assert.equal(over.status, 409);
      assert.equal(over.body.NeutronError.type, 'OverQuota');
    });
  });
}

for (const dialect of dialects()) {
  describe(`default security group rule template (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    const shape = (r: any) => `${r.direction}/${r.ethertype}/${r.protocol ?? '-'}/${r.port_range_min ?? '-'}/${r.remote_group_id ?? '-'}`;

    it('serves Neutron legacy defaults, readable by everyone', async () => {
      const res = await t.client.get('/v2.0/default-security-group-rules');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.default_security_group_rules.map(shape).sort(), ['egress/IPv4/-/-/-', 'egress/IPv6/-/-/-', 'ingress/IPv4/-/-/PARENT', 'ingress/IPv6/-/-/PARENT']);
      for (const r of res.body.default_security_group_rules) {
        assert.equal(r.used_in_default_sg, true);
        assert.equal(r.used_in_non_default_sg, r.direction === 'egress');
      }
    });

    it('applies template changes to groups created afterwards; only admins change it', async () => {
      const byMember = await t.client.post('/v2.0/default-security-group-rules', { default_security_group_rule: { direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22 } });
      assert.equal(byMember.status, 403);
      const ssh = await t.admin.post('/v2.0/default-security-group-rules', {
        default_security_group_rule: { direction: 'ingress', protocol: 'TCP', port_range_min: 22, port_range_max: 22, used_in_default_sg: false, used_in_non_default_sg: true, description: 'ssh' },
      });
      assert.equal(ssh.status, 201, JSON.stringify(ssh.body));
      assert.equal(ssh.body.default_security_group_rule.protocol, 'tcp');
      const dup = await t.admin.post('/v2.0/default-security-group-rules', { default_security_group_rule: { direction: 'ingress', protocol: '6', port_range_min: 22, port_range_max: 22 } });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.NeutronError.type, 'DefaultSecurityGroupRuleExists');
      const invalid = await t.admin.post('/v2.0/default-security-group-rules', { default_security_group_rule: { direction: 'ingress', protocol: 'icmp', port_range_max: 3 } });
      assert.equal(invalid.status, 400);
      assert.equal(invalid.body.NeutronError.type, 'SecurityGroupMissingIcmpType');

      const group = (await t.client.post('/v2.0/security-groups', { security_group: { name: 'from-template' } })).body.security_group;
      assert.deepEqual(group.security_group_rules.map(shape).sort(), ['egress/IPv4/-/-/-', 'egress/IPv6/-/-/-', 'ingress/IPv4/tcp/22/-']);
      for (const r of group.security_group_rules) assert.equal(r.belongs_to_default_sg, false);
      const [def] = (await t.client.get('/v2.0/security-groups?name=default')).body.security_groups;
      assert.equal(def.security_group_rules.length, 4, 'the ssh template rule is not used in default groups');
      for (const r of def.security_group_rules) assert.equal(r.belongs_to_default_sg, true);

      assert.equal((await t.client.del(`/v2.0/default-security-group-rules/${ssh.body.default_security_group_rule.id}`)).status, 403);
      assert.equal((await t.admin.del(`/v2.0/default-security-group-rules/${ssh.body.default_security_group_rule.id}`)).status, 204);
      const gone = await t.admin.get(`/v2.0/default-security-group-rules/${ssh.body.default_security_group_rule.id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.NeutronError.type, 'DefaultSecurityGroupRuleNotFound');
      const later = (await t.client.post('/v2.0/security-groups', { security_group: { name: 'after' } })).body.security_group;
      assert.equal(later.security_group_rules.length, 2);
    });
  });
}

if (dialects().includes('postgres')) {
  describe('security group rules: a duplicate racing its original (postgres)', () => {
    let t: TestServer;
    before(async () => {
      // Without a rule quota: a limit's lock would make the loser wait before its check.
      t = await startTestServer('postgres', { 'quotas.security_group_rule': -1 });
    });
    after(async () => t?.close());

    it('answers the loser SecurityGroupRuleExists with the winner id, even when its check ran before the winner committed', async () => {
      const app = t.service.app;
      const rules = app.services.get('security_group_rules')!;
      const ctx = { requestId: 'req-test', userId: null, projectId: 'project-a', roles: ['admin'], isAdmin: true };
      const group = (await t.client.post('/v2.0/security-groups', { security_group: { name: 'race' } })).body.security_group;
      const body = { security_group_id: group.id, direction: 'ingress', protocol: 'tcp', port_range_min: 7000, port_range_max: 7000 };
      // The winner inserts its rule and stays open; the loser checks (sees nothing committed), then waits on the unique key.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let inserted!: (id: string) => void;
      const winnerId = new Promise<string>((r) => (inserted = r));
      const winner = app.database.transaction(async (trx) => {
        app.feed.begin(trx);
        inserted((await rules.createIn(trx, ctx, { ...body })).id);
        await gate;
      });
      const id = await winnerId;
      const loser = rules.create(ctx, [{ ...body }]).then(
        () => assert.fail('the duplicate was created'),
        (err) => err,
      );
      await new Promise((r) => setTimeout(r, 300));
      release();
      await winner;
      const err = await loser;
      assert.equal(err.status, 409, String(err.stack));
      assert.equal(err.type, 'SecurityGroupRuleExists');
      assert.match(err.message, new RegExp(id));
    });
  });
}
