// Level-triggered reconciliation of northbound rows: given the rows Neutrino wants (each
// with a key derived from Neutron ids) and the replica of what the NB database has, compute
// the smallest transaction that makes NB match — inserts for missing rows, column updates
// (set and map columns by mutate insert/delete of the difference), deletes of unwanted root
// rows. Rows of non-root tables (ports, ACLs, NAT...) go away when their parent stops
// referring to them; Neutrino owns the reference columns of its parents entirely, so a
// stray row someone added to them (an ACL on a port group) is dropped the same way.
import { Ops, byUuid, type Mutation, type Operation, type Replica, type ReplicaRow, type DatabaseSchema, type ColumnType, type Value, type Atom, atomKey, named } from '../../ovsdb/index.ts';

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

/** A set column's value as an array (a missing optional value is the empty set). */
function asSet(v: Value | undefined): Atom[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v as Atom];
}

/**
 * The element keys of replica rows' set columns, built once per row: the replica replaces a
 * row object when the row changes, and an update2 diff carries the elements toggled, so the
 * index of a large set (a port group's 10,000 members) moves to the new row object updated
 * by the diff instead of being rebuilt (Reconciler's replica listener).
 */
type SetKeys = WeakMap<ReplicaRow, Map<string, Set<string>>>;
function keysOfSet(setKeys: SetKeys, row: ReplicaRow, col: string): Set<string> {
  let cols = setKeys.get(row);
  if (!cols) setKeys.set(row, (cols = new Map()));
  let keys = cols.get(col);
  if (!keys) cols.set(col, (keys = new Set(asSet(row[col]).map(atomKey))));
  return keys;
}

/** What makes a column of a row equal to the wanted value: nothing (null), a scalar update, or set/map mutations. */
function columnChange(setKeys: SetKeys, type: ColumnType, row: ReplicaRow, col: string, wanted: Value): { set: Value } | { mutations: Mutation[] } | null {
  const current = row[col];
  if (type.kind === 'set') {
    const have = keysOfSet(setKeys, row, col);
    const wantKeys = new Set<string>();
    const add: Atom[] = [];
    for (const a of asSet(wanted)) {
      const k = atomKey(a);
      if (wantKeys.has(k)) continue;
      wantKeys.add(k);
      if (!have.has(k)) add.push(a);
    }
    if (!add.length && wantKeys.size === have.size) return null;
    // A column of at most one value is written whole.
    if (type.max === 1) return { set: add.length ? add : [] };
    const remove = asSet(current).filter((a) => !wantKeys.has(atomKey(a)));
    const mutations: Mutation[] = [];
    if (remove.length) mutations.push([col, 'delete', remove]);
    if (add.length) mutations.push([col, 'insert', add]);
    return { mutations };
  }
  if (type.kind === 'map') {
    const have = (current ?? {}) as Record<string, Atom>;
    const want = (wanted ?? {}) as Record<string, Atom>;
    // Changed values are deleted by key, then inserted.
    const remove = Object.keys(have).filter((k) => !Object.hasOwn(want, k) || atomKey(want[k]) !== atomKey(have[k]));
    const add: Record<string, Atom> = {};
    let adds = 0;
    for (const [k, a] of Object.entries(want)) {
      if (Object.hasOwn(have, k) && atomKey(have[k]) === atomKey(a)) continue;
      add[k] = a;
      adds++;
    }
    if (!remove.length && !adds) return null;
    const mutations: Mutation[] = [];
    if (remove.length) mutations.push([col, 'delete', remove]);
    if (adds) mutations.push([col, 'insert', add]);
    return { mutations };
  }
  return current !== undefined && atomKey(current as Atom) === atomKey(wanted as Atom) ? null : { set: wanted };
}

/** A desired row refers to a key that is neither desired in this plan nor in NB (a scoped plan cannot resolve it). */
export class MissingReference extends Error {}

/** The rows of a plan's scope: table → keys (absent: every key, a full reconcile). */
export type Scope = Map<string, Set<string>>;

export class Reconciler {
  private readonly ops: Ops;
  private readonly setKeys: SetKeys = new WeakMap();
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
        if (c.old && c.new && c.diff) this.carrySetKeys(c.table, c.old, c.new, c.diff);
      }
    });
  }

  /** Moves the set indexes of a modified row to its new object, toggling the diff's elements. */
  private carrySetKeys(table: string, old: ReplicaRow, row: ReplicaRow, diff: Record<string, Value>): void {
    const cols = this.setKeys.get(old);
    if (!cols) return;
    this.setKeys.delete(old);
    for (const [col, keys] of cols) {
      if (!(col in diff)) continue;
      const type = this.schema.tables[table]?.columns[col];
      if (type?.kind !== 'set' || type.max === 1) {
        cols.delete(col);
        continue;
      }
      for (const a of asSet(diff[col])) {
        const k = atomKey(a);
        if (keys.has(k)) keys.delete(k);
        else keys.add(k);
      }
    }
    this.setKeys.set(row, cols);
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
        const id = m.get(k) ?? existing.get(k)?.[0]._uuid;
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
          const change = columnChange(this.setKeys, tableSchema.columns[col], current, col, value);
          if (!change) continue;
          if ('set' in change) set[col] = change.set;
          else mutations.push(...change.mutations);
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
