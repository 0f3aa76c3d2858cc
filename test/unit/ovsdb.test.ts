// Units of the OVSDB client (src/ovsdb/): stream framing, value conversion, and the JSON-RPC
// client against a fake stream (request matching, echo both ways, errors, monitors feeding a
// replica, reconnect re-issuing monitors, the inactivity probe).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { JsonSplitter } from '../../src/ovsdb/framing.ts';
import { OvsdbClient, OvsdbError, NO_TXN, Ops, Replica, parseSchema, parseTarget, fromWire, toWire, named, uuid } from '../../src/ovsdb/index.ts';

const SCHEMA = {
  name: 'Test',
  version: '1.0.0',
  tables: {
    Switch: {
      isRoot: true,
      columns: {
        name: { type: 'string' },
        ports: { type: { key: { type: 'uuid', refTable: 'Port' }, min: 0, max: 'unlimited' } },
        external_ids: { type: { key: 'string', value: 'string', min: 0, max: 'unlimited' } },
        tag: { type: { key: 'integer', min: 0, max: 1 } },
      },
    },
    Port: { columns: { name: { type: 'string' } } },
  },
};

/** A stream standing in for a socket: what the client writes is parsed into `sent`. */
class FakeStream extends EventEmitter {
  sent: any[] = [];
  destroyed = false;
  private splitter = new JsonSplitter();
  setEncoding() {
    return this;
  }
  write(text: string) {
    for (const t of this.splitter.push(text)) this.sent.push(JSON.parse(t));
    this.emit('sent');
    return true;
  }
  end() {
    return this;
  }
  destroy(err?: Error) {
    if (this.destroyed) return this;
    this.destroyed = true;
    if (err) this.emit('error', err);
    this.emit('close');
    return this;
  }
  /** Server → client, optionally split at an arbitrary point. */
  receive(msg: unknown, splitAt?: number) {
    const text = JSON.stringify(msg);
    if (splitAt === undefined) this.emit('data', text);
    else {
      this.emit('data', text.slice(0, splitAt));
      this.emit('data', text.slice(splitAt));
    }
  }
  async next(method?: string): Promise<any> {
    for (;;) {
      const i = this.sent.findIndex((m) => method === undefined || m.method === method);
      if (i >= 0) return this.sent.splice(i, 1)[0];
      await new Promise((r) => this.once('sent', r));
    }
  }
}

function fakeClient(options = {}) {
  const streams: FakeStream[] = [];
  const client = new OvsdbClient('unix:/nowhere', options, () => {
    const s = new FakeStream();
    streams.push(s);
    setImmediate(() => s.emit('connect'));
    return s as unknown as net.Socket;
  });
  return { client, streams };
}

describe('JsonSplitter', () => {
  it('splits concatenated texts, across chunks, ignoring brackets inside strings', () => {
    const s = new JsonSplitter();
    const a = JSON.stringify({ id: 1, result: ['{"not": [a bracket', 'quote \\" }'] });
    const b = JSON.stringify({ method: 'echo', params: [], id: 'x' });
    const whole = a + '\n' + b;
    const out: string[] = [];
    for (let i = 0; i < whole.length; i += 7) out.push(...s.push(whole.slice(i, i + 7)));
    assert.deepEqual(out.map((t) => JSON.parse(t)), [JSON.parse(a), JSON.parse(b)]);
  });

  it('refuses an unbalanced stream', () => {
    assert.throws(() => new JsonSplitter().push('{}}'), /unbalanced/);
  });
});

