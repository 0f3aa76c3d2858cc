// Generic SQL mapping between a resource's API form (attribute names, JS values) and its
// table rows, and the list query (filters, tags, sorting, markers) built from definitions.
import { sql, type Expression, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import { rowsAsArrays, type Dialect, type Tx } from '../db/index.ts';
import { anyOf, arrayParameter, MAX_PREPARED_LIST, PreparedQueries } from '../db/prepared.ts';
import { dbLockWait } from '../foundation/metrics.ts';
import type { Resource } from './registry.ts';
import { columnOf, storageOf, type AttributeDef } from './definitions.ts';
import { badRequest } from '../foundation/errors.ts';

export type Item = Record<string, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Query = SelectQueryBuilder<any, any, any>;

export interface SortKey {
  key: string;
  dir: 'asc' | 'desc';
}

export interface TagFilters {
  all?: string[];
  any?: string[];
  notAll?: string[];
  notAny?: string[];
}

export interface ListQuery {
  /** Attribute name → accepted values (a repeated parameter means any of them). */
  filters: Record<string, unknown[]>;
  tags?: TagFilters;
  fields?: string[];
  sort: SortKey[];
  limit?: number;
  marker?: string;
  pageReverse?: boolean;
}

/** Columns (not computed) of a resource, with their attribute definitions. */
function storedAttributes(resource: Resource): [string, AttributeDef, string][] {
  const out: [string, AttributeDef, string][] = [];
  for (const [name, def] of Object.entries(resource.attributes)) {
    if (name === 'tenant_id' || name === 'tags') continue;
    if (storageOf(def) === 'computed') continue;
    out.push([name, def, columnOf(name, def)]);
  }
  return out;
}

/** A JS value as the database driver wants it (booleans as 0/1 on SQLite, JSON as text). */
export function toDb(dialect: Dialect, def: AttributeDef, value: unknown): unknown {
  if (value === undefined || value === null) return value ?? null;
  if (storageOf(def) === 'json') return JSON.stringify(value);
  if (def.type === 'boolean' && dialect === 'sqlite') return value ? 1 : 0;
  return value;
}

/** JSON.parse with a shortcut for the empty list and dict most JSON columns hold (list speed). */
function parseJson(text: string): unknown {
  if (text === '[]') return [];
  if (text === '{}') return {};
  return JSON.parse(text);
}

function fromDb(def: AttributeDef, value: unknown): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (storageOf(def) === 'json') return typeof value === 'string' ? parseJson(value) : value;
  if (def.type === 'boolean') return value === true || value === 1 || value === '1';
  return value;
}

type RowMapper<R> = (row: R, conv: typeof fromDb, stored: [string, AttributeDef, string][]) => Item;

export class Repository {
  readonly stored: [string, AttributeDef, string][];
  /** The columns an item is made of (fromRow reads), in the order of selectColumns. */
  readonly columns: string[];
  private readonly rowMapper: RowMapper<Record<string, unknown>>;
  private readonly arrayMapper: RowMapper<unknown[]>;
  /** Whether selects of this.columns answer rows as arrays here (db: rowsAsArrays). */
  private readonly arrays: boolean;
  /** The statements every request runs on this table, compiled once per shape (db/prepared.ts). */
  readonly prepared: PreparedQueries;

  constructor(
    readonly resource: Resource,
    readonly dialect: Dialect,
  ) {
    this.stored = storedAttributes(resource);
    this.columns = [...new Set([...this.stored.map(([, , column]) => column), ...(resource.hasProject ? ['project_id'] : [])])];
    this.rowMapper = this.compileRowMapper((column) => `row[${JSON.stringify(column)}]`);
    this.arrayMapper = this.compileRowMapper((column) => `row[${this.columns.indexOf(column)}]`);
    this.arrays = rowsAsArrays(dialect);
    this.prepared = new PreparedQueries(dialect);
  }

  /** The columns of this.columns as a select list (qualified by the table, for joins). */
  get selectColumns(): string[] {
    return this.columns.map((c) => `${this.table}.${c}`);
  }

  private selectList?: RawBuilder<unknown>;

  /**
   * selectFrom(table) selecting selectColumns, from a select list built once: Kysely parses
   * column names anew for every query it builds (~40 µs for the 31 of a port, per list).
   */
  selectFrom(q: Tx): Query {
    const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
    this.selectList ??= sql.raw(this.columns.map((c) => `${quote(this.table)}.${quote(c)}`).join(', '));
    // A raw expression is a valid selection at run time; Kysely's types want an alias.
    return q.selectFrom(this.table).select(this.selectList as unknown as Expression<unknown> as never);
  }

  /**
   * Runs a select of selectColumns (build(q, arg) as for PreparedQueries.run) and answers
   * its rows as items: from row arrays where the dialect answers those (cheaper for SQLite
   * to build), else from row objects.
   */
  async selectItems(q: Tx, key: string | null, args: readonly unknown[], build: (q: Tx, arg: (i: number) => any) => Query): Promise<Item[]> {
    if (!this.arrays) return (await this.prepared.run(q, key, args, build)).map((row) => this.rowMapper(row, fromDb, this.stored));
    const rows = await this.prepared.arrays(q, key, args, build);
    const items = new Array<Item>(rows.length);
    for (let i = 0; i < rows.length; i++) items[i] = this.arrayMapper(rows[i], fromDb, this.stored);
    return items;
  }

