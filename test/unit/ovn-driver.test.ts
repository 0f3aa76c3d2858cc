// The ovn driver against a real ovsdb-server (NB only, no northd), fed by an in-memory cloud
// instead of Neutrino's database: two drivers (two API servers) against one NB take turns
// through the OVSDB lock, and every NB transaction is fenced by it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { OvsdbClient, Replica } from '../../src/ovsdb/index.ts';
import { ovsdbServerMissing } from '../helpers/ovsdb.ts';
import { startSandbox, stopSandbox, type Sandbox } from '../../src/backends/ovn/sandbox.ts';
import { NB_LOCK, OvnDriver, type SyncResult } from '../../src/backends/ovn/driver.ts';
import { Wakeup } from '../../src/feed/wakeup.ts';
import type { BackendContext } from '../../src/backends/driver.ts';

const skip = ovsdbServerMissing();
const NB = 'OVN_Northbound';

/** Neutron objects and a change feed in memory: what BackendContext gives a driver. */
class Cloud {
  private readonly items = new Map<string, Map<string, Record<string, any>>>();
  private readonly rows: { cursor: number; resource: string; resource_id: string }[] = [];
  readonly wakeup = new Wakeup();

  put(collection: string, item: Record<string, any>): void {
    if (!this.items.has(collection)) this.items.set(collection, new Map());
    this.items.get(collection)!.set(item.id, item);
    this.rows.push({ cursor: this.rows.length + 1, resource: collection, resource_id: item.id });
    this.wakeup.wake();
  }

  get head(): number {
    return this.rows.length;
  }

  context(): BackendContext {
    const feed = {
      head: async () => this.rows.length,
      read: async (after: number, filter: { limit?: number }) => this.rows.slice(after, after + (filter.limit ?? 1000)),
      wakeup: this.wakeup,
      options: { poll_seconds: 1 },
    };
    return {
      feed: feed as unknown as BackendContext['feed'],
      reportStatus: async () => [],
      list: async (collection, filters) => {
        const all = [...(this.items.get(collection)?.values() ?? [])];
        return filters?.id ? all.filter((i) => filters.id.includes(i.id)) : all;
      },
      log: pino({ level: 'silent' }),
    };
  }
}

const port = (id: string) => ({ id, network_id: 'n1', mac_address: 'fa:16:3e:00:00:01', fixed_ips: [], security_groups: [], port_security_enabled: true, admin_state_up: true, device_owner: 'compute:nova', revision_number: 1 });

describe('ovn driver: one writer among several API servers (OVSDB lock)', { skip }, () => {
  let dir: string;
  let sandbox: Sandbox;
  let observer: OvsdbClient;
  let nb: Replica;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'neutrino-ovn-driver-'));
    sandbox = await startSandbox({ dir, central: false });
    observer = new OvsdbClient(sandbox.nb);
    await observer.connect();
    nb = await Replica.follow(observer, NB, { Logical_Switch_Port: ['name'] });
  });

  after(async () => {
    observer?.close();
    if (dir) await stopSandbox(dir);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const portsInNb = () => nb.rows('Logical_Switch_Port').map((r) => String(r.name)).sort();
  const until = async (what: string, ok: () => boolean) => {
    for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(ok(), what);
  };

  it('the lock holder writes; the other stands by, takes over when the holder goes, and reconciles fully', async () => {
    const cloud = new Cloud();
    cloud.put('networks', { id: 'n1', name: 'net', mtu: 1450, revision_number: 1 });
    for (const id of ['p1', 'p2']) cloud.put('ports', port(id));
    const options = { ovn_nb_connection: sandbox.nb, ovn_sb_connection: '', ovn_resync_seconds: 0 };
    const a = new OvnDriver(options);
    const b = new OvnDriver(options);
    const passes = { a: [] as SyncResult[], b: [] as SyncResult[] };
    a.synced.push((r) => passes.a.push(r));
    b.synced.push((r) => passes.b.push(r));
    try {
      await a.start(cloud.context());
      assert.equal(a.isLeader, true);
      await until('A wrote the ports at start', () => portsInNb().join() === 'p1,p2');

      await b.start(cloud.context());
      assert.equal(b.isLeader, false, 'B stands by while A holds the lock');
      cloud.put('ports', port('p3'));
      await until('A wrote p3', () => portsInNb().includes('p3') && a.position === cloud.head);
      assert.equal(passes.b.length, 0, 'B translated and wrote nothing');

      // Fencing: a transaction asserting the lock from a connection that does not hold it is refused.
      const ops = await observer.ops(NB);
      await assert.rejects(observer.transact(NB, [ops.assertLock(NB_LOCK), ops.insert('Logical_Switch', { name: 'rogue' })]), (err: any) => err.error === 'not owner');

      // A goes (its connection closes, the lock with it); the cloud changes meanwhile.
      await a.stop();
      cloud.put('ports', port('p4'));
      await until('B took the lock over', () => b.isLeader);
      await until('B reconciled what changed while no one wrote', () => portsInNb().join() === 'p1,p2,p3,p4');
      assert.equal(passes.b[0]?.trigger, 'takeover');
      cloud.put('ports', port('p5'));
      await until('B follows the feed', () => portsInNb().includes('p5'));
      assert.ok(passes.b.some((p) => p.trigger === 'feed' && p.plan.changes.includes('insert Logical_Switch_Port p5')));
      assert.ok(!passes.a.some((p) => p.plan.changes.some((c) => c.includes('p4') || c.includes('p5'))), 'A wrote nothing after it stopped');
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
