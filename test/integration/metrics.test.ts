// The metrics listener of an in-process service: agents alive, database retries and lock
// waits, on SQLite and PostgreSQL (the operability test covers requests, IPAM and quota
// through a real process).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';
import { RetryTransaction } from '../../src/db/index.ts';

function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[4]);
  }
  return undefined;
}

for (const dialect of dialects()) {
  describe(`metrics listener (${dialect})`, () => {
    let t: TestServer;
    const scrape = async () => {
      const res = await fetch(t.service.metrics!.url);
      assert.equal(res.status, 200);
      return res.text();
    };
    before(async () => {
      t = await startTestServer(dialect, { 'metrics.enabled': true, 'metrics.port': 0 });
    });
    after(async () => t?.close());

    it('counts agents by type and liveness', async () => {
      const agents = t.service.app.services.agents!;
      await agents.reportState({ agent_type: 'DHCP agent', host: 'm-1', binary: 'neutrino-dhcp-agent', topic: 'dhcp_agent' });
      await agents.reportState({ agent_type: 'DHCP agent', host: 'm-2', binary: 'neutrino-dhcp-agent', topic: 'dhcp_agent' });
      await agents.reportState({ agent_type: 'L3 agent', host: 'm-1', binary: 'neutrino-l3-agent', topic: 'l3_agent' });
      // m-2 last reported long ago.
      await t.service.app.database.db.updateTable('agents').set({ heartbeat_timestamp: '2000-01-01 00:00:00' }).where('host', '=', 'm-2').execute();
      const text = await scrape();
      assert.equal(sample(text, 'neutrino_agents', { agent_type: 'DHCP agent', alive: 'true' }), 1);
      assert.equal(sample(text, 'neutrino_agents', { agent_type: 'DHCP agent', alive: 'false' }), 1);
      assert.equal(sample(text, 'neutrino_agents', { agent_type: 'L3 agent', alive: 'true' }), 1);
    });

    it('counts transaction retries by reason', async () => {
      const before = sample(await scrape(), 'neutrino_db_transaction_retries_total', { dialect, reason: 'marked' }) ?? 0;
      let attempts = 0;
      await t.service.app.database.transaction(async () => {
        if (++attempts === 1) throw new RetryTransaction('lost a race');
      });
      assert.equal(attempts, 2);
      assert.equal(sample(await scrape(), 'neutrino_db_transaction_retries_total', { dialect, reason: 'marked' }), before + 1);
    });

    it('times lock waits where the database takes locks', async () => {
      const net = await t.client.post('/v2.0/networks', { network: { name: 'locked' } });
      assert.equal(net.status, 201);
      assert.equal((await t.client.post('/v2.0/subnets', { subnet: { network_id: net.body.network.id, cidr: '10.1.0.0/24', ip_version: 4 } })).status, 201);
      const waits = sample(await scrape(), 'neutrino_db_lock_wait_seconds_count', { dialect: 'postgres', kind: 'row' });
      if (dialect === 'postgres') assert.ok((waits ?? 0) > 0, 'row locks taken by a subnet create are timed');
      else assert.equal(waits, undefined, 'SQLite serializes transactions and takes no locks');
    });
  });
}
