// The OVSDB client against a real ovsdb-server serving the OVN northbound schema (created
// with ovsdb-tool in a private temporary run directory, stopped by its PID): list_dbs,
// get_schema, transactions with named uuids, mutate, wait, errors, a monitor feeding a
// replica (including rows written by ovn-nbctl), TCP, and reconnect after a server restart.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OvsdbClient, OvsdbError, Replica, byUuid, named, uuid } from '../../src/ovsdb/index.ts';
import { startSandbox, stopSandbox, type Sandbox } from '../../src/backends/ovn/sandbox.ts';

const run = promisify(execFile);
const hasOvsdb = (() => {
  try {
    execFileSync('ovsdb-server', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
const NB = 'OVN_Northbound';

describe('OvsdbClient against ovsdb-server (OVN_Northbound)', { skip: hasOvsdb ? false : 'ovsdb-server is not installed (Debian: ovn-central)' }, () => {
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
