// The change feed across real server processes: a watcher resumes from its cursor after the
// server was killed (-9) between a commit and the watcher's next fetch (SQLite and
// PostgreSQL), and two API servers on one PostgreSQL database deliver every change to a
// watcher of either, in one order, none lost or reordered under concurrent writes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, freshDatabase } from '../helpers/server.ts';
import { spawnServer, startServerProcesses } from '../helpers/process.ts';
import { FakeBackend, type Change } from '../helpers/fake-backend.ts';

for (const dialect of dialects()) {
  describe(`change feed survives kill -9 (${dialect})`, () => {
    it('resumes from the watcher cursor after a restart and catches up', async () => {
      const db = await freshDatabase(dialect);
      let server = await spawnServer(db.url);
      try {
        const watcher = new FakeBackend(server.client, { resources: ['networks', 'ports'] });
        await watcher.start();
        // A long-poll in flight on a server that is about to die.
        const inFlight = server.client.get(`/v2.0/watch?since=${watcher.cursor}&resources=subnets&timeout=60`).then(
          () => 'answered',
          () => 'failed',
        );
        const net = (await server.client.post('/v2.0/networks', { network: { name: 'before-crash' } })).body.network;
        const port = (await server.client.post('/v2.0/ports', { port: { network_id: net.id } })).body.port;
        assert.ok(port?.id, 'committed and acknowledged');
        await server.kill9();
        assert.equal(await inFlight, 'failed', 'the watch connection died with the server');

        server = await spawnServer(db.url);
        const resumed = new FakeBackend(server.client, { resources: ['networks', 'ports'] });
        resumed.cursor = watcher.cursor;
        const seen = await resumed.until((s) => s.some((c) => c.id === port.id));
        assert.deepEqual(
          seen.map((c) => [c.resource, c.id, c.kind]),
          [
            ['networks', net.id, 'created'],
            ['ports', port.id, 'created'],
          ],
        );
        // And it goes on from there.
        await server.client.del(`/v2.0/ports/${port.id}`);
        await resumed.until((s) => s.some((c) => c.id === port.id && c.kind === 'deleted'));
      } finally {
        await server.stop();
        await db.drop();
      }
    });
  });
}

if (dialects().includes('postgres')) {
  describe('change feed across two API servers (postgres)', () => {
    it('delivers the changes committed on both to a watcher of either, none lost or reordered', async () => {
      const { clients, stop } = await startServerProcesses(2);
      try {
        const watchers = clients.map((c) => new FakeBackend(c, { resources: ['networks'] }));
        const head = await watchers[0].start();
        watchers[1].cursor = head;
        const WRITERS = 4;
        const PER_WRITER = 12;
        const expected = new Set<string>();
        let writing = true;
        // Each watcher polls in small pages while the writes run.
        const watching = watchers.map(async (w) => {
          while (writing || !w.seen.some((c) => c.kind === 'deleted' && c.resource === 'networks' && c.project_id === 'stop-marker')) await w.poll(2, 5);
        });
        const writes = Array.from({ length: WRITERS }, async (_, i) => {
          const client = clients[i % clients.length];
          for (let n = 0; n < PER_WRITER; n++) {
            const net = (await client.post('/v2.0/networks', { network: { name: `w${i}-${n}` } })).body.network;
            expected.add(net.id);
            await client.put(`/v2.0/networks/${net.id}`, { network: { name: `w${i}-${n}-renamed` } });
          }
        });
        await Promise.all(writes);
        const marker = (await clients[1].post('/v2.0/networks', { network: { name: 'stop', tenant_id: 'stop-marker' } })).body.network;
        await clients[0].del(`/v2.0/networks/${marker.id}`);
        writing = false;
        await Promise.all(watching);

        // What each watcher saw incrementally equals the whole feed read afterwards: nothing
        // committed later under a lower cursor, nothing skipped.
        const full = new FakeBackend(clients[0], { resources: ['networks'] });
        full.cursor = head;
        while ((await full.poll(0, 1000)).length) {
          /* read to the end */
        }
        const key = (c: Change) => `${c.cursor}:${c.id}:${c.kind}:${c.revision}`;
        for (const w of watchers) assert.deepEqual(w.seen.map(key), full.seen.map(key));
        for (const id of expected) {
          const changes = full.seen.filter((c) => c.id === id);
          assert.deepEqual(changes.map((c) => [c.kind, c.revision]), [
            ['created', 0],
            ['updated', 1],
          ], id);
        }
        assert.equal(full.seen.length, expected.size * 2 + 2);
      } finally {
        await stop();
      }
    });
  });
}