  get table(): string {
    return this.resource.table;
  }

  /** A table row (object) → the resource in its API form (stored attributes only). */
  fromRow(row: Record<string, unknown>): Item {
    return this.rowMapper(row, fromDb, this.stored);
  }

  /**
   * fromRow as one function compiled from the definition: builds every item with one
   * object literal (one hidden class, no per-attribute loop), which keeps lists of
   * thousands of rows cheap. value(column) is the expression reading a column from `row`
   * (by name from an object, by position from an array); names are JSON-quoted, so any
   * attribute name is safe.
   */
  private compileRowMapper<R>(value: (column: string) => string): RowMapper<R> {
    const fields = this.stored.map(([name, def, column], i) => {
      const kind = storageOf(def) === 'json' || def.type === 'boolean' ? `conv(stored[${i}][1], ${value(column)})` : `(${value(column)} ?? null)`;
      return `${JSON.stringify(name)}: ${kind}`;
    });
    if (this.resource.hasProject) fields.push(`tenant_id: ${value('project_id')} ?? null`);
    return new Function('row', 'conv', 'stored', `return { ${fields.join(', ')} };`) as RowMapper<R>;
  }

  /** The stored attributes of item as table columns (only those present in item). */
  toRow(item: Item): Record<string, unknown> {
    const row: Record<string, unknown> = {};
    for (const [name, def, column] of this.stored) {
      if (name in item) row[column] = toDb(this.dialect, def, item[name]);
    }
    return row;
  }

  async insert(trx: Tx, item: Item): Promise<void> {
    const row = this.toRow(item);
    const columns = Object.keys(row);
    const values = columns.map((c) => row[c]);
    await this.prepared.run(trx, `insert:${columns.join(',')}`, values, (q, arg) => q.insertInto(this.table).values(Object.fromEntries(columns.map((c, i) => [c, arg(i)]))));
  }

  async updateColumns(trx: Tx, id: string, item: Item): Promise<void> {
    const row = this.toRow(item);
    if (Object.keys(row).length === 0) return;
    await trx.updateTable(this.table).set(row).where('id', '=', id).execute();
  }

  /**
   * The item with this id. forUpdate: its row held for the rest of the transaction, on
   * PostgreSQL by one `select … for update` (the lock and the read in one round trip);
   * SQLite serializes transactions, so a plain read.
   */
  async findById(trx: Tx, id: string, forUpdate = false): Promise<Item | undefined> {
    if (!forUpdate || this.dialect !== 'postgres') {
      const [item] = await this.selectItems(trx, 'byId', [id], (q, arg) => q.selectFrom(this.table).select(this.selectColumns).where('id', '=', arg(0)));
      return item;
    }
    const start = performance.now();
    const [item] = await this.selectItems(trx, 'byIdForUpdate', [id], (q, arg) => q.selectFrom(this.table).select(this.selectColumns).where('id', '=', arg(0)).forUpdate());
    dbLockWait.observe({ dialect: this.dialect, kind: 'row' }, (performance.now() - start) / 1000); // the wait and the read
    return item;
  }

  /**
   * Rows where each given column equals the value (an array means any of: on PostgreSQL one
   * array parameter, `= any($n)`, so one shape for any number of values).
   */
  async findWhere(trx: Tx, where: Record<string, unknown>): Promise<Item[]> {
    // The shape: each condition's column and form (= value, is null, in a list of n values, any of an array).
    const conditions: { column: string; form: string; values: unknown[] }[] = [];
    for (const [name, value] of Object.entries(where)) {
      const def = this.resource.attributes[name];
      const column = def ? columnOf(name, def) : name;
      const db = (v: unknown) => (def ? toDb(this.dialect, def, v) : v);
      if (Array.isArray(value)) {
        if (value.length === 0) return [];
        if (this.dialect === 'postgres') conditions.push({ column, form: 'any', values: [arrayParameter(value.map(db))] });
        else conditions.push({ column, form: `in${value.length}`, values: value.map(db) });
      } else if (value === null) {
        conditions.push({ column, form: 'null', values: [] });
      } else {
        conditions.push({ column, form: '=', values: [db(value)] });
      }
    }
    const key = conditions.some((c) => c.values.length > MAX_PREPARED_LIST) ? null : `where:${conditions.map((c) => `${c.column} ${c.form}`).join(',')}`;
    const args = conditions.flatMap((c) => c.values);
    return this.selectItems(trx, key, args, (q, arg) => {
      let query: Query = q.selectFrom(this.table).select(this.selectColumns);
      let n = 0;
      for (const c of conditions) {
        if (c.form === 'null') query = query.where(c.column, 'is', null);
        else if (c.form === '=') query = query.where(c.column, '=', arg(n++));
        else if (c.form === 'any') query = query.where(anyOf(c.column, arg(n++)));
        else query = query.where(c.column, 'in', c.values.map(() => arg(n++)));
      }
      return query;
    });
  }

