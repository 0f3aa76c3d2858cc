// An in-memory copy of some tables of a database, kept current by a monitor: rows in JS
// form (values.ts) by table and uuid. Listeners hear each row change after it is applied.
import type { OvsdbClient, MonitorRequest, TableUpdates, TableUpdates2 } from './client.ts';
import { fromWire, type ColumnType, type DatabaseSchema, type TableSchema } from './schema.ts';
import { atomKey, type Atom, type Value } from './values.ts';

export type ReplicaRow = Record<string, Value> & { _uuid: { uuid: string } };

export interface RowChange {
  table: string;
  uuid: string;
  old?: ReplicaRow;
  new?: ReplicaRow;
  /**
   * A modification by an update2 diff: the diff of each column changed, in JS form (a set
   * column's elements toggled, a map's keys added, removed or changed; for a column of at
   * most one value, the new value). Lets a listener keep an index of a large set in step.
   */
  diff?: Record<string, Value>;
}

export class Replica {
  readonly tables = new Map<string, Map<string, ReplicaRow>>();
  private listeners: ((changes: RowChange[], initial: boolean) => void)[] = [];
  /** Whether the initial state has been received (after the last (re)connect). */
  ready = false;

  constructor(readonly schema: DatabaseSchema) {}

  /**
   * Subscribes the replica to client's monitor of the given tables (all columns unless
   * listed): monitor_cond_since, so after a reconnect only what changed meanwhile is applied
   * when the server can tell (else the replica is refilled; ovsdb-server answers
   * monitor_cond_since without history for standalone databases, monitor_cond for old ones).
   */
  static async follow(client: OvsdbClient, db: string, tables: Record<string, string[] | undefined>): Promise<Replica> {
    const replica = new Replica(await client.getSchema(db));
    const requests: Record<string, MonitorRequest> = {};
    for (const [table, columns] of Object.entries(tables)) requests[table] = columns ? { columns } : {};
    await client.monitorCondSince(db, requests, (updates, initial) => replica.apply2(updates, initial));
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
    this.applyRows(updates, initial, (t, table, uuid, update, old, schema, changes) => {
      if (!update.new) {
        t.delete(uuid);
        if (old) changes.push({ table, uuid, old });
        return;
      }
      // `new` holds every monitored column (RFC 7047 section 4.1.6).
      const row = { _uuid: { uuid } } as ReplicaRow;
      for (const [col, w] of Object.entries(update.new)) row[col] = fromWire(schema?.columns[col], w);
      t.set(uuid, row);
      changes.push({ table, uuid, old, new: row });
    });
  }

  /** Applies `update2` row updates (monitor_cond): `modify` carries diffs of set and map columns. */
  apply2(updates: TableUpdates2, initial: boolean): void {
    this.applyRows(updates, initial, (t, table, uuid, update, old, schema, changes) => {
      const full = update.initial ?? update.insert;
      if (full) {
        const row = { _uuid: { uuid } } as ReplicaRow;
        for (const [col, w] of Object.entries(full)) row[col] = fromWire(schema?.columns[col], w);
        // Columns at their default are left out of initial/insert rows.
        for (const [col, type] of Object.entries(schema?.columns ?? {})) if (!(col in row) && col[0] !== '_') row[col] = emptyValue(type);
        t.set(uuid, row);
        changes.push({ table, uuid, old, new: row });
      } else if (update.modify && old) {
        const row = { ...old } as ReplicaRow;
        const diff: Record<string, Value> = {};
        for (const [col, w] of Object.entries(update.modify)) {
          diff[col] = fromWire(schema?.columns[col], w);
          row[col] = applyDiff(schema?.columns[col], old[col], diff[col]);
        }
        t.set(uuid, row);
        changes.push({ table, uuid, old, new: row, diff });
      } else if ('delete' in update) {
        t.delete(uuid);
        if (old) changes.push({ table, uuid, old });
      }
    });
  }

  /**
   * What both update forms share: an initial state replaces the replica (every row it held is
   * reported gone first), each row update goes through applyRow, listeners hear the changes once.
   */
  private applyRows<U>(
    updates: Record<string, Record<string, U>>,
    initial: boolean,
    applyRow: (t: Map<string, ReplicaRow>, table: string, uuid: string, update: U, old: ReplicaRow | undefined, schema: TableSchema | undefined, changes: RowChange[]) => void,
  ): void {
    const changes: RowChange[] = [];
    if (initial) {
      for (const [table, rows] of this.tables) for (const [uuid, old] of rows) changes.push({ table, uuid, old });
      this.tables.clear();
    }
    for (const [table, rows] of Object.entries(updates)) {
      const schema = this.schema.tables[table];
      const t = this.table(table);
      for (const [uuid, update] of Object.entries(rows)) applyRow(t, table, uuid, update, t.get(uuid), schema, changes);
    }
    if (initial) this.ready = true;
    for (const l of this.listeners) l(changes, initial);
  }
}

/** A column's value when a row leaves it out (its default): empty set or map, or the atom's zero. */
function emptyValue(type: ColumnType): Value {
  if (type.kind === 'set') return [];
  if (type.kind === 'map') return {};
  return type.key === 'string' ? '' : type.key === 'boolean' ? false : type.key === 'integer' || type.key === 'real' ? 0 : '';
}

/** A column's new value from its old value and an update2 diff (ovsdb-server(7)). */
function applyDiff(type: ColumnType | undefined, old: Value | undefined, diff: Value): Value {
  // A column of at most one value (scalar or optional): the diff is the new value.
  if (type?.kind === 'set' && type.max === 1) return diff;
  if (type?.kind === 'set') {
    // The elements that changed: each one present is removed, each one absent is added. One
    // pass over the old elements against the (usually small) diff: a large set is not re-indexed.
    const changed = new Map((diff as Atom[]).map((a) => [atomKey(a), a]));
    const out: Atom[] = [];
    for (const a of (old ?? []) as Atom[]) {
      const k = atomKey(a);
      if (changed.has(k)) changed.delete(k);
      else out.push(a);
    }
    for (const a of changed.values()) out.push(a);
    return out;
  }
  if (type?.kind === 'map') {
    // Per key: absent → added; present with the same value → removed; another value → replaced.
    const current: Record<string, Atom> = { ...((old ?? {}) as Record<string, Atom>) };
    for (const [k, v] of Object.entries(diff as Record<string, Atom>)) {
      if (!(k in current)) current[k] = v;
      else if (atomKey(current[k]) === atomKey(v)) delete current[k];
      else current[k] = v;
    }
    return current;
  }
  return diff;
}
