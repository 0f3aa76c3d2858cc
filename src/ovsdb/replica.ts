// An in-memory copy of some tables of a database, kept current by a monitor: rows in JS
// form (values.ts) by table and uuid. Listeners hear each row change after it is applied.
import type { OvsdbClient, MonitorRequest, TableUpdates } from './client.ts';
import { fromWire, type DatabaseSchema } from './schema.ts';
import type { Value } from './values.ts';

export type ReplicaRow = Record<string, Value> & { _uuid: { uuid: string } };

export interface RowChange {
  table: string;
  uuid: string;
  old?: ReplicaRow;
  new?: ReplicaRow;
}

export class Replica {
  readonly tables = new Map<string, Map<string, ReplicaRow>>();
  private listeners: ((changes: RowChange[], initial: boolean) => void)[] = [];
  /** Whether the initial state has been received (after the last (re)connect). */
  ready = false;

  constructor(readonly schema: DatabaseSchema) {}

  /** Subscribes the replica to client's monitor of the given tables (all columns unless listed). */
  static async follow(client: OvsdbClient, db: string, tables: Record<string, string[] | undefined>): Promise<Replica> {
    const replica = new Replica(await client.getSchema(db));
    const requests: Record<string, MonitorRequest> = {};
    for (const [table, columns] of Object.entries(tables)) requests[table] = columns ? { columns } : {};
    await client.monitor(db, requests, (updates, initial) => replica.apply(updates, initial));
    return replica;
  }

  onChange(listener: (changes: RowChange[], initial: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Calls listener once, after the next applied update. */
  onceChanged(listener: () => void): void {
    const once = () => {
      this.listeners = this.listeners.filter((l) => l !== once);
      listener();
    };
    this.listeners.push(once);
  }

  table(name: string): Map<string, ReplicaRow> {
    let t = this.tables.get(name);
    if (!t) this.tables.set(name, (t = new Map()));
    return t;
  }

  rows(name: string): ReplicaRow[] {
    return [...this.table(name).values()];
  }

  get(name: string, uuid: string): ReplicaRow | undefined {
    return this.tables.get(name)?.get(uuid);
  }

  /** Applies an `update` notification (or a monitor's initial state, which replaces everything). */
  apply(updates: TableUpdates, initial: boolean): void {
    const changes: RowChange[] = [];
    if (initial) {
      for (const [table, rows] of this.tables) for (const [uuid, old] of rows) changes.push({ table, uuid, old });
      this.tables.clear();
    }
    for (const [table, rows] of Object.entries(updates)) {
      const schema = this.schema.tables[table];
      const t = this.table(table);
      for (const [uuid, update] of Object.entries(rows)) {
        const old = t.get(uuid);
        if (!update.new) {
          t.delete(uuid);
          if (old) changes.push({ table, uuid, old });
          continue;
        }
        // `new` holds every monitored column (RFC 7047 section 4.1.6).
        const row = { _uuid: { uuid } } as ReplicaRow;
        for (const [col, w] of Object.entries(update.new)) row[col] = fromWire(schema?.columns[col], w);
        t.set(uuid, row);
        changes.push({ table, uuid, old, new: row });
      }
    }
    if (initial) this.ready = true;
    for (const l of this.listeners) l(changes, initial);
  }
}
