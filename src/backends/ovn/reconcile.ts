// Level-triggered reconciliation of northbound rows: given the rows Neutrino wants (each
// with a key derived from Neutron ids) and the replica of what the NB database has, compute
// the smallest transaction that makes NB match — inserts for missing rows, column updates
// (set and map columns by mutate insert/delete of the difference), deletes of unwanted root
// rows. Rows of non-root tables (ports, ACLs, NAT...) go away when their parent stops
// referring to them; Neutrino owns the reference columns of its parents entirely, so a
// stray row someone added to them (an ACL on a port group) is dropped the same way.
import { Ops, byUuid, type Mutation, type Operation, type Replica, type ReplicaRow, type DatabaseSchema, type ColumnType, type Value, type Atom, atomKey, named, uuid } from '../../ovsdb/index.ts';

/** A reference column's desired value: rows of `table` by key. */
export interface RefSet {
  ref: string;
  keys: string[];
}

export interface DesiredRow {
  /** Plain column values (JS form, see ovsdb/values.ts). */
  columns: Record<string, Value>;
  /** Reference columns, by the keys of the rows they point to. */
  refs?: Record<string, RefSet>;
}

/** Desired rows: table → key → row. */
export type Desired = Map<string, Map<string, DesiredRow>>;

/** How the key of an existing row is read (null: not a row Neutrino manages). */
export type KeyOf = (table: string, row: ReplicaRow) => string | null;

export interface Plan {
  operations: Operation[];
  inserted: number;
  updated: number;
  deleted: number;
  /** Short descriptions of what changes (for logs): `insert Logical_Switch neutron-…`. */
  changes: string[];
}

/** Tables in the order their rows are inserted: rows referred to come before the rows referring. */
export const TABLE_ORDER = [
  'Address_Set',
  'DHCP_Options',
  'Gateway_Chassis',
  'ACL',
  'Logical_Switch_Port',
  'Logical_Router_Port',
  'Logical_Router_Static_Route',
  'NAT',
  'Logical_Switch',
  'Port_Group',
  'Logical_Router',
];

/** A canonical text of a column value (sets sorted, maps by key) for comparisons. */
function canonical(type: ColumnType | undefined, v: Value | undefined): string {
  const list = normalize(type, v);
  if (Array.isArray(list)) return JSON.stringify(list.map(atomKey).sort());
  if (list && typeof list === 'object' && !('uuid' in list) && !('named' in list)) {
    return JSON.stringify(Object.entries(list as Record<string, Atom>).map(([k, a]) => [k, atomKey(a)]).sort());
  }
  return JSON.stringify(atomKey(list as Atom));
}

/** Whether two values of a column are equal; sets by membership (large port sets: no sorting). */
function equal(type: ColumnType | undefined, a: Value | undefined, b: Value | undefined): boolean {
  if (type?.kind === 'set') {
    const x = normalize(type, a) as Atom[];
    const y = normalize(type, b) as Atom[];
    if (x.length !== y.length) return false;
    if (x.length === 1) return atomKey(x[0]) === atomKey(y[0]);
    const keys = new Set(y.map(atomKey));
    return keys.size === y.length && x.every((v) => keys.has(atomKey(v)));
  }
  return canonical(type, a) === canonical(type, b);
}

/** A value in its column's shape: sets as arrays (a missing optional value is the empty set). */
function normalize(type: ColumnType | undefined, v: Value | undefined): Value {
  if (type?.kind === 'set') {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) return [v as Atom];
    // A set has no duplicates (OVSDB drops them): neither may the value compared with it.
    return v.length < 2 ? v : [...new Map(v.map((a) => [atomKey(a), a])).values()];
  }
  if (type?.kind === 'map') return (v ?? {}) as Value;
  return v as Value;
}

export class Reconciler {
  private readonly ops: Ops;
  /**
   * Replica rows found equal to a desired row object. The replica replaces a row object when
   * the row changes, and memoized translation (translate.ts) keeps row objects of unchanged
   * objects: the pair unchanged means equal, without comparing column by column.
   */
  private matched = new WeakMap<ReplicaRow, DesiredRow>();

  constructor(
    readonly schema: DatabaseSchema,
    private readonly keyOf: KeyOf,
  ) {
    this.ops = new Ops(schema);
  }

  /** Existing rows Neutrino manages: table → key → row (a duplicate key keeps the first; the others are unwanted). */
  index(replica: Replica): { byKey: Map<string, Map<string, ReplicaRow>>; duplicates: { table: string; row: ReplicaRow }[] } {
    const byKey = new Map<string, Map<string, ReplicaRow>>();
    const duplicates: { table: string; row: ReplicaRow }[] = [];
    for (const table of TABLE_ORDER) {
      const m = new Map<string, ReplicaRow>();
      for (const row of replica.rows(table)) {
        const key = this.keyOf(table, row);
        if (key === null) continue;
        if (m.has(key)) duplicates.push({ table, row });
        else m.set(key, row);
      }
      byKey.set(table, m);
    }
    return { byKey, duplicates };
  }

