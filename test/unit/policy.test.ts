// The policy engine: oslo.policy check-string parsing and evaluation, Neutron's default
// rules for the personas, and policy-file overrides.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeContext } from '../../src/foundation/context.ts';
import { parseCheck, CheckSyntaxError } from '../../src/policy/check.ts';
import { createPolicy, RulePolicy } from '../../src/policy/index.ts';
import { loadFeatures, policyRulesOf } from '../../src/framework/discovery.ts';

// Neutron's default rules: the generic ones and every feature's (src/extensions/*/policy).
const featureRules = policyRulesOf(await loadFeatures());

const member = (project = 'p1') => makeContext({ projectId: project, roles: ['member'] });
const reader = (project = 'p1') => makeContext({ projectId: project, roles: ['reader'] });
const admin = makeContext({ projectId: 'admin-project', roles: ['admin'] });

describe('check strings', () => {
  it('parses precedence: not > and > or, with parentheses', () => {
    assert.deepEqual(parseCheck('role:a or role:b and not role:c'), {
      kind: 'or',
      checks: [
        { kind: 'role', role: 'a' },
        { kind: 'and', checks: [{ kind: 'role', role: 'b' }, { kind: 'not', check: { kind: 'role', role: 'c' } }] },
      ],
    });
    assert.deepEqual(parseCheck('(role:a or role:b) and role:c'), {
      kind: 'and',
      checks: [{ kind: 'or', checks: [{ kind: 'role', role: 'a' }, { kind: 'role', role: 'b' }] }, { kind: 'role', role: 'c' }],
    });
    assert.deepEqual(parseCheck('((@))'), { kind: 'true' });
    assert.deepEqual(parseCheck(''), { kind: 'true' });
    assert.deepEqual(parseCheck('field:networks:router:external=True'), { kind: 'field', resource: 'networks', attribute: 'router:external', value: true });
    assert.deepEqual(parseCheck('tenant_id:%(network:tenant_id)s)'.slice(0, -1)), { kind: 'generic', left: 'tenant_id', right: '%(network:tenant_id)s' });
  });

  it('rejects malformed check strings', () => {
    for (const bad of ['(role:a', 'role:a or', 'and role:a', 'role:a role:b', 'justaword', 'field:networks:shared']) {
      assert.throws(() => parseCheck(bad), CheckSyntaxError, bad);
    }
    assert.throws(() => new RulePolicy({ broken: 'role:a or' }), /policy rule broken/);
  });

  it('evaluates roles, @, !, boolean logic and rule references', () => {
    const p = new RulePolicy({ a: 'role:A', b: '!', c: 'rule:a and not rule:b', d: '@', e: 'rule:b or (rule:a and role:x)' });
    const ctx = makeContext({ projectId: 'p', roles: ['a'] });
    assert.equal(p.enforce(ctx, 'a', {}), true, 'roles compare case-insensitively');
    assert.equal(p.enforce(ctx, 'b', {}), false);
    assert.equal(p.enforce(ctx, 'c', {}), true);
    assert.equal(p.enforce(ctx, 'd', {}), true);
    assert.equal(p.enforce(ctx, 'e', {}), false);
    assert.equal(p.enforce(makeContext({ projectId: 'p', roles: ['a', 'x'] }), 'e', {}), true);
  });

  it('compares credentials with target values, including parents and nested keys', () => {
    const p = new RulePolicy({
      owner: 'project_id:%(project_id)s',
      legacy: 'tenant_id:%(tenant_id)s',
      net_owner: 'tenant_id:%(network:tenant_id)s',
      nested: 'tenant_id:%(network.tenant_id)s',
      admin_flag: 'is_admin:True',
      literal: "project_id:'p1'",
    });
    const ctx = member('p1');
    assert.equal(p.enforce(ctx, 'owner', { project_id: 'p1' }), true);
    assert.equal(p.enforce(ctx, 'owner', { project_id: 'p2' }), false);
    assert.equal(p.enforce(ctx, 'owner', {}), false, 'a missing target key never matches');
    assert.equal(p.enforce(ctx, 'legacy', { tenant_id: 'p1' }), true);
    assert.equal(p.enforce(ctx, 'net_owner', { 'network:tenant_id': 'p1' }), true);
    assert.equal(p.enforce(ctx, 'net_owner', { 'network:tenant_id': 'p2' }), false);
    assert.equal(p.enforce(ctx, 'nested', { network: { tenant_id: 'p1' } }), true);
    assert.equal(p.enforce(ctx, 'admin_flag', {}), false);
    assert.equal(p.enforce(admin, 'admin_flag', {}), true);
    assert.equal(p.enforce(ctx, 'literal', {}), true);
    const noProject = makeContext({ roles: ['member'] });
    assert.equal(p.enforce(noProject, 'owner', { project_id: null }), false, 'None never equals None');
  });

  it('evaluates field checks on the target or its parent network, with regexes', () => {
    const p = new RulePolicy({ shared: 'field:networks:shared=True', device: 'field:port:device_owner=~^network:', wildcard: 'field:rbac_policy:target_tenant=*' });
    const ctx = member();
    assert.equal(p.enforce(ctx, 'shared', { shared: true }), true);
    assert.equal(p.enforce(ctx, 'shared', { shared: false }), false);
    assert.equal(p.enforce(ctx, 'shared', { 'network:shared': true }), true, 'a subnet is shared when its network is');
    assert.equal(p.enforce(ctx, 'shared', { 'network:shared': false, shared: true }), false, 'the parent network decides for child resources');
    assert.equal(p.enforce(ctx, 'shared', {}), false);
    assert.equal(p.enforce(ctx, 'device', { device_owner: 'network:dhcp' }), true);
    assert.equal(p.enforce(ctx, 'device', { device_owner: 'compute:nova' }), false);
    assert.equal(p.enforce(ctx, 'wildcard', { target_tenant: '*' }), true);
    assert.equal(p.enforce(ctx, 'wildcard', { target_tenant: 'p2' }), false);
  });

  it('falls back to the default rule for unknown actions and stops rule cycles', () => {
    const p = new RulePolicy({ default: 'role:member', loop: 'rule:loop2', loop2: 'rule:loop' });
    assert.equal(p.enforce(member(), 'anything_at_all', {}), true);
    assert.equal(p.enforce(makeContext({ projectId: 'x', roles: ['other'] }), 'anything_at_all', {}), false);
    assert.equal(p.enforce(member(), 'loop', {}), false);
    assert.equal(new RulePolicy({}).enforce(admin, 'whatever', {}), false, 'no rule and no default denies');
  });
});

