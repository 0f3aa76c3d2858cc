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
  'Load_Balancer',
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

/** A desired row refers to a key that is neither desired in this plan nor in NB (a scoped plan cannot resolve it). */
export class MissingReference extends Error {}

/** The rows of a plan's scope: table → keys (absent: every key, a full reconcile). */
export type Scope = Map<string, Set<string>>;

export class Reconciler {
  private readonly ops: Ops;
  /** Rows Neutrino manages, table → key → rows (more than one: duplicates, all but the first unwanted). */
  private readonly byKey = new Map<string, Map<string, ReplicaRow[]>>();

  constructor(
    readonly schema: DatabaseSchema,
    private readonly keyOf: KeyOf,
    readonly replica: Replica,
  ) {
    this.ops = new Ops(schema);
    for (const table of TABLE_ORDER) this.byKey.set(table, new Map());
    // The index follows the replica row by row, so a plan never scans whole tables.
    for (const table of TABLE_ORDER) for (const row of replica.rows(table)) this.indexRow(table, row);
    replica.onChange((changes, initial) => {
      if (initial) {
        for (const m of this.byKey.values()) m.clear();
        for (const table of TABLE_ORDER) for (const row of replica.rows(table)) this.indexRow(table, row);
        return;
      }
      for (const c of changes) {
        if (!this.byKey.has(c.table)) continue;
        if (c.old) this.unindexRow(c.table, c.old);
        if (c.new) this.indexRow(c.table, c.new);
      }
    });
  }

  private indexRow(table: string, row: ReplicaRow): void {
    const key = this.keyOf(table, row);
    if (key === null) return;
    const m = this.byKey.get(table)!;
    const rows = m.get(key);
    if (rows) rows.push(row);
    else m.set(key, [row]);
  }

  private unindexRow(table: string, row: ReplicaRow): void {
    const key = this.keyOf(table, row);
    if (key === null) return;
    const m = this.byKey.get(table)!;
    const rows = m.get(key);
    if (!rows) return;
    const i = rows.findIndex((r) => r._uuid.uuid === row._uuid.uuid);
    if (i >= 0) rows.splice(i, 1);
    if (!rows.length) m.delete(key);
  }

  /** The NB row Neutrino manages under a key (the first of duplicates). */
  get(table: string, key: string): ReplicaRow | undefined {
    return this.byKey.get(table)?.get(key)?.[0];
  }

  /** How many rows Neutrino manages in a table. */
  count(table: string): number {
    let n = 0;
    for (const rows of this.byKey.get(table)?.values() ?? []) n += rows.length;
    return n;
  }

  /**
   * The operations that make NB match desired. Without scope, every managed row is
   * considered (a full reconcile: everything unwanted goes). With scope, only the keys
   * named: desired rows among them are written, the others deleted if NB has them; rows
   * outside the scope that desired rows refer to must exist in NB (else MissingReference).
   */
  plan(desired: Desired, scope?: Scope): Plan {
    const plan: Plan = { operations: [], inserted: 0, updated: 0, deleted: 0, changes: [] };
    const keysOf = (table: string): Iterable<string> => {
      if (scope) return scope.get(table) ?? [];
      const keys = new Set(this.byKey.get(table)!.keys());
      for (const k of desired.get(table)?.keys() ?? []) keys.add(k);
      return keys;
    };
    // 1. The row id of each desired row inserted now: a name.
    const named_ = new Map<string, Map<string, Atom>>();
    let n = 0;
    for (const table of TABLE_ORDER) {
      const m = new Map<string, Atom>();
      const existing = this.byKey.get(table)!;
      for (const key of desired.get(table)?.keys() ?? []) if (!existing.has(key)) m.set(key, named(`row${n++}`));
      named_.set(table, m);
    }
    const resolve = (refs: RefSet): Atom[] => {
      const m = named_.get(refs.ref);
      const existing = this.byKey.get(refs.ref);
      if (!m || !existing) throw new Error(`reconcile: references to unmanaged table ${refs.ref}`);
      return refs.keys.map((k) => {
        if (!scope && !desired.get(refs.ref)?.has(k)) throw new Error(`reconcile: ${refs.ref} ${k} is referred to but not desired`);
        const id = m.get(k) ?? (existing.get(k)?.[0] ? uuid(existing.get(k)![0]._uuid.uuid) : undefined);
        if (!id) throw new MissingReference(`reconcile: ${refs.ref} ${k} is referred to but neither desired nor in NB`);
        return id;
      });
    };
    const inserts: Operation[] = [];
    const updates: Operation[] = [];
    const deletes: Operation[] = [];
    for (const table of TABLE_ORDER) {
      const tableSchema = this.schema.tables[table];
      const existing = this.byKey.get(table)!;
      const want = desired.get(table);
      for (const key of keysOf(table)) {
        const rows = existing.get(key);
        const current = rows?.[0];
        const row = want?.get(key);
        // Duplicates (same key twice) and unwanted rows go.
        for (const extra of [...(rows?.slice(row ? 1 : 0) ?? [])]) {
          // Non-root rows disappear with the last reference (their parent's update).
          if (tableSchema.isRoot) deletes.push(this.ops.delete(table, byUuid(extra._uuid.uuid)));
          plan.deleted++;
          plan.changes.push(`delete ${table} ${key}${row ? ' (duplicate)' : ''}`);
        }
        if (!row) continue;
        const values: Record<string, Value> = { ...row.columns };
        for (const [col, refs] of Object.entries(row.refs ?? {})) values[col] = resolve(refs);
        if (!current) {
          const id = named_.get(table)!.get(key) as { named: string };
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
        if (!Object.keys(set).length && !mutations.length) continue;
        if (Object.keys(set).length) updates.push(this.ops.update(table, byUuid(current._uuid.uuid), set));
        if (mutations.length) updates.push(this.ops.mutate(table, byUuid(current._uuid.uuid), mutations));
        plan.updated++;
        plan.changes.push(`update ${table} ${key} (${[...Object.keys(set), ...mutations.map((m) => m[0])].join(', ')})`);
      }
    }
    plan.operations = [...inserts, ...updates, ...deletes];
    return plan;
  }
}
