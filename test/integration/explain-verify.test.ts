// explain's verify over HTTP (SQLite and PostgreSQL): with the noop backend it is refused
// (400 ReachabilityVerifyNotSupported, no verification channel for agents); with the linux
// backend the checks of a path go to the hosts' agents. Here the test is the agents, as a
// real one talks to the server (GET /v2.0/reachability/verifications long poll with the
// service role, POST the answer): the checks each host receives, what the explain answer
// makes of the answers (agreement, drift list), and who may use the channel. The real agent
// inspecting a real dataplane is test/dataplane/explain-verify.test.ts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type ApiClient, type TestServer } from '../helpers/server.ts';
import { networkWithSubnet } from '../helpers/l3.ts';

const EXPLAIN = '/v2.0/reachability/explain';
const POLL = '/v2.0/reachability/verifications';
const l2 = (host: string) => ({ agent_type: 'Linux bridge agent', binary: 'neutrino-agent', topic: 'N/A', host, configurations: { tunneling_ip: '192.0.2.1', interface_mappings: {} } });

for (const dialect of dialects()) {
  describe(`explain verify, noop backend (${dialect})`, () => {
    let t: TestServer;
    before(async () => (t = await startTestServer(dialect)));
    after(async () => t?.close());

    it('refuses verify and serves no verification channel', async () => {
      const net = await networkWithSubnet(t.client, '10.0.0.0/24');
      const a = (await t.client.post('/v2.0/ports', { port: { network_id: net.network.id } })).body.port;
      const b = (await t.client.post('/v2.0/ports', { port: { network_id: net.network.id } })).body.port;
      for (const as of [t.client, t.admin]) {
        const res = await as.post(EXPLAIN, { reachability: { source: { port_id: a.id }, destination: { port_id: b.id }, protocol: 'icmp', verify: true } });
        assert.equal(res.status, 400);
        assert.equal(res.body.NeutronError.type, 'ReachabilityVerifyNotSupported');
      }
      const plain = await t.admin.post(EXPLAIN, { reachability: { source: { port_id: a.id }, destination: { port_id: b.id }, protocol: 'icmp', verify: false } });
      assert.equal(plain.status, 200);
      assert.equal(plain.body.reachability.verified, false);
      assert.equal(plain.body.reachability.verification, undefined);
      assert.equal((await t.admin.get(`${POLL}?host=h1&timeout=0`)).status, 404);
    });
  });

  describe(`explain verify, linux backend (${dialect})`, () => {
    let t: TestServer;
    let service: ApiClient;
    let a: any; // on h1
    let b: any; // on h2, its default group admits ICMP from the default group (remote group)
    before(async () => {
      t = await startTestServer(dialect, { 'backend.driver': 'linux' });
      service = t.admin.as({ project: 'services', roles: 'service' });
      assert.equal((await service.post('/v2.0/agent-reports', { agents: [l2('h1'), l2('h2')] })).status, 200);
      const net = await networkWithSubnet(t.client, '10.0.0.0/24');
      a = (await t.admin.post('/v2.0/ports', { port: { network_id: net.network.id, project_id: 'project-a', 'binding:host_id': 'h1' } })).body.port;
      b = (await t.admin.post('/v2.0/ports', { port: { network_id: net.network.id, project_id: 'project-a', 'binding:host_id': 'h2' } })).body.port;
      assert.equal(b['binding:vif_type'], 'tap');
    });
    after(async () => t?.close());

    /** Plays host's agent once: takes its pending checks and answers each with answer(check). */
    const agent = async (host: string, answer: (check: any) => { status: string; dataplane: string } | null) => {
      const polled = await service.get(`${POLL}?host=${host}&timeout=20`);
      assert.equal(polled.status, 200, JSON.stringify(polled.body));
      for (const v of polled.body.verifications) {
        const results = v.checks.map((c: any) => ({ id: c.id, ...answer(c) })).filter((r: any) => r.status);
        const res = await service.post(`${POLL}/${v.id}`, { verification: { host, results } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.accepted, true);
      }
      return polled.body.verifications as { id: string; checks: any[] }[];
    };

    it('sends each host the checks of its hops and reports agreement', async () => {
      const asked = t.admin.post(EXPLAIN, { reachability: { source: { port_id: a.id }, destination: { port_id: b.id }, protocol: 'icmp', verify: true } });
      const [h1, h2] = await Promise.all([agent('h1', () => ({ status: 'agrees', dataplane: 'seen' })), agent('h2', () => ({ status: 'agrees', dataplane: 'seen' }))]);
      const res = await asked;
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const r = res.body.reachability;
      assert.equal(r.verdict, 'reachable');
      // h1: the source port's egress rule; h2: the destination's ingress rule and its remote group's set.
      assert.deepEqual(h1[0].checks.map((c: any) => [c.kind, c.port_id, c.direction]), [['security_group_rule', a.id, 'egress']]);
      assert.deepEqual(h2[0].checks.map((c: any) => [c.kind, c.port_id]), [['security_group_rule', b.id], ['remote_group_member', b.id]]);
      const ingress = r.forward.findIndex((h: any) => h.kind === 'ingress_rule');
      assert.equal(h2[0].checks[0].id, `f${ingress}`);
      assert.equal(h2[0].checks[0].rule.id, r.forward[ingress].rule_id);
      assert.equal(h2[0].checks[1].address, a.fixed_ips[0].ip_address);
      assert.equal(r.verified, true);
      assert.equal(r.verification.backend, 'linux');
      assert.equal(r.verification.agreement, true);
      assert.deepEqual(r.verification.drift, []);
      assert.deepEqual(r.verification.hosts.map((h: any) => [h.host, h.state]).sort(), [['h1', 'answered'], ['h2', 'answered']]);
    });

    it('lists the drift a host reports, and an unanswered check makes agreement unknown', async () => {
      const asked = t.admin.post(EXPLAIN, { reachability: { source: { port_id: a.id }, destination: { port_id: b.id }, protocol: 'icmp', verify: true } });
      await Promise.all([
        agent('h1', () => ({ status: 'agrees', dataplane: 'seen' })),
        agent('h2', (c) => (c.kind === 'remote_group_member' ? { status: 'drift', dataplane: 'set rg-x-4 has 0 element(s)' } : { status: 'agrees', dataplane: 'seen' })),
      ]);
      const r = (await asked).body.reachability;
      assert.equal(r.verdict, 'reachable', 'intent is unchanged');
      assert.equal(r.verification.agreement, false);
      assert.deepEqual(r.verification.drift.map((c: any) => [c.kind, c.host, c.dataplane]), [['remote_group_member', 'h2', 'set rg-x-4 has 0 element(s)']]);
      assert.match(r.verification.drift[0].intent, new RegExp(a.fixed_ips[0].ip_address.replace(/\./g, '\\.')));

      // h2 answers only one of its two checks: the other is not_answered, agreement null.
      const again = t.admin.post(EXPLAIN, { reachability: { source: { port_id: a.id }, destination: { port_id: b.id }, protocol: 'icmp', verify: true } });
      await Promise.all([agent('h1', () => ({ status: 'agrees', dataplane: 'seen' })), agent('h2', (c) => (c.kind === 'security_group_rule' ? { status: 'agrees', dataplane: 'seen' } : null))]);
      const partial = (await again).body.reachability.verification;
      assert.equal(partial.agreement, null);
      assert.equal(partial.hosts.find((h: any) => h.host === 'h2').checks.find((c: any) => c.kind === 'remote_group_member').status, 'not_answered');
    });

    it('checks a port without a host as not_checked', async () => {
      const net = await networkWithSubnet(t.client, '10.9.0.0/24');
      const c = (await t.client.post('/v2.0/ports', { port: { network_id: net.network.id } })).body.port;
      const d = (await t.client.post('/v2.0/ports', { port: { network_id: net.network.id } })).body.port;
      const r = (await t.admin.post(EXPLAIN, { reachability: { source: { port_id: c.id }, destination: { port_id: d.id }, protocol: 'icmp', verify: true } })).body.reachability;
      const unplaced = r.verification.hosts.find((h: any) => h.state === 'no_agent');
      assert.ok(unplaced.checks.length >= 2);
      assert.ok(unplaced.checks.every((x: any) => x.status === 'not_checked'));
      assert.equal(r.verification.agreement, true, 'nothing contradicts intent (nothing could be checked on a host)');
    });

    it('is for admins; the channel for admins and the service role; answers are validated', async () => {
      const member = await t.client.post(EXPLAIN, { reachability: { source: { port_id: a.id }, destination: { port_id: b.id }, protocol: 'icmp', verify: true } });
      assert.equal(member.status, 403);
      assert.equal(member.body.NeutronError.type, 'PolicyNotAuthorized');
      assert.equal((await t.client.get(`${POLL}?host=h1&timeout=0`)).status, 403);
      assert.equal((await t.client.post(`${POLL}/x`, { verification: { host: 'h1', results: [] } })).status, 403);
      assert.equal((await service.get(`${POLL}?timeout=0`)).status, 400, 'a host is required');
      assert.equal((await service.get(`${POLL}?host=h1&timeout=-1`)).status, 400);
      assert.deepEqual((await service.get(`${POLL}?host=h1&timeout=0`)).body, { verifications: [] });
      assert.equal((await service.post(`${POLL}/x`, { verification: { host: 'h1', results: [{ id: 'f1', status: 'maybe' }] } })).status, 400);
      assert.equal((await service.post(`${POLL}/x`, { results: [] })).status, 400);
      // An answer to a request that is unknown (or already timed out) is accepted and ignored.
      const late = await service.post(`${POLL}/no-such-request`, { verification: { host: 'h1', results: [] } });
      assert.equal(late.status, 200);
      assert.equal(late.body.accepted, false);
    });
  });
}