describe('Neutron default rules', () => {
  const policy = createPolicy('', featureRules);
  const net = (project: string, extra: Record<string, unknown> = {}) => ({ project_id: project, tenant_id: project, shared: false, 'router:external': false, ...extra });

  it('lets project members manage their own networks and readers only read them', () => {
    assert.equal(policy.enforce(member('p1'), 'create_network', net('p1')), true);
    assert.equal(policy.enforce(member('p1'), 'create_network', net('p2')), false);
    assert.equal(policy.enforce(reader('p1'), 'create_network', net('p1')), false);
    assert.equal(policy.enforce(reader('p1'), 'get_network', net('p1')), true);
    assert.equal(policy.enforce(reader('p1'), 'update_network', net('p1')), false);
    assert.equal(policy.enforce(reader('p1'), 'delete_network', net('p1')), false);
    assert.equal(policy.enforce(member('p1'), 'get_network', net('p2')), false);
    assert.equal(policy.enforce(member('p1'), 'get_network', net('p2', { shared: true })), true);
    assert.equal(policy.enforce(member('p1'), 'get_network', net('p2', { 'router:external': true })), true);
    assert.equal(policy.enforce(member('p1'), 'update_network', net('p2', { shared: true })), false);
    assert.equal(policy.enforce(admin, 'delete_network', net('p2')), true);
  });

  it('keeps operator attributes admin-only', () => {
    for (const action of ['create_network:shared', 'update_network:router:external', 'create_network:provider:network_type', 'get_network:segments', 'get_port:binding:vif_type', 'create_port:binding:host_id', 'create_subnet:segment_id']) {
      assert.ok(policy.hasRule(action), action);
      assert.equal(policy.enforce(member('p1'), action, net('p1')), false, action);
      assert.equal(policy.enforce(admin, action, net('p1')), true, action);
    }
    assert.equal(policy.hasRule('get_network:name'), false, 'unguarded attributes have no rule');
  });

  it('checks subnets and ports against their network owner', () => {
    const onOwnNet = { project_id: 'p1', network_id: 'n', 'network:tenant_id': 'p1', 'network:project_id': 'p1', 'network:shared': false };
    const onSharedNet = { project_id: 'p1', network_id: 'n', 'network:tenant_id': 'p2', 'network:project_id': 'p2', 'network:shared': true };
    assert.equal(policy.enforce(member('p1'), 'create_subnet', onOwnNet), true);
    assert.equal(policy.enforce(member('p1'), 'create_subnet', onSharedNet), false, 'only the network owner adds subnets');
    assert.equal(policy.enforce(member('p3'), 'get_subnet', { ...onSharedNet, project_id: 'p2' }), true, 'subnets of shared networks are readable');
    assert.equal(policy.enforce(member('p1'), 'create_port:fixed_ips:subnet_id', onSharedNet), true);
    assert.equal(policy.enforce(member('p1'), 'create_port:fixed_ips:ip_address', onSharedNet), false);
    assert.equal(policy.enforce(member('p1'), 'create_port:mac_address', onOwnNet), true);
    assert.equal(policy.enforce(member('p1'), 'create_port:device_owner', { ...onSharedNet, device_owner: 'network:router_interface' }), false);
    assert.equal(policy.enforce(member('p1'), 'create_port:device_owner', { ...onSharedNet, device_owner: 'compute:nova' }), true);
    assert.equal(policy.enforce(member('p2'), 'delete_port', { ...onSharedNet, project_id: 'p1' }), true, 'network owners may delete ports on their network');
  });

  it('lets only admins share with everyone', () => {
    assert.equal(policy.enforce(member('p1'), 'create_rbac_policy:target_tenant', { project_id: 'p1', target_tenant: '*' }), false);
    assert.equal(policy.enforce(member('p1'), 'create_rbac_policy:target_tenant', { project_id: 'p1', target_tenant: 'p2' }), true);
    assert.equal(policy.enforce(admin, 'create_rbac_policy:target_tenant', { project_id: 'p1', target_tenant: '*' }), true);
  });

  it('treats admin as member and reader, and member as reader (Keystone implied roles)', () => {
    const adminOfP1 = makeContext({ projectId: 'p1', roles: ['admin'] });
    assert.equal(policy.enforce(adminOfP1, 'get_rbac_policy', { project_id: 'p2' }), true);
    assert.equal(policy.enforce(makeContext({ projectId: 'p1', roles: ['member'] }), 'get_network', net('p1')), true);
  });
});

