// Rules evaluated once per distinct combination of the target keys they read must give
// exactly the answers of evaluating every target.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeContext } from '../../src/foundation/context.ts';
import { createPolicy, RulePolicy } from '../../src/policy/index.ts';
import { loadFeatures, policyRulesOf } from '../../src/framework/discovery.ts';

// Neutron's default rules: the generic ones and every feature's (src/extensions/*/policy).
const featureRules = policyRulesOf(await loadFeatures());
import { ParentFields, TargetBatch } from '../../src/framework/policy-targets.ts';
import type { Item } from '../../src/framework/repository.ts';

describe('keys a rule reads', () => {
  it('follows rule references, field checks (own and parent key), interpolations and dotted keys', () => {
    const p = new RulePolicy({
      owner: 'project_id:%(project_id)s',
      net_owner: 'tenant_id:%(network:tenant_id)s',
      nested: 'tenant_id:%(network.tenant_id)s',
      shared: 'field:networks:shared=True',
      role_of: 'role:%(role_name)s',
      combined: 'rule:owner or (rule:shared and not rule:nested) or rule:role_of or rule:combined',
      admin: 'role:admin',
    });
    assert.deepEqual(new Set(p.keysRead('combined')), new Set(['project_id', 'network:shared', 'shared', 'network.tenant_id', 'network', 'role_name']));
    assert.deepEqual(p.keysRead('net_owner'), ['network:tenant_id']);
    assert.deepEqual(p.keysRead('admin'), []);
  });

  it('uses the default rule for an undefined one', () => {
    const p = new RulePolicy({ default: 'project_id:%(project_id)s' });
    assert.deepEqual(p.keysRead('get_something'), ['project_id']);
  });
});

describe('TargetBatch.enforceEach', () => {
  const policy = createPolicy('', featureRules);
  const ports: Item[] = [];
  const networks = [
    { id: 'n1', tenant_id: 'p1', project_id: 'p1', shared: false },
    { id: 'n2', tenant_id: 'p2', project_id: 'p2', shared: true },
    { id: 'n3', tenant_id: 'p3', project_id: 'p3', shared: false },
  ];
  const prefixed = networks.map((n) => ParentFields.of('network', n));
  for (let i = 0; i < 60; i++) {
    const project = ['p1', 'p2', 'p3', null][i % 4];
    ports.push({ id: `port${i}`, project_id: project, tenant_id: project, network_id: networks[i % 3].id, device_owner: i % 5 === 0 ? 'network:dhcp' : 'compute:nova', 'binding:host_id': `h${i % 2}` });
  }
  const batch = () =>
    new TargetBatch(
      ports,
      ports.map((_, i) => prefixed[i % 3]),
      ports.map(() => undefined),
      ports.map(() => undefined),
    );

  it('answers as evaluating every full target does, for every caller and rule', () => {
    const callers = [
      makeContext({ projectId: 'p1', roles: ['member', 'reader'] }),
      makeContext({ projectId: 'p2', roles: ['reader'] }),
      makeContext({ projectId: 'p3', roles: ['advsvc'] }),
      makeContext({ projectId: 'p4', roles: ['admin'] }),
    ];
    const actions = ['get_port', 'update_port', 'delete_port', 'get_port:binding:host_id', 'create_port:device_owner', 'create_port:fixed_ips'];
    for (const ctx of callers) {
      for (const action of actions) {
        const b = batch();
        const expected = ports.map((_, i) => policy.enforce(ctx, action, b.target(i)));
        assert.deepEqual(batch().enforceEach(policy, ctx, action), expected, `${action} for ${ctx.projectId}`);
      }
    }
  });

  it('evaluates a rule once per distinct state of the keys it reads', () => {
    let evaluations = 0;
    const counting = Object.create(policy);
    counting.enforce = (...args: Parameters<typeof policy.enforce>) => {
      evaluations++;
      return policy.enforce(...args);
    };
    const ctx = makeContext({ projectId: 'p1', roles: ['reader'] });
    batch().enforceEach(counting, ctx, 'get_port:binding:host_id');
    assert.equal(evaluations, 1, 'an admin-only rule reads no key');
    evaluations = 0;
    batch().enforceEach(counting, ctx, 'get_port');
    // get_port reads the port's project and its network's owner: 4 projects × 3 networks, all met.
    assert.equal(evaluations, 12);
  });

  it('keeps flags over item fields over parent fields', () => {
    const b = new TargetBatch([{ shared: false, 'network:x': 'own' }], [ParentFields.of('network', { x: 'parent', y: 'parent' })], [new Set(['access_as_shared'])], [{ shared: true }]);
    assert.deepEqual(b.target(0), { shared: true, 'network:x': 'own', 'network:y': 'parent' });
    const p = new RulePolicy({ r: 'field:networks:shared=True', own: "tenant_id:%(network:x)s" });
    assert.deepEqual(b.enforceEach(p, makeContext({ projectId: 'own', roles: [] }), 'r'), [true]);
    assert.deepEqual(b.enforceEach(p, makeContext({ projectId: 'own', roles: [] }), 'own'), [true]);
  });

  it('reads parent fields as their prefixed object holds them: later parents win, null is a value, inherited names are not fields', () => {
    const fields = ParentFields.of('network', { tenant_id: 'p1', qos: null, 'router:external': true }).concat(ParentFields.of('ext_parent', { id: 'x' })).concat(ParentFields.of('network', { tenant_id: 'p2' }));
    assert.deepEqual(fields.fields(), { 'network:tenant_id': 'p2', 'network:qos': null, 'network:router:external': true, 'ext_parent:id': 'x' });
    const b = new TargetBatch([{ id: 'i' }], [fields], [undefined], [undefined]);
    const p = new RulePolicy({ owner: 'tenant_id:%(network:tenant_id)s', q: '%(network:qos)s:None', proto: 'tenant_id:%(network:toString)s' });
    const ctx = (projectId: string) => makeContext({ projectId, roles: [] });
    for (const [action, projectId] of [['owner', 'p2'], ['owner', 'p1'], ['q', 'p1'], ['proto', 'p1']] as const) {
      assert.equal(b.enforceEach(p, ctx(projectId), action)[0], p.enforce(ctx(projectId), action, b.target(0)), `${action} for ${projectId}`);
    }
    assert.deepEqual(b.enforceEach(p, ctx('p2'), 'owner'), [true]);
    assert.deepEqual(b.enforceEach(p, ctx('p1'), 'owner'), [false]);
  });

  it('gives an item that holds only project_id (being created) its tenant_id, for the owner rule and attribute rules falling back to default', () => {
    const p = new RulePolicy({ owner: 'tenant_id:%(tenant_id)s', default: 'rule:owner', 'create_thing:name': 'rule:owner' });
    const b = new TargetBatch([{ project_id: 'p1' }, { project_id: 'p2' }], [undefined, undefined], [undefined, undefined], [undefined, undefined]);
    const member = makeContext({ projectId: 'p1', roles: ['member'] });
    assert.deepEqual(b.enforceEach(p, member, 'create_thing:name'), [true, false]);
    assert.deepEqual(b.enforceEach(p, member, 'create_thing:size'), [true, false], 'an attribute without a rule of its own: default');
    assert.equal(b.target(0).tenant_id, 'p1');
    assert.equal(p.enforce(member, 'create_thing:size', b.target(0)), true);
    assert.equal(p.enforce(member, 'create_thing:size', b.target(1)), false);
  });
});
