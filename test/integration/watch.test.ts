// The backend seam end to end over HTTP, on SQLite and PostgreSQL: an in-test fake backend
// watches the change feed (GET /v2.0/watch) and writes status back (POST /v2.0/status-reports).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';
import { FakeBackend, type Change } from '../helpers/fake-backend.ts';

const of = (seen: Change[], id: string) => seen.filter((c) => c.id === id);

for (const dialect of dialects()) {
  describe(`change feed and watch (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    it('records the deletion of children a foreign-key cascade deletes (declared by their feature)', async () => {
      const backend = new FakeBackend(t.admin, { resources: ['security_groups', 'security_group_rules'] });
      await backend.start();
      const sg = (await t.client.post('/v2.0/security-groups', { security_group: { name: 'feed-cascade' } })).body.security_group;
      const rule = (await t.client.post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22 } })).body.security_group_rule;
      const rules = (await t.client.get(`/v2.0/security-group-rules?security_group_id=${sg.id}`)).body.security_group_rules.map((r: { id: string }) => r.id);
      assert.ok(rules.length > 1, 'the group has its default egress rules too');
      assert.equal((await t.client.del(`/v2.0/security-groups/${sg.id}`)).status, 204);
      const seen = await backend.until((s) => s.some((c) => c.id === sg.id && c.kind === 'deleted'), 'group deletion');
      const ruleChanges = of(seen, rule.id).map((c) => c.kind);
      assert.deepEqual(ruleChanges, ['created', 'deleted'], 'the rule deleted by the cascade is in the feed');
      // The group's default egress rules went with it too.
      for (const id of rules) assert.deepEqual(of(seen, id).map((c) => c.kind), ['created', 'deleted'], `rule ${id}`);
    });

    it('rejects malformed watch requests', async () => {
      for (const q of ['since=abc', 'since=-1', 'timeout=9999', 'resources=bogus', 'limit=0', 'colour=red']) {
        const res = await t.admin.get(`/v2.0/watch?${q}`);
        assert.equal(res.status, 400, q);
        assert.equal(res.body.NeutronError.type, 'HTTPBadRequest', q);
      }
    });

    it('delivers every change in order, exactly once per revision, with the revision after it', async () => {
      const backend = new FakeBackend(t.admin, { resources: ['networks', 'subnets', 'ports'] });
      const head = await backend.start();
      const net = (await t.client.post('/v2.0/networks', { network: { name: 'feed-net' } })).body.network;
      const subnet = (await t.client.post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.70.0.0/24', ip_version: 4 } })).body.subnet;
      const created = (await t.client.post('/v2.0/ports', { port: { network_id: net.id, name: 'p1' } })).body.port;
      const renamed = (await t.client.put(`/v2.0/ports/${created.id}`, { port: { name: 'p1-renamed' } })).body.port;
      assert.equal((await t.client.put(`/v2.0/ports/${created.id}/tags/blue`, undefined)).status, 201);
      const tagged = (await t.client.get(`/v2.0/ports/${created.id}`)).body.port;
      const bound = (await t.admin.put(`/v2.0/ports/${created.id}`, { port: { 'binding:host_id': 'host-a' } })).body.port;
      assert.equal(bound['binding:vif_type'], 'unbound', 'the noop driver binds nothing');
      assert.equal(bound.status, 'DOWN');
      assert.equal((await t.client.del(`/v2.0/ports/${created.id}`)).status, 204);
      assert.equal((await t.client.del(`/v2.0/subnets/${subnet.id}`)).status, 204);
      const netBefore = (await t.client.get(`/v2.0/networks/${net.id}`)).body.network;
      assert.equal((await t.client.del(`/v2.0/networks/${net.id}`)).status, 204);

      const seen = await backend.until((s) => s.some((c) => c.id === net.id && c.kind === 'deleted'), 'network deletion');
      assert.ok(seen.every((c) => c.cursor > head));
      const cursors = seen.map((c) => c.cursor);
      assert.deepEqual(cursors, [...cursors].sort((a, b) => a - b), 'cursors ascend');
      assert.equal(new Set(cursors).size, cursors.length, 'no change twice');

      const port = of(seen, created.id);
      assert.deepEqual(
        port.map((c) => [c.kind, c.revision]),
        [
          ['created', created.revision_number],
          ['updated', renamed.revision_number],
          ['updated', tagged.revision_number],
          ['updated', bound.revision_number],
          ['deleted', bound.revision_number + 1],
        ],
      );
      assert.ok(port.every((c) => c.project_id === 'project-a'));
      assert.equal(port[3].host, 'host-a');
      assert.equal(port[3].previous_host, '');
      assert.equal(port[4].object, null, 'a deleted object is null');
      assert.equal(port[0].object, null, 'the object is its current state: gone by now');

      const network = of(seen, net.id);
      assert.equal(network[0].kind, 'created');
      assert.equal(network.at(-1)!.kind, 'deleted');
      assert.equal(network.at(-1)!.revision, netBefore.revision_number + 1);
      assert.equal(network.at(-2)!.revision, netBefore.revision_number, 'the subnet deletion bumped the network');
      const revisions = network.map((c) => c.revision);
      assert.deepEqual(revisions, [...new Set(revisions)].sort((a, b) => a - b), 'network revisions ascend, each once');
      assert.ok(network.every((c) => c.host === null), 'networks concern every host');
      assert.deepEqual(of(seen, subnet.id).map((c) => c.kind), ['created', 'deleted']);
    });

    it('renders the current object and filters by resource', async () => {
      const backend = new FakeBackend(t.admin, { resources: ['security-groups'] });
      await backend.start();
      await t.client.post('/v2.0/networks', { network: { name: 'not-watched' } });
      const sg = (await t.client.post('/v2.0/security-groups', { security_group: { name: 'watched-sg' } })).body.security_group;
      const change = (await backend.until((s) => s.some((c) => c.id === sg.id))).find((c) => c.id === sg.id)!;
      assert.ok(backend.seen.every((c) => c.resource === 'security_groups'), 'only the resources asked for');
      assert.equal(change.kind, 'created');
      assert.equal(change.object!.name, 'watched-sg');
      assert.equal(change.object!.id, sg.id);
    });

    it('wakes a long-poll when a change commits', async () => {
      const backend = new FakeBackend(t.admin, { resources: ['networks'] });
      await backend.start();
      const waiting = backend.poll(30);
      await new Promise((r) => setTimeout(r, 200));
      const net = (await t.admin.post('/v2.0/networks', { network: { name: 'wake-up' } })).body.network;
      const changes = await waiting;
      assert.deepEqual(changes.map((c) => [c.id, c.kind]), [[net.id, 'created']]);
      // An empty long-poll answers its own cursor again.
      const res = await t.admin.get(`/v2.0/watch?since=${backend.cursor}&resources=networks&timeout=0`);
      assert.deepEqual(res.body, { changes: [], cursor: backend.cursor });
    });

    it('streams NDJSON lines with heartbeats', async () => {
      const head = (await t.admin.get('/v2.0/watch')).body.cursor;
      const abort = new AbortController();
      const res = await fetch(`${t.url}/v2.0/watch?since=${head}&resources=networks&timeout=1`, {
        headers: { accept: 'application/x-ndjson', 'x-project-id': 'admin-project', 'x-roles': 'admin' },
        signal: abort.signal,
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/);
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      const lines: any[] = [];
      let buffer = '';
      let net: { id: string } | undefined;
      for (let i = 0; i < 20 && !lines.some((l) => l.changes.some((c: Change) => c.id === net?.id)); i++) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const parts = buffer.split('\n');
        buffer = parts.pop()!;
        lines.push(...parts.map((p) => JSON.parse(p)));
        net ??= (await t.admin.post('/v2.0/networks', { network: { name: 'streamed' } })).body.network;
      }
      abort.abort();
      assert.deepEqual(lines[0], { changes: [], cursor: head }, 'the first line answers at once');
      const line = lines.find((l) => l.changes.some((c: Change) => c.id === net!.id));
      assert.ok(line, JSON.stringify(lines));
      assert.equal(line.changes[0].kind, 'created');
      assert.equal(line.cursor, line.changes.at(-1).cursor);
      const fromZero = await fetch(`${t.url}/v2.0/watch?since=0&stream=true`, { headers: { 'x-project-id': 'admin-project', 'x-roles': 'admin' } });
      assert.equal(fromZero.status, 200, 'a cursor behind nothing compacted is fine');
      await fromZero.body?.cancel();
    });

    it('shows non-admin watchers only what they may see', async () => {
      const a = new FakeBackend(t.client, { resources: ['networks', 'ports'] });
      const b = t.client.as({ project: 'project-b', roles: 'member,reader' });
      const head = await a.start();
      const other = (await b.post('/v2.0/networks', { network: { name: 'b-private' } })).body.network;
      const otherPort = (await b.post('/v2.0/ports', { port: { network_id: other.id } })).body.port;
      await b.del(`/v2.0/ports/${otherPort.id}`);
      const shared = (await t.admin.post('/v2.0/networks', { network: { name: 'shared', shared: true, tenant_id: 'project-b' } })).body.network;
      const own = (await t.client.post('/v2.0/networks', { network: { name: 'a-own' } })).body.network;
      await t.client.del(`/v2.0/networks/${own.id}`);
      const seen = await a.until((s) => s.some((c) => c.id === own.id && c.kind === 'deleted'));
      const ids = new Set(seen.map((c) => c.id));
      assert.ok(!ids.has(other.id), 'another project network');
      assert.ok(!ids.has(otherPort.id), 'another project port, nor its deletion');
      assert.ok(ids.has(shared.id), 'a network shared with everyone');
      assert.deepEqual(of(seen, own.id).map((c) => c.kind), ['created', 'deleted']);
      assert.ok(seen.every((c) => c.project_id === 'project-a' || c.id === shared.id));
      // The admin sees them all.
      const admin = new FakeBackend(t.admin, { resources: ['networks', 'ports'] });
      admin.cursor = head;
      await admin.until((s) => s.some((c) => c.id === own.id && c.kind === 'deleted'));
      const all = new Set(admin.seen.map((c) => c.id));
      for (const id of [other.id, otherPort.id, shared.id, own.id]) assert.ok(all.has(id), id);
    });

    it('filters by host: bound there, moved away from there, or concerning every host', async () => {
      const hostA = new FakeBackend(t.admin, { resources: ['networks', 'ports'], host: 'host-a' });
      await hostA.start();
      const net = (await t.admin.post('/v2.0/networks', { network: { name: 'hosts' } })).body.network;
      const onA = (await t.admin.post('/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': 'host-a' } })).body.port;
      const onB = (await t.admin.post('/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': 'host-b' } })).body.port;
      const unbound = (await t.admin.post('/v2.0/ports', { port: { network_id: net.id } })).body.port;
      await t.admin.put(`/v2.0/ports/${onA.id}`, { port: { 'binding:host_id': 'host-b' } });
      await t.admin.put(`/v2.0/ports/${onA.id}`, { port: { name: 'now-on-b' } });
      const last = (await t.admin.post('/v2.0/networks', { network: { name: 'marker' } })).body.network;
      const seen = await hostA.until((s) => s.some((c) => c.id === last.id));
      assert.equal(of(seen, net.id).length, 1);
      assert.ok(!seen.some((c) => c.id === onB.id || c.id === unbound.id), 'ports of other hosts or none');
      assert.deepEqual(
        of(seen, onA.id).map((c) => [c.kind, c.host, c.previous_host]),
        [
          ['created', 'host-a', null],
          ['updated', 'host-b', 'host-a'],
        ],
        'the move away is told to the old host, later changes are not',
      );
    });

    it('writes status back without bumping the revision; stale and unknown reports are ignored', async () => {
      const backend = new FakeBackend(t.admin.as({ project: 'services', roles: 'service' }), { resources: ['ports'], host: 'host-s' });
      await backend.start();
      const net = (await t.client.post('/v2.0/networks', { network: { name: 'status' } })).body.network;
      const port = (await t.client.post('/v2.0/ports', { port: { network_id: net.id } })).body.port;
      const bound = (await t.admin.put(`/v2.0/ports/${port.id}`, { port: { 'binding:host_id': 'host-s' } })).body.port;
      const change = (await backend.until((s) => s.some((c) => c.id === port.id))).find((c) => c.id === port.id)!;
      assert.equal(change.revision, bound.revision_number);
      assert.equal(change.object!['binding:host_id'], 'host-s', 'the service role sees everything');

      const res = await backend.report([{ resource: 'ports', id: port.id, revision: change.revision, status: 'ACTIVE', 'binding:vif_type': 'ovs', 'binding:vif_details': { port_filter: true } }]);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.results, [{ resource: 'ports', id: port.id, revision: change.revision, result: 'applied' }]);
      const after = (await t.admin.get(`/v2.0/ports/${port.id}`)).body.port;
      assert.equal(after.status, 'ACTIVE');
      assert.equal(after['binding:vif_type'], 'ovs');
      assert.deepEqual(after['binding:vif_details'], { port_filter: true });
      assert.equal(after.revision_number, bound.revision_number, 'status write-back does not bump the revision');
      assert.equal(after.updated_at, bound.updated_at);
      assert.equal((await t.client.get(`/v2.0/ports/${port.id}`)).body.port.status, 'ACTIVE', 'the owner sees the status');
      const status = (await backend.until((s) => s.some((c) => c.kind === 'status'))).find((c) => c.kind === 'status')!;
      assert.deepEqual([status.id, status.revision], [port.id, bound.revision_number]);
      assert.equal(status.object!.status, 'ACTIVE');

      // A newer revision is realized and reported DOWN; a late report of the older one is stale.
      const renamed = (await t.admin.put(`/v2.0/ports/${port.id}`, { port: { name: 'renamed' } })).body.port;
      const down = await backend.report([{ resource: 'ports', id: port.id, revision: renamed.revision_number, status: 'DOWN' }]);
      assert.equal(down.body.results[0].result, 'applied');
      const stale = await backend.report([{ resource: 'ports', id: port.id, revision: bound.revision_number, status: 'ACTIVE' }]);
      assert.equal(stale.body.results[0].result, 'stale');
      assert.equal((await t.admin.get(`/v2.0/ports/${port.id}`)).body.port.status, 'DOWN');
      const future = await backend.report([{ resource: 'ports', id: port.id, revision: renamed.revision_number + 5, status: 'ACTIVE' }]);
      assert.equal(future.body.results[0].result, 'invalid');

      // Binding failures keep their reason, visible to admins.
      await backend.report([{ resource: 'ports', id: port.id, revision: renamed.revision_number, status: 'DOWN', 'binding:vif_type': 'binding_failed', reason: 'no bridge mapping for physnet9' }]);
      const reports = (await t.admin.get(`/v2.0/status-reports?resource=ports&id=${port.id}`)).body.status_reports;
      assert.equal(reports.length, 1);
      assert.equal(reports[0].reason, 'no bridge mapping for physnet9');
      assert.equal(reports[0]['binding:vif_type'], 'binding_failed');
      assert.equal((await t.client.get(`/v2.0/status-reports`)).status, 403);

      // Only admins and the service role report; malformed requests apply nothing.
      const denied = await t.client.post('/v2.0/status-reports', { reports: [{ resource: 'ports', id: port.id, revision: renamed.revision_number, status: 'ACTIVE' }] });
      assert.equal(denied.status, 403);
      const malformed = await backend.report([
        { resource: 'ports', id: port.id, revision: renamed.revision_number, status: 'ACTIVE' },
        { resource: 'ports', id: port.id, revision: renamed.revision_number, status: 'SLEEPY' },
      ]);
      assert.equal(malformed.status, 400);
      assert.equal((await t.admin.get(`/v2.0/ports/${port.id}`)).body.port.status, 'DOWN', 'nothing applied');
      assert.equal((await backend.report([{ resource: 'networks', id: net.id, revision: 0, status: 'ACTIVE' }])).status, 400);

      await t.client.del(`/v2.0/ports/${port.id}`);
      const gone = await backend.report([{ resource: 'ports', id: port.id, revision: renamed.revision_number, status: 'ACTIVE' }]);
      assert.equal(gone.body.results[0].result, 'not_found');
    });

    it('reports routers and floating IPs status', async () => {
      const router = (await t.admin.post('/v2.0/routers', { router: { name: 'r-status' } })).body.router;
      const res = await t.admin.post('/v2.0/status-reports', { reports: [{ resource: 'routers', id: router.id, revision: router.revision_number, status: 'ERROR', reason: 'namespace creation failed' }] });
      assert.equal(res.body.results[0].result, 'applied');
      const after = (await t.admin.get(`/v2.0/routers/${router.id}`)).body.router;
      assert.equal(after.status, 'ERROR');
      assert.equal(after.revision_number, router.revision_number);
    });
  });

  describe(`change feed retention (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect, { 'feed.max_rows': 3, 'feed.compact_seconds': 1 });
    });
    after(async () => t?.close());

    it('answers 410 ResyncRequired to a cursor older than what is retained', async () => {
      const backend = new FakeBackend(t.admin);
      const head = await backend.start();
      for (let i = 0; i < 8; i++) await t.admin.post('/v2.0/networks', { network: { name: `n${i}` } });
      let res = await t.admin.get(`/v2.0/watch?since=${head}&timeout=0`);
      for (let i = 0; i < 50 && res.status === 200; i++) {
        await new Promise((r) => setTimeout(r, 200));
        res = await t.admin.get(`/v2.0/watch?since=${head}&timeout=0`);
      }
      assert.equal(res.status, 410, JSON.stringify(res.body));
      assert.equal(res.body.NeutronError.type, 'ResyncRequired');
      const streamed = await fetch(`${t.url}/v2.0/watch?since=${head}&stream=true`, { headers: { 'x-project-id': 'admin-project', 'x-roles': 'admin' } });
      assert.equal(streamed.status, 410, 'a stream from a compacted cursor is refused before it starts');
      await streamed.body?.cancel();
      // Relist: a fresh head watches on.
      const fresh = await t.admin.get('/v2.0/watch');
      const again = await t.admin.get(`/v2.0/watch?since=${fresh.body.cursor}&timeout=0`);
      assert.equal(again.status, 200);
    });
  });

  describe(`change feed retention by age (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect, { 'feed.retention_seconds': 1, 'feed.compact_seconds': 1 });
    });
    after(async () => t?.close());

    it('never draws a cursor twice, even when every change has aged out', async () => {
      await t.admin.post('/v2.0/networks', { network: { name: 'aged' } });
      const head = (await t.admin.get('/v2.0/watch')).body.cursor;
      // Compaction (every second) removes everything older than a second but the newest row.
      let res = await t.admin.get('/v2.0/watch?since=0&timeout=0');
      for (let i = 0; i < 50 && res.status === 200; i++) {
        await new Promise((r) => setTimeout(r, 200));
        res = await t.admin.get('/v2.0/watch?since=0&timeout=0');
      }
      assert.equal(res.status, 410, 'the old changes were compacted');
      const net = (await t.admin.post('/v2.0/networks', { network: { name: 'after-compaction' } })).body.network;
      const next = await t.admin.get(`/v2.0/watch?since=${head}&timeout=0&resources=networks`);
      assert.equal(next.status, 200, JSON.stringify(next.body));
      const change = next.body.changes.find((c: Change) => c.id === net.id);
      assert.ok(change, `the change after compaction has a cursor above ${head}: ${JSON.stringify(next.body)}`);
      assert.ok(change.cursor > head);
    });
  });
}

if (dialects().includes('postgres')) {
  describe('change feed: concurrent writers on PostgreSQL', () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer('postgres');
    });
    after(async () => t?.close());

    it('holds readers at a cursor drawn but not yet committed, then delivers both in cursor order', async () => {
      const app = t.service.app;
      const start = await app.feed.head();
      // Writer A draws a cursor (its feed row is inserted) and stays open; writer B commits after it.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let drawn!: () => void;
      const aDrew = new Promise<void>((r) => (drawn = r));
      const writerA = app.database.transaction(async (trx) => {
        app.feed.begin(trx);
        app.feed.record(trx, 'networks', 'net-held-open', 'updated', undefined, { revision: 7, projectId: 'p', host: null });
        await app.feed.flush(trx);
        drawn();
        await gate;
      });
      await aDrew;
      const b = (await t.admin.post('/v2.0/networks', { network: { name: 'committed-after-a' } })).body.network;
      // B's cursor is above A's and already committed: a reader must not see it before A's.
      let settled = false;
      const reading = app.feed.read(start, { resources: ['networks'], limit: 100 }).finally(() => (settled = true));
      const head = app.feed.head();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(settled, false, 'the read waits for the writer holding a smaller cursor');
      release();
      await writerA;
      const rows = await reading;
      assert.deepEqual(
        rows.map((r) => r.resource_id),
        ['net-held-open', b.id],
      );
      assert.ok(rows[0].cursor < rows[1].cursor);
      assert.equal(await head, rows[1].cursor, 'the head is given once every smaller cursor is final');
    });
  });
}
