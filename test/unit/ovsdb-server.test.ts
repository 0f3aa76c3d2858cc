// The OVSDB client against a real ovsdb-server serving the OVN northbound schema (created
// with ovsdb-tool in a private temporary run directory, stopped by its PID): list_dbs,
// get_schema, transactions with named uuids, mutate, wait, errors, a monitor feeding a
// replica (including rows written by ovn-nbctl), TCP, and reconnect after a server restart.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import net from 'node:net';
import { OvsdbClient, OvsdbError, Replica, byUuid, named, parseTarget, uuid, type RowChange } from '../../src/ovsdb/index.ts';
import { ovsdbServerMissing } from '../helpers/ovsdb.ts';
import { NB_SCHEMA, startSandbox, stopSandbox, type Sandbox } from '../../src/backends/ovn/sandbox.ts';

const run = promisify(execFile);
const skip = ovsdbServerMissing();
const NB = 'OVN_Northbound';

describe('OvsdbClient against ovsdb-server (OVN_Northbound)', { skip }, () => {
  let dir: string;
  let sandbox: Sandbox;
  let client: OvsdbClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'neutrino-ovsdb-'));
    sandbox = await startSandbox({ dir, central: false });
    client = new OvsdbClient(sandbox.nb, { maxBackoffMs: 200 });
    await client.connect();
  });

  after(async () => {
    client?.close();
    if (dir) await stopSandbox(dir);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists databases and reads the schema', async () => {
    assert.deepEqual((await client.listDbs()).sort(), ['OVN_Northbound', '_Server']);
    const schema = await client.getSchema(NB);
    assert.equal(schema.name, NB);
    assert.equal(schema.tables.Logical_Switch.columns.ports.refTable, 'Logical_Switch_Port');
    assert.equal(schema.tables.Logical_Switch_Port.isRoot, false);
    assert.deepEqual(await client.echo('ping'), ['ping']);
  });

  it('inserts rows referring to each other by named uuid, mutates, and ovn-nbctl sees them', async () => {
    const ops = await client.ops(NB);
    const [ls] = await client.transact(NB, [
      ops.insert('Logical_Switch', { name: 'sw0', ports: [named('p1')], external_ids: { 'neutron:network_name': 'net' } }, 'sw'),
      ops.insert('Logical_Switch_Port', { name: 'p1', addresses: ['fa:16:3e:00:00:01 10.0.0.5'] }, 'p1'),
    ]);
    const lsUuid = ls.uuid[1];
    await client.transact(NB, [
      ops.insert('Logical_Switch_Port', { name: 'p2' }, 'p2'),
      ops.mutate('Logical_Switch', byUuid(lsUuid), [['ports', 'insert', [named('p2')]], ['external_ids', 'insert', { extra: '1' }]]),
    ]);
    const { stdout } = await run('ovn-nbctl', [`--db=${sandbox.nb}`, 'lsp-list', 'sw0']);
    assert.match(stdout, /\(p1\)/);
    assert.match(stdout, /\(p2\)/);
    const [sel] = await client.transact(NB, [ops.select('Logical_Switch', byUuid(lsUuid), ['external_ids'])]);
    assert.deepEqual(sel.rows[0].external_ids, ['map', [['extra', '1'], ['neutron:network_name', 'net']]]);
  });

  it('aborts the whole transaction when one operation fails (wait, constraint)', async () => {
    const ops = await client.ops(NB);
    await assert.rejects(
      client.transact(NB, [ops.insert('Logical_Switch', { name: 'never' }), ops.wait('Logical_Switch', [['name', '==', 'sw0']], ['name'], [], '==', 0)]),
      (err: unknown) => err instanceof OvsdbError && err.error === 'timed out',
    );
    const [sel] = await client.transact(NB, [ops.select('Logical_Switch', [['name', '==', 'never']])]);
    assert.equal(sel.rows.length, 0);
    await assert.rejects(client.transact(NB, [ops.update('Logical_Switch_Port', [['name', '==', 'p1']], { type: 5 as any })]), OvsdbError);
  });

  it('keeps a replica current from its monitor, with writes by other clients', async () => {
    const replica = await Replica.follow(client, NB, { Logical_Switch: undefined, Logical_Switch_Port: ['name', 'addresses', 'up'] });
    const names = () => replica.rows('Logical_Switch_Port').map((r) => r.name).sort();
    assert.deepEqual(names(), ['p1', 'p2']);
    assert.deepEqual(replica.rows('Logical_Switch_Port').find((r) => r.name === 'p1')?.addresses, ['fa:16:3e:00:00:01 10.0.0.5']);
    const changed = new Promise<void>((resolve) => replica.onChange((changes) => changes.some((c) => c.new?.name === 'p3') && resolve()));
    await run('ovn-nbctl', [`--db=${sandbox.nb}`, 'lsp-add', 'sw0', 'p3']);
    await changed;
    assert.deepEqual(names(), ['p1', 'p2', 'p3']);
    const sw = replica.rows('Logical_Switch').find((r) => r.name === 'sw0')!;
    assert.equal((sw.ports as unknown[]).length, 3);
    const gone = new Promise<void>((resolve) => replica.onChange((changes) => changes.some((c) => c.old?.name === 'p1' && !c.new) && resolve()));
    await run('ovn-nbctl', [`--db=${sandbox.nb}`, 'lsp-del', 'p1']);
    await gone;
    assert.deepEqual(names(), ['p2', 'p3']);
    assert.ok(replica.get('Logical_Switch', sw._uuid.uuid));
    assert.deepEqual(uuid(sw._uuid.uuid), sw._uuid);
  });

  it('talks TCP, and reconnects (monitors refilled) after the server restarts', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    await run('ovs-appctl', ['-t', join(dir, 'nb.ctl'), 'ovsdb-server/add-remote', `ptcp:${port}:127.0.0.1`]);
    const tcp = new OvsdbClient(`tcp:127.0.0.1:${port}`, { reconnect: false });
    await tcp.connect();
    assert.ok((await tcp.listDbs()).includes(NB));
    tcp.close();

    const replica = await Replica.follow(client, NB, { Logical_Switch: ['name'] });
    const disconnected = new Promise((r) => client.once('disconnected', r));
    await stopSandbox(dir);
    await disconnected;
    const reconnected = new Promise((r) => client.once('connected', r));
    await startSandbox({ dir, central: false });
    await run('ovn-nbctl', [`--db=${sandbox.nb}`, 'ls-add', 'after-restart']);
    await reconnected;
    // The refilled replica has what the server has now (the database file survived the restart).
    for (let i = 0; i < 100 && !replica.rows('Logical_Switch').some((r) => r.name === 'after-restart'); i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(replica.rows('Logical_Switch').map((r) => r.name).sort(), ['after-restart', 'sw0']);
  });
});