describe('values and schema', () => {
  const schema = parseSchema(SCHEMA);
  const col = (c: string) => schema.tables.Switch.columns[c];

  it('knows sets, maps and optional atoms from the column types', () => {
    assert.equal(col('ports').kind, 'set');
    assert.equal(col('ports').refTable, 'Port');
    assert.equal(col('external_ids').kind, 'map');
    assert.equal(col('tag').kind, 'set');
    assert.equal(col('name').kind, 'atom');
    assert.equal(schema.tables.Switch.isRoot, true);
    assert.equal(schema.tables.Port.isRoot, false);
  });

  it('converts between the wire and JS forms', () => {
    assert.deepEqual(fromWire(col('ports'), ['set', [['uuid', 'a'], ['uuid', 'b']]]), [uuid('a'), uuid('b')]);
    assert.deepEqual(fromWire(col('ports'), ['uuid', 'a']), [uuid('a')]);
    assert.deepEqual(fromWire(col('tag'), ['set', []]), []);
    assert.deepEqual(fromWire(col('external_ids'), ['map', [['k', 'v']]]), { k: 'v' });
    assert.deepEqual(toWire(col('ports'), [named('p'), uuid('b')]), ['set', [['named-uuid', 'p'], ['uuid', 'b']]]);
    assert.deepEqual(toWire(col('tag'), [5]), 5);
    assert.deepEqual(toWire(col('external_ids'), { a: '1' }), ['map', [['a', '1']]]);
  });

  it('parses connection targets', () => {
    assert.deepEqual(parseTarget('unix:/run/ovn/ovnnb_db.sock'), { path: '/run/ovn/ovnnb_db.sock' });
    assert.deepEqual(parseTarget('tcp:127.0.0.1:6641'), { host: '127.0.0.1', port: 6641 });
    assert.deepEqual(parseTarget('tcp:[::1]:6641'), { host: '::1', port: 6641 });
    assert.throws(() => parseTarget('ssl:x:1'), /not unix/);
  });

  it('builds operations with typed values', () => {
    const ops = new Ops(schema);
    assert.deepEqual(ops.insert('Switch', { name: 's', ports: [named('p')] }, 'sw'), {
      op: 'insert',
      table: 'Switch',
      row: { name: 's', ports: ['named-uuid', 'p'] },
      'uuid-name': 'sw',
    });
    assert.deepEqual(ops.mutate('Switch', [['_uuid', '==', uuid('s1')]], [['ports', 'insert', [uuid('a'), uuid('b')]], ['external_ids', 'delete', ['k']]]), {
      op: 'mutate',
      table: 'Switch',
      where: [['_uuid', '==', ['uuid', 's1']]],
      mutations: [
        ['ports', 'insert', ['set', [['uuid', 'a'], ['uuid', 'b']]]],
        ['external_ids', 'delete', ['set', ['k']]],
      ],
    });
    assert.throws(() => ops.insert('Switch', { nope: 1 }), /no column Switch.nope/);
  });
});

describe('Replica (monitor_cond update2)', () => {
  it('applies diffs: set elements toggle, map keys add/remove/replace, defaults fill left-out columns', () => {
    const replica = new Replica(parseSchema(SCHEMA));
    replica.apply2({ Switch: { s1: { initial: { name: 'a', ports: ['set', [['uuid', 'p1'], ['uuid', 'p2']]], external_ids: ['map', [['k', 'v'], ['x', '1']]] } } } }, true);
    assert.deepEqual(replica.get('Switch', 's1')?.tag, [], 'a left-out optional column is empty');
    replica.apply2({ Switch: { s1: { modify: { ports: ['set', [['uuid', 'p2'], ['uuid', 'p3']]], external_ids: ['map', [['k', 'v'], ['x', '2'], ['y', 'new']]], tag: 7 } } } }, false);
    const row = replica.get('Switch', 's1')!;
    assert.deepEqual((row.ports as any[]).map((u) => u.uuid).sort(), ['p1', 'p3']);
    assert.deepEqual(row.external_ids, { x: '2', y: 'new' });
    assert.deepEqual(row.tag, [7], 'an optional column takes the new value');
    assert.equal(row.name, 'a', 'unchanged columns are kept');
    replica.apply2({ Switch: { s2: { insert: { name: 'b' } }, s1: { delete: null } } }, false);
    assert.deepEqual([...replica.table('Switch').keys()], ['s2']);
  });
});