  /**
   * Deletes the row of id and, with tags, the item's tags: on PostgreSQL in one statement (a
   * data-modifying `with`: one round trip less per delete), on SQLite in two.
   */
  async deleteById(trx: Tx, id: string, tags = false): Promise<void> {
    if (tags && this.dialect === 'postgres') {
      await this.prepared.run(trx, 'deleteWithTags', [id], (q, arg) =>
        q.with('deleted_tags', (q) => q.deleteFrom('tags').where('resource_id', '=', arg(0))).deleteFrom(this.table).where('id', '=', arg(0)),
      );
      return;
    }
    if (tags) await this.prepared.run(trx, 'deleteTags', [id], (q, arg) => q.deleteFrom('tags').where('resource_id', '=', arg(0)));
    await this.prepared.run(trx, 'deleteById', [id], (q, arg) => q.deleteFrom(this.table).where('id', '=', arg(0)));
  }

  /** Applies attribute filters that map to columns; returns the names it could not apply. */
  applyFilters(q: Query, filters: Record<string, unknown[]>): { q: Query; rest: Record<string, unknown[]> } {
    const rest: Record<string, unknown[]> = {};
    for (const [name, values] of Object.entries(filters)) {
      const def = this.resource.attributes[name];
      if (!def || storageOf(def) !== 'column') {
        rest[name] = values;
        continue;
      }
      const column = `${this.table}.${columnOf(name, def)}`;
      const nonNull = values.filter((v) => v !== null).map((v) => toDb(this.dialect, def, v));
      const wantsNull = values.some((v) => v === null);
      q = q.where((eb) => {
        const ors = [];
        if (nonNull.length) ors.push(eb(column, 'in', nonNull));
        if (wantsNull) ors.push(eb(column, 'is', null));
        return eb.or(ors);
      });
    }
    return { q, rest };
  }

  applyTagFilters(q: Query, tags: TagFilters | undefined): Query {
    if (!tags) return q;
    const idRef = `${this.table}.id`;
    const matching = (list: string[], all: boolean) => {
      let sub = sql`select resource_id from tags where tag in (${sql.join(list)})`;
      if (all) sub = sql`${sub} group by resource_id having count(distinct tag) = ${list.length}`;
      return sub;
    };
    if (tags.all?.length) q = q.where(sql<boolean>`${sql.ref(idRef)} in (${matching(tags.all, true)})`);
    if (tags.any?.length) q = q.where(sql<boolean>`${sql.ref(idRef)} in (${matching(tags.any, false)})`);
    if (tags.notAll?.length) q = q.where(sql<boolean>`${sql.ref(idRef)} not in (${matching(tags.notAll, true)})`);
    if (tags.notAny?.length) q = q.where(sql<boolean>`${sql.ref(idRef)} not in (${matching(tags.notAny, false)})`);
    return q;
  }

  /**
   * Sorting and keyset pagination: the sort keys, then id as a tiebreaker; with a marker,
   * only rows after it (before it when reversing) in that order.
   */
  async applyOrderAndMarker(trx: Tx, q: Query, query: ListQuery): Promise<Query> {
    const keys: SortKey[] = [...query.sort];
    if (!keys.some((k) => k.key === 'id')) keys.push({ key: 'id', dir: keys[0]?.dir ?? 'asc' });
    const cols = keys.map((k) => {
      const def = this.resource.attributes[k.key];
      if (!def || storageOf(def) !== 'column' || def.sort === false) throw badRequest(`Attribute '${k.key}' is not supported for sorting`);
      return { column: `${this.table}.${columnOf(k.key, def)}`, def, dir: query.pageReverse ? (k.dir === 'asc' ? 'desc' : 'asc') : k.dir };
    });
    if (query.marker && cols.length === 1 && cols[0].dir === 'asc') {
      // Pages in id order (the default): the marker's id bounds the page in the list's own
      // statement, one round trip less; a marker that is not there lists from the start, as below.
      q = q.where(sql<boolean>`${sql.ref(cols[0].column)} > coalesce((select id from ${sql.table(this.table)} where id = ${query.marker}), '')`);
    } else if (query.marker) {
      const [marker] = await this.prepared.run(trx, 'marker', [query.marker], (q, arg) => q.selectFrom(this.table).selectAll().where('id', '=', arg(0)));
      if (marker) {
        q = q.where((eb) => {
          const ors = cols.map((c, i) => {
            const ands = cols.slice(0, i).map((p) => eb(p.column, '=', marker[p.column.split('.')[1]] as never));
            ands.push(eb(c.column, c.dir === 'asc' ? '>' : '<', marker[c.column.split('.')[1]] as never));
            return eb.and(ands);
          });
          return eb.or(ors);
        });
      }
    }
    for (const c of cols) q = q.orderBy(c.column, c.dir as 'asc' | 'desc');
    return q;
  }
}