describe('policy files', () => {
  it('override defaults in YAML or JSON and keep the rest', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neutrino-policy-'));
    try {
      const yamlFile = path.join(dir, 'policy.yaml');
      fs.writeFileSync(yamlFile, '"create_network": "rule:admin_only"\n"get_network:name": "rule:admin_only"\n"some_unknown_rule": "role:x"\n');
      const p = createPolicy(yamlFile, featureRules);
      assert.equal(p.enforce(member('p1'), 'create_network', { project_id: 'p1' }), false);
      assert.equal(p.enforce(member('p1'), 'get_network:name', { project_id: 'p1' }), false);
      assert.equal(p.hasRule('get_network:name'), true);
      assert.equal(p.enforce(member('p1'), 'update_network', { project_id: 'p1' }), true, 'rules not in the file keep their defaults');
      const jsonFile = path.join(dir, 'policy.json');
      fs.writeFileSync(jsonFile, JSON.stringify({ context_is_admin: 'role:admin or role:superuser' }));
      const q = createPolicy(jsonFile, featureRules);
      assert.equal(q.enforce(makeContext({ projectId: 'p1', roles: ['superuser'] }), 'create_network:shared', {}), true, 'rules refer to overridden rules');
      fs.writeFileSync(jsonFile, JSON.stringify({ bad: 'role:a and' }));
      assert.throws(() => createPolicy(jsonFile, featureRules), /policy rule bad/);
      fs.writeFileSync(jsonFile, JSON.stringify({ bad: 3 }));
      assert.throws(() => createPolicy(jsonFile, featureRules), /not a check string/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