describe('OvsdbClient (fake stream)', () => {
  it('matches answers to requests in any order, even split across reads', async () => {
    const { client, streams } = fakeClient({ reconnect: false });
    await client.connect();
    const s = streams[0];
    const dbs = client.listDbs();
    const echo = client.echo('hello');
    const r1 = await s.next('list_dbs');
    const r2 = await s.next('echo');
    assert.deepEqual(r2.params, ['hello']);
    s.receive({ id: r2.id, result: ['hello'], error: null }, 5);
    s.receive({ id: r1.id, result: ['OVN_Northbound'], error: null }, 11);
    assert.deepEqual(await dbs, ['OVN_Northbound']);
    assert.deepEqual(await echo, ['hello']);
    client.close();
  });

  it("answers the server's echo with its params", async () => {
    const { client, streams } = fakeClient({ reconnect: false });
    await client.connect();
    streams[0].receive({ id: 'e1', method: 'echo', params: [1, 'x'] });
    assert.deepEqual(await streams[0].next(), { id: 'e1', result: [1, 'x'], error: null });
    client.close();
  });

  it('rejects a transaction whose operation failed, naming the operation', async () => {
    const { client, streams } = fakeClient({ reconnect: false });
    await client.connect();
    const s = streams[0];
    const ops = new Ops(parseSchema(SCHEMA));
    const t = client.transact('Test', [ops.insert('Switch', { name: 'a' }), ops.delete('Switch', [['name', '==', 'b']])]);
    const req = await s.next('transact');
    assert.equal(req.params[0], 'Test');
    assert.equal(req.params.length, 3);
    s.receive({ id: req.id, result: [{ uuid: ['uuid', 'u1'] }, { error: 'constraint violation', details: 'no' }], error: null });
    await assert.rejects(t, (err: unknown) => err instanceof OvsdbError && err.error === 'constraint violation' && /operation 1 \(delete Switch\)/.test(err.message));
    client.close();
  });

  it('feeds a replica from a monitor, and refills it from the initial state after a reconnect', async () => {
    const { client, streams } = fakeClient({ maxBackoffMs: 20 });
    await client.connect();
    const replica = new Replica(parseSchema(SCHEMA));
    const monitored = client.monitor('Test', { Switch: {} }, (u, initial) => replica.apply(u, initial));
    let req = await streams[0].next('monitor');
    const monitorId = req.params[1];
    streams[0].receive({ id: req.id, result: { Switch: { s1: { new: { name: 'a', ports: ['set', []], external_ids: ['map', [['neutron:id', 'n1']]] } } } }, error: null });
    await monitored;
    assert.deepEqual(replica.get('Switch', 's1')?.external_ids, { 'neutron:id': 'n1' });
    const seen: string[] = [];
    replica.onChange((changes, initial) => seen.push(...changes.map((c) => `${initial ? 'initial ' : ''}${c.old ? 'old' : ''}${c.new ? 'new' : ''}:${c.uuid}`)));
    streams[0].receive({ method: 'update', params: [monitorId, { Switch: { s1: { old: { name: 'a' }, new: { name: 'b', ports: ['uuid', 'p1'], external_ids: ['map', []] } }, s2: { new: { name: 'c', ports: ['set', []], external_ids: ['map', []] } } } }], id: null });
    assert.equal(replica.get('Switch', 's1')?.name, 'b');
    assert.deepEqual(replica.get('Switch', 's1')?.ports, [uuid('p1')]);
    streams[0].receive({ method: 'update', params: [monitorId, { Switch: { s2: { old: { name: 'c' } } } }], id: null });
    assert.equal(replica.get('Switch', 's2'), undefined);

    // Lose the connection: a pending request fails, the client reconnects and monitors again.
    const lost = client.listDbs();
    streams[0].destroy(new Error('reset'));
    await assert.rejects(lost, /lost: reset/);
    while (streams.length < 2) await new Promise((r) => setTimeout(r, 5));
    req = await streams[1].next('monitor');
    assert.equal(req.params[1], monitorId);
    streams[1].receive({ id: req.id, result: { Switch: { s3: { new: { name: 'd', ports: ['set', []], external_ids: ['map', []] } } } }, error: null });
    await new Promise((r) => client.once('connected', r));
    assert.deepEqual([...replica.table('Switch').keys()], ['s3']);
    assert.ok(seen.includes('initial old:s1') && seen.includes('initial new:s3'), seen.join());
    client.close();
  });

  it('monitor_cond_since: resumes after a reconnect from the last transaction seen (update3), and falls back to monitor_cond on servers without it', async () => {
    const { client, streams } = fakeClient({ maxBackoffMs: 20 });
    await client.connect();
    const replica = new Replica(parseSchema(SCHEMA));
    const initials: boolean[] = [];
    replica.onChange((_, initial) => initials.push(initial));
    const monitored = client.monitorCondSince('Test', { Switch: {} }, (u, initial) => replica.apply2(u, initial));
    let req = await streams[0].next('monitor_cond_since');
    const monitorId = req.params[1];
    assert.equal(req.params[3], NO_TXN);
    streams[0].receive({ id: req.id, result: [false, 't1', { Switch: { s1: { initial: { name: 'a' } }, s2: { initial: { name: 'b' } } } }], error: null });
    await monitored;
    streams[0].receive({ method: 'update3', params: [monitorId, 't2', { Switch: { s1: { modify: { name: 'a2' } } } }], id: null });
    assert.equal(replica.get('Switch', 's1')?.name, 'a2');

    // Reconnect: the client asks for what followed t2; the server sends only that.
    streams[0].destroy(new Error('reset'));
    while (streams.length < 2) await new Promise((r) => setTimeout(r, 5));
    req = await streams[1].next('monitor_cond_since');
    assert.equal(req.params[3], 't2');
    streams[1].receive({ id: req.id, result: [true, 't4', { Switch: { s3: { insert: { name: 'c' } }, s2: { delete: null } } }], error: null });
    await new Promise((r) => client.once('connected', r));
    assert.deepEqual([...replica.table('Switch').keys()].sort(), ['s1', 's3'], 'kept s1, applied the delta');
    assert.equal(replica.get('Switch', 's1')?.name, 'a2');
    assert.deepEqual(initials, [true, false, false]);
    assert.deepEqual(client.monitorStarts, { resumed: 1, refilled: 1 });

    // A server without the method: monitor_cond, the replica refilled.
    streams[1].destroy(new Error('reset'));
    while (streams.length < 3) await new Promise((r) => setTimeout(r, 5));
    req = await streams[2].next('monitor_cond_since');
    streams[2].receive({ id: req.id, result: null, error: 'unknown method' });
    req = await streams[2].next('monitor_cond');
    streams[2].receive({ id: req.id, result: { Switch: { s9: { initial: { name: 'z' } } } }, error: null });
    await new Promise((r) => client.once('connected', r));
    assert.deepEqual([...replica.table('Switch').keys()], ['s9']);
    assert.deepEqual(initials, [true, false, false, true]);
    client.close();
  });

  it('probes a silent connection with echo and drops it when nothing answers', async () => {
    const { client, streams } = fakeClient({ probeMs: 40, reconnect: false });
    const keepAlive = setInterval(() => {}, 1000); // the probe's timer does not hold the process
    await client.connect();
    const probe = await streams[0].next('echo');
    assert.deepEqual(probe.params, []);
    const dropped = new Promise((r) => client.once('disconnected', r));
    assert.ok(((await dropped) as Error).message.includes('no answer'));
    assert.equal(client.isConnected, false);
    clearInterval(keepAlive);
    client.close();
  });
});
