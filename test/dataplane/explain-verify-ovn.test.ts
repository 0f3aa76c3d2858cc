// explain's verify with the ovn backend: ovn-trace follows the path's packet through the
// logical flows northd computed from what Neutrino wrote, and its verdict is compared with
// intent's. Blocked and open paths on one network and across a router agree; then the ACL
// of the admitting rule is deleted from the northbound database by hand and verify reports
// the drift (intent: reachable; logical flows: not delivered). Resync is off, so the backend
// does not repair NB before verify looks. A private OVN (no chassis needed for ovn-trace).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startOvnEnv, ovnSupport, type OvnEnv } from './ovn-env.ts';
import { portGroupName } from '../../src/backends/ovn/names.ts';
import { formatAnswer } from '../../src/cli/explain.ts';

const skip = ovnSupport() ?? false;
const EXPLAIN = '/v2.0/reachability/explain';

describe('explain verify with the ovn backend (ovn-trace)', { skip }, () => {
  let env: OvnEnv;
  let net: any, net2: any, web: any, vm1: any, vm2: any, vm3: any, rule: any;
  const api = () => env.server.admin;
  const ok = async (p: Promise<any>, status = 201) => {
    const r = await p;
    assert.equal(r.status, status, JSON.stringify(r.body));
    return r.body;
  };
  const verify = async (src: any, dst: any, protocol: string, port?: number) =>
    (await ok(api().post(EXPLAIN, { reachability: { source: { port_id: src.id }, destination: { port_id: dst.id }, protocol, ...(port === undefined ? {} : { port }), verify: true } }), 200)).reachability;

  before(async () => {
    env = await startOvnEnv();
    const a = api();
    net = (await ok(a.post('/v2.0/networks', { network: { name: 'int' } }))).network;
    await ok(a.post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.0.0.0/24', ip_version: 4 } }));
    net2 = (await ok(a.post('/v2.0/networks', { network: { name: 'int2' } }))).network;
    const sub2 = (await ok(a.post('/v2.0/subnets', { subnet: { network_id: net2.id, cidr: '10.0.5.0/24', ip_version: 4 } }))).subnet;
    const sub1 = (await ok(a.get(`/v2.0/subnets?network_id=${net.id}`), 200)).subnets[0];
    const router = (await ok(a.post('/v2.0/routers', { router: { name: 'r1' } }))).router;
    for (const s of [sub1, sub2]) await ok(a.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: s.id }), 200);
    web = (await ok(a.post('/v2.0/security-groups', { security_group: { name: 'web' } }))).security_group;
    vm1 = (await ok(a.post('/v2.0/ports', { port: { network_id: net.id, name: 'vm1' } }))).port;
    vm2 = (await ok(a.post('/v2.0/ports', { port: { network_id: net.id, name: 'vm2', security_groups: [web.id] } }))).port;
    vm3 = (await ok(a.post('/v2.0/ports', { port: { network_id: net2.id, name: 'vm3' } }))).port;
    await env.settle();
  });

  after(async () => {
    await env?.close();
  });

  it('agrees on a path the default deny blocks', async () => {
    const r = await verify(vm1, vm2, 'tcp', 22);
    assert.equal(r.verdict, 'not_reachable');
    assert.equal(r.verification.backend, 'ovn');
    assert.equal(r.verification.trace.verdict, 'dropped', r.verification.trace.detail);
    assert.equal(r.verification.agreement, true, JSON.stringify(r.verification, null, 1));
  });

  it('agrees once a rule opens it, on one network and across the router', async () => {
    rule = (await ok(api().post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: web.id, direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '10.0.0.0/24' } }))).security_group_rule;
    await env.settle();
    const r = await verify(vm1, vm2, 'tcp', 22);
    assert.equal(r.verdict, 'reachable');
    assert.equal(r.verification.trace.verdict, 'delivered', r.verification.trace.detail);
    assert.equal(r.verification.agreement, true);
    assert.deepEqual(r.verification.drift, []);
    // Across the router (the first hop is the router interface's MAC): the default group admits its members.
    const routed = await verify(vm1, vm3, 'icmp');
    assert.equal(routed.verdict, 'reachable', JSON.stringify(routed.forward));
    assert.equal(routed.verification.trace.verdict, 'delivered', routed.verification.trace.detail);
    assert.equal(routed.verification.agreement, true);
    console.log(formatAnswer(routed));
  });

  it('reports drift when the ACL of the admitting rule is deleted from NB by hand', async () => {
    const acl = (await env.nbctl('--bare', '--columns=_uuid', 'find', 'ACL', `external_ids:"neutron:security_group_rule_id"="${rule.id}"`)).trim();
    assert.match(acl, /^[0-9a-f-]{36}$/, 'the rule has one ACL');
    await env.nbctl('--wait=sb', 'remove', 'Port_Group', portGroupName(web.id), 'acls', acl);
    const r = await verify(vm1, vm2, 'tcp', 22);
    assert.equal(r.verdict, 'reachable', 'intent is unchanged');
    assert.equal(r.verification.trace.verdict, 'dropped');
    assert.equal(r.verification.agreement, false);
    assert.deepEqual(r.verification.drift.map((c: any) => [c.id, c.kind, c.status]), [['trace', 'path', 'drift']]);
    assert.match(r.verification.drift[0].dataplane, /drop it in ls_out_acl/, "the stage that drops it: the destination port's egress-pipeline ACLs");
    console.log(formatAnswer(r));
  });
});