  /**
   * The operations that make NB match desired. `scope` limits deletions to tables given
   * (a full reconcile passes none: everything unwanted goes).
   */
  plan(desired: Desired, replica: Replica): Plan {
    const { byKey, duplicates } = this.index(replica);
    const plan: Plan = { operations: [], inserted: 0, updated: 0, deleted: 0, changes: [] };
    // 1. The row id each desired row will have: its uuid, or a name for a row inserted now.
    const ids = new Map<string, Map<string, Atom>>();
    let n = 0;
    for (const table of TABLE_ORDER) {
      const m = new Map<string, Atom>();
      const existing = byKey.get(table)!;
      for (const key of desired.get(table)?.keys() ?? []) {
        const row = existing.get(key);
        m.set(key, row ? uuid(row._uuid.uuid) : named(`row${n++}`));
      }
      ids.set(table, m);
    }
    const resolve = (refs: RefSet): Atom[] => {
      const m = ids.get(refs.ref);
      if (!m) throw new Error(`reconcile: references to unmanaged table ${refs.ref}`);
      return refs.keys.map((k) => {
        const id = m.get(k);
        if (!id) throw new Error(`reconcile: ${refs.ref} ${k} is referred to but not desired`);
        return id;
      });
    };
    const inserts: Operation[] = [];
    const updates: Operation[] = [];
    const deletes: Operation[] = [];
    for (const table of TABLE_ORDER) {
      const tableSchema = this.schema.tables[table];
      const existing = byKey.get(table)!;
      const want = desired.get(table) ?? new Map<string, DesiredRow>();
      for (const [key, row] of want) {
        const current = existing.get(key);
        // The same desired row object and the same replica row as last time: equal already.
        if (current && this.matched.get(current) === row) continue;
        const values: Record<string, Value> = { ...row.columns };
        for (const [col, refs] of Object.entries(row.refs ?? {})) values[col] = resolve(refs);
        if (!current) {
          const id = ids.get(table)!.get(key) as { named: string };
          inserts.push(this.ops.insert(table, values, id.named));
          plan.inserted++;
          plan.changes.push(`insert ${table} ${key}`);
          continue;
        }
        const set: Record<string, Value> = {};
        const mutations: Mutation[] = [];
        for (const [col, value] of Object.entries(values)) {
          const type = tableSchema.columns[col];
          if (equal(type, value, current[col])) continue;
          if (type.kind === 'set' && (type.max === 'unlimited' || type.max > 1)) {
            const have = normalize(type, current[col]) as Atom[];
            const wanted = normalize(type, value) as Atom[];
            const haveKeys = new Set(have.map(atomKey));
            const wantKeys = new Set(wanted.map(atomKey));
            const remove = have.filter((a) => !wantKeys.has(atomKey(a)));
            const add = wanted.filter((a) => !haveKeys.has(atomKey(a)));
            if (remove.length) mutations.push([col, 'delete', remove]);
            if (add.length) mutations.push([col, 'insert', add]);
          } else if (type.kind === 'map') {
            const have = normalize(type, current[col]) as Record<string, Atom>;
            const wanted = normalize(type, value) as Record<string, Atom>;
            // Changed values are deleted by key, then inserted.
            const remove = Object.keys(have).filter((k) => !(k in wanted) || atomKey(wanted[k]) !== atomKey(have[k]));
            const add = Object.fromEntries(Object.entries(wanted).filter(([k, a]) => !(k in have) || atomKey(have[k]) !== atomKey(a)));
            if (remove.length) mutations.push([col, 'delete', remove]);
            if (Object.keys(add).length) mutations.push([col, 'insert', add]);
          } else {
            set[col] = value;
          }
        }
        if (!Object.keys(set).length && !mutations.length) {
          this.matched.set(current, row);
          continue;
        }
        if (Object.keys(set).length) updates.push(this.ops.update(table, byUuid(current._uuid.uuid), set));
        if (mutations.length) updates.push(this.ops.mutate(table, byUuid(current._uuid.uuid), mutations));
        plan.updated++;
        plan.changes.push(`update ${table} ${key} (${[...Object.keys(set), ...mutations.map((m) => m[0])].join(', ')})`);
      }
      const unwanted = [...existing].filter(([key]) => !want.has(key)).map(([key, row]) => ({ key, row }));
      for (const d of duplicates) if (d.table === table) unwanted.push({ key: `${this.keyOf(table, d.row)} (duplicate)`, row: d.row });
      for (const { key, row } of unwanted) {
        // Non-root rows disappear with the last reference (their parent's update above).
        if (tableSchema.isRoot) deletes.push(this.ops.delete(table, byUuid(row._uuid.uuid)));
        plan.deleted++;
        plan.changes.push(`delete ${table} ${key}`);
      }
    }
    plan.operations = [...inserts, ...updates, ...deletes];
    return plan;
  }
}
