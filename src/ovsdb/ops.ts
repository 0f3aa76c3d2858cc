// Typed builders for transact operations (RFC 7047 section 5.2), taking JS values and
// encoding them with the table's schema.
import { toWire, type DatabaseSchema } from './schema.ts';
import { atomToWire, type Atom, type Value } from './values.ts';

export type Row = Record<string, Value>;
export type Condition = [column: string, fn: '==' | '!=' | 'includes' | 'excludes' | '<' | '<=' | '>' | '>=', value: Value];
export type Mutation = [column: string, mutator: 'insert' | 'delete' | '+=' | '-=' | '*=' | '/=' | '%=', value: Value];

export interface Operation {
  op: string;
  [key: string]: unknown;
}

/** Operation builders bound to a schema (values converted per column type). */
export class Ops {
  constructor(readonly schema: DatabaseSchema) {}

  private column(table: string, column: string) {
    const t = this.schema.tables[table];
    if (!t) throw new Error(`OVSDB: no table ${table} in ${this.schema.name}`);
    const c = t.columns[column];
    if (!c) throw new Error(`OVSDB: no column ${table}.${column}`);
    return c;
  }

  private row(table: string, row: Row): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) out[k] = toWire(this.column(table, k), v);
    return out;
  }

  private where(table: string, where: Condition[]): unknown[] {
    return where.map(([col, fn, v]) => {
      const type = this.column(table, col);
      // includes/excludes and comparisons of a set/map column take a set/map; == on a scalar takes an atom.
      return [col, fn, toWire(type, v)];
    });
  }

  insert(table: string, row: Row, uuidName?: string): Operation {
    return { op: 'insert', table, row: this.row(table, row), ...(uuidName ? { 'uuid-name': uuidName } : {}) };
  }

  update(table: string, where: Condition[], row: Row): Operation {
    return { op: 'update', table, where: this.where(table, where), row: this.row(table, row) };
  }

  delete(table: string, where: Condition[]): Operation {
    return { op: 'delete', table, where: this.where(table, where) };
  }

  select(table: string, where: Condition[], columns?: string[]): Operation {
    return { op: 'select', table, where: this.where(table, where), ...(columns ? { columns } : {}) };
  }

  mutate(table: string, where: Condition[], mutations: Mutation[]): Operation {
    return {
      op: 'mutate',
      table,
      where: this.where(table, where),
      mutations: mutations.map(([col, m, v]) => {
        const type = this.column(table, col);
        // insert/delete on a map may take a set of keys (delete) or a map.
        if (type.kind === 'map' && m === 'delete' && Array.isArray(v)) return [col, m, ['set', v.map((a) => atomToWire(a as Atom))]];
        if (type.kind === 'map') return [col, m, toWire(type, v)];
        return [col, m, toWire({ ...type, kind: type.kind === 'atom' && (m === 'insert' || m === 'delete') ? 'set' : type.kind }, v)];
      }),
    };
  }

  /** Waits (up to timeout ms) until the rows matching where have exactly these column values ('==') or not ('!='). */
  wait(table: string, where: Condition[], columns: string[], rows: Row[], until: '==' | '!=', timeout = 0): Operation {
    return { op: 'wait', table, where: this.where(table, where), columns, until, rows: rows.map((r) => this.row(table, r)), timeout };
  }

  /** Fails the transaction unless this connection holds the lock (RFC 7047 section 5.2.11). */
  assertLock(lock: string): Operation {
    return { op: 'assert', lock };
  }

  comment(text: string): Operation {
    return { op: 'comment', comment: text };
  }
}

/** A row is matched by its uuid. */
export const byUuid = (id: string): Condition[] => [['_uuid', '==', { uuid: id }]];
