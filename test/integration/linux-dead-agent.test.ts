// The linux backend when a host's L2 agent dies (no heartbeat for agents.agent_down_time):
// the ports realized there (ACTIVE, bound tap) go DOWN with the reason, shown to admins by
// GET /v2.0/status-reports; their binding stays; ports of live hosts are untouched; the
// agent's next report makes them ACTIVE again. On SQLite and PostgreSQL, no root needed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer, type ApiClient } from '../helpers/server.ts';

const l2 = (host: string) => ({ agent_type: 'Linux bridge agent', binary: 'neutrino-agent', topic: 'N/A', host, configurations: { tunneling_ip: '192.0.2.1' } });

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

for (const dialect of dialects()) {
  describe(`linux backend: a dead agent's ports go DOWN (${dialect})`, () => {
    let t: TestServer;
    let service: ApiClient;
    before(async () => {
      t = await startTestServer(dialect, { 'backend.driver': 'linux', 'agents.agent_down_time': 2 });
      service = t.admin.as({ project: 'service', roles: 'service' });
    });
    after(async () => t?.close());

    it('marks the ACTIVE ports of a dead L2 agent DOWN with the reason, keeps their binding, leaves live hosts alone; a report brings them back', async () => {
      assert.equal((await service.post('/v2.0/agent-reports', { agents: [l2('dying'), l2('living')] })).status, 200);
      const net = (await t.client.post('/v2.0/networks', { network: { name: 'n' } })).body.network;
      const port = async (host: string) => (await t.admin.post('/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': host } })).body.port;
      const onDying = await port('dying');
      const onLiving = await port('living');
      const neverUp = await port('dying');
      const report = (p: any, status: string) => service.post('/v2.0/status-reports', { reports: [{ resource: 'ports', id: p.id, revision: p.revision_number, status }] });
      for (const p of [onDying, onLiving]) assert.equal((await report(p, 'ACTIVE')).body.results[0].result, 'applied');
      const status = async (p: any) => (await t.admin.get(`/v2.0/ports/${p.id}`)).body.port;

      // 'living' keeps reporting, 'dying' stops.
      const heartbeat = setInterval(() => void service.post('/v2.0/agent-reports', { agents: [l2('living')] }), 400);
      try {
        const down = await until('the dead host\'s port DOWN', async () => {
          const p = await status(onDying);
          return p.status === 'DOWN' ? p : null;
        });
        assert.equal(down['binding:vif_type'], 'tap', 'the binding stays');
        assert.equal(down.revision_number, onDying.revision_number, 'a status report, not an update');
        const reports = (await t.admin.get(`/v2.0/status-reports?resource=ports&id=${onDying.id}`)).body.status_reports;
        assert.equal(reports.length, 1);
        assert.match(reports[0].reason, /^the Linux bridge agent on host dying is dead \(last heartbeat \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)$/);
        assert.equal((await status(onLiving)).status, 'ACTIVE', 'a live host\'s port is left alone');
        assert.equal((await status(neverUp)).status, 'DOWN');
        assert.deepEqual((await t.admin.get(`/v2.0/status-reports?resource=ports&id=${neverUp.id}`)).body.status_reports, [], 'a port that was not ACTIVE gets no report');

        // The agent is back and reports what it realizes.
        assert.equal((await service.post('/v2.0/agent-reports', { agents: [l2('dying')] })).status, 200);
        assert.equal((await report(onDying, 'ACTIVE')).body.results[0].result, 'applied');
        assert.equal((await status(onDying)).status, 'ACTIVE');
      } finally {
        clearInterval(heartbeat);
      }
    });
  });
}