describe('monitor_cond_since against a clustered ovsdb-server (OVN_Northbound)', { skip }, () => {
  // A one-server Raft cluster: ovsdb-server keeps transaction history for clustered
  // databases only, so this is where a monitor can resume.
  let dir: string;
  let target: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'neutrino-ovsdb-cluster-'));
    await run('ovsdb-tool', ['create-cluster', join(dir, 'nb.db'), NB_SCHEMA, `unix:${join(dir, 'raft.sock')}`]);
    await run('ovsdb-server', [join(dir, 'nb.db'), `--remote=punix:${join(dir, 'nb.sock')}`, `--pidfile=${join(dir, 'nb.pid')}`, `--log-file=${join(dir, 'nb.log')}`, `--unixctl=${join(dir, 'nb.ctl')}`, '--detach', '--no-chdir']);
    target = `unix:${join(dir, 'nb.sock')}`;
  });

  after(async () => {
    if (dir) await stopSandbox(dir);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('after the connection is killed, reconnects and receives only what changed meanwhile', async () => {
    // The connection is the test's to kill; while `blocked`, reconnects go nowhere.
    let socket: net.Socket | undefined;
    let blocked = false;
    const client = new OvsdbClient(target, { maxBackoffMs: 50 }, () => (socket = net.connect(parseTarget(blocked ? `unix:${join(dir, 'nowhere.sock')}` : target))));
    const writer = new OvsdbClient(target);
    try {
      await client.connect();
      await writer.connect();
      const ops = await writer.ops(NB);
      // The server keeps at most 100 transactions, and drops the oldest while the history holds
      // more atoms than the database: the fill (as many atoms as the database) would go at the
      // next change, so the monitor starts after a small transaction.
      await writer.transact(NB, Array.from({ length: 200 }, (_, i) => ops.insert('Logical_Switch', { name: `sw${i}`, external_ids: { 'neutron:network_name': `net${i}`, 'neutron:revision_number': '1' } })));
      await writer.transact(NB, [ops.insert('Logical_Switch', { name: 'marker' })]);
      const replica = await Replica.follow(client, NB, { Logical_Switch: ['name', 'external_ids'] });
      assert.equal(replica.rows('Logical_Switch').length, 201);
      assert.deepEqual(client.monitorStarts, { resumed: 0, refilled: 1 });
      const sw = (name: string) => replica.rows('Logical_Switch').find((r) => r.name === name)!._uuid.uuid;

      const text = (r: Replica) => JSON.stringify(r.rows('Logical_Switch').map((x) => [x._uuid.uuid, x.name, x.external_ids]).sort());
      const fresh = await Replica.follow(writer, NB, { Logical_Switch: ['name', 'external_ids'] });
      /** Kills the replica's connection, runs meanwhile, lets it reconnect; returns what the replica heard. */
      const gap = async (meanwhile: () => Promise<unknown>) => {
        blocked = true;
        const lost = new Promise((r) => client.once('disconnected', r));
        socket!.destroy();
        await lost;
        await meanwhile();
        const seen: { initial: boolean; changes: string[] }[] = [];
        const listener = (changes: RowChange[], initial: boolean) => seen.push({ initial, changes: changes.map((c) => `${c.old ? c.old.name : ''}>${c.new ? c.new.name : ''}`).sort() });
        replica.onChange(listener);
        blocked = false;
        await new Promise((r) => client.once('connected', r));
        return seen;
      };

      // Meanwhile: one switch added, one changed.
      let seen = await gap(() => writer.transact(NB, [ops.insert('Logical_Switch', { name: 'new' }), ops.update('Logical_Switch', byUuid(sw('sw1')), { external_ids: { k: 'v' } })]));
      assert.deepEqual(client.monitorStarts, { resumed: 1, refilled: 1 });
      assert.deepEqual(seen, [{ initial: false, changes: ['>new', 'sw1>sw1'] }], 'only the two changed rows came back');
      assert.equal(replica.rows('Logical_Switch').length, 202);
      assert.deepEqual(replica.rows('Logical_Switch').find((r) => r.name === 'sw1')?.external_ids, { k: 'v' });
      assert.equal(text(replica), text(fresh));

      // And a deletion, resumed too.
      seen = await gap(() => writer.transact(NB, [ops.delete('Logical_Switch', byUuid(sw('sw2')))]));
      assert.deepEqual(client.monitorStarts, { resumed: 2, refilled: 1 });
      assert.deepEqual(seen, [{ initial: false, changes: ['sw2>'] }]);
      assert.equal(replica.rows('Logical_Switch').length, 201);
      assert.equal(text(replica), text(fresh));
    } finally {
      client.close();
      writer.close();
    }
  });
});
