// Statements the API runs on every request (find by id, delete by id, an item's tags…)
// built and compiled by Kysely once per shape instead of once per call: building and
// compiling a query costs more CPU than SQLite takes to run the simple ones. The SQL text is
// compiled with markers in place of the arguments; each call binds the arguments in the
// order the markers took.
import { CompiledQuery, sql, type Compilable, type Expression, type Kysely, type QueryResult, type SqlBool, type Transaction } from 'kysely';

// index.ts's Tx, named here too (index.ts imports this file; cycles are refused).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Tx = Transaction<any> | Kysely<any>;
/** The database engines (index.ts re-exports it). */
export type Dialect = 'sqlite' | 'postgres';

interface Shape {
  sql: string;
  /** For each parameter of the compiled query, the index of the argument it takes. */
  slots: number[];
}

/** The part of a better-sqlite3 database a statement of a transaction runs on (index.ts holds the handle). */
export interface SqliteHandle {
  prepare(sql: string): { reader: boolean; all(params: unknown[]): unknown[]; run(params: unknown[]): { changes: number; lastInsertRowid: number | bigint } };
}

/**
 * SQLite transactions that Database.transaction() is running, with their connection. Kysely's
 * executor costs ~9 µs of CPU per statement (an executor, closures and promises per call) where
 * better-sqlite3 itself takes ~2 for a simple one, and a write request runs a dozen or more.
 * A running transaction holds the single connection (Kysely's connection mutex) until it ends,
 * so its statements may run on it directly; the entry is removed before the commit.
 */
export const directSqlite = new WeakMap<object, SqliteHandle>();

/** Runs compiled SQL on q: directly on SQLite inside a transaction Database.transaction() runs, else through Kysely. */
export async function executeCompiled<R>(q: Tx, sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
  const sqlite = directSqlite.get(q);
  if (!sqlite) return q.executeQuery<R>(CompiledQuery.raw(sql, params as unknown[]));
  // As Kysely's SqliteConnection does it.
  const stmt = sqlite.prepare(sql);
  if (stmt.reader) return { rows: stmt.all(params as unknown[]) as R[] };
  const { changes, lastInsertRowid } = stmt.run(params as unknown[]);
  return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
}

const MAX_SHAPES = 2000;

/**
 * PostgreSQL statement names for the SQL texts of shapes (db/index.ts runs a text that has
 * one as a named prepared statement: parsed and planned once per connection instead of per
 * call; a port by id: ~110 µs less of the server's CPU and ~170 µs less wall per query).
 * A name is never given to another text (a connection that parsed it would refuse the new
 * one), so past the cap new texts just run unnamed.
 */
export class StatementNames {
  private readonly names = new Map<string, string>();
  constructor(private readonly cap: number) {}

  /** Gives text a name unless it has one or the cap is reached. */
  add(text: string): void {
    if (this.names.size < this.cap && !this.names.has(text)) this.names.set(text, `neutrino_${this.names.size}`);
  }

  get(text: string): string | undefined {
    return this.names.get(text);
  }
}

/** The names of every PreparedQueries' shapes (a process has a few hundred texts). */
export const statementNames = new StatementNames(5000);

/**
 * Marks a select's SQL text for rows as arrays of the selected columns' values, in select
 * order (index.ts: SQLite answers such a statement in better-sqlite3's raw mode). Only for
 * dialects where rowsAsArrays holds; elsewhere the text would run unmarked.
 */
export const ARRAY_ROWS = '/* rows as arrays */ ';
/** `in` lists longer than this are not kept as shapes (each length would be one). */
export const MAX_PREPARED_LIST = 16;
/** Values of one `in` list at most (SQLite's limit on a statement's parameters is far above). */
const IN_LIST_CHUNK = 500;

/** Array elements PostgreSQL reads unquoted as themselves: letters, digits and `_.:-`, but not the word NULL. */
const PLAIN_ELEMENT = /^(?!null$)[\w.:-]+$/i;

/**
 * values as one PostgreSQL array parameter: when every value is a string that needs no
 * quoting (ids), the array literal itself, joined once (pg's own conversion quotes and
 * escapes each element: ~0.5 ms and 0.3 MB for the 2,000 ids of a page); else the array.
 */
export function arrayParameter(values: readonly unknown[]): unknown {
  for (const v of values) if (typeof v !== 'string' || !PLAIN_ELEMENT.test(v)) return values;
  return `{${values.join(',')}}`;
}

/** PostgreSQL: "column is one of the elements of the array parameter" (give it arrayParameter(values)). */
export function anyOf(column: string, array: unknown): Expression<SqlBool> {
  return sql<SqlBool>`${sql.ref(column)} = any(${array})`;
}

/** The condition "column is one of the values" that runIn hands its build function. */
export type OneOf = (column: string) => Expression<SqlBool>;

/**
 * Compiled query shapes of one database (dialects differ in placeholders and quoting, so
 * one cache per Database). A key names the shape: same key, same SQL text with the same
 * arguments in the same roles (the number of values of an `in` list belongs in the key).
 */
export class PreparedQueries {
  private readonly shapes = new Map<string, Shape>();

  /** dialect: needed by runIn only. */
  constructor(private readonly dialect?: Dialect) {}

  /**
   * Runs the query build(arg) describes with args. build receives arg(i), a stand-in for
   * args[i] (a value only ever passed where Kysely takes a parameter), and must build the
   * same SQL for the same key whatever the arguments are.
   */
  async run<R = Record<string, any>>(q: Tx, key: string | null, args: readonly unknown[], build: (q: Tx, arg: (i: number) => any) => Compilable<any>): Promise<R[]> {
    return (await this.exec<R>(q, key, args, build)).rows;
  }

  /**
   * run() for a select of named columns whose rows are wanted as arrays of their values in
   * select order (marked with ARRAY_ROWS): only where the dialect answers so (rowsAsArrays).
   */
  async arrays(q: Tx, key: string | null, args: readonly unknown[], build: (q: Tx, arg: (i: number) => any) => Compilable<any>): Promise<unknown[][]> {
    return (await this.exec<unknown[]>(q, key, args, build, ARRAY_ROWS)).rows;
  }

  /**
   * run() for a query about many values of one column (the ids of a page of items), in as
   * few statements as the dialect allows. build(q, arg, oneOf) builds it with oneOf(column)
   * as the condition on the values and arg(i) standing for args[i] (its other arguments).
   * PostgreSQL takes the values as one array parameter (`column = any($n)`): one statement
   * and one prepared shape whatever their number. SQLite has no arrays: an `in` list per
   * 500 values, one statement each, kept as a shape while short.
   */
  async runIn<R = Record<string, any>>(
    q: Tx,
    key: string,
    args: readonly unknown[],
    values: readonly unknown[],
    build: (q: Tx, arg: (i: number) => any, oneOf: OneOf) => Compilable<any>,
  ): Promise<R[]> {
    if (!this.dialect) throw new Error(`prepared query ${key}: runIn needs the PreparedQueries' dialect`);
    if (values.length === 0) return [];
    const n = args.length;
    if (this.dialect === 'postgres') {
      return this.run<R>(q, `${key}:any`, [...args, arrayParameter(values)], (q, arg) => build(q, arg, (column) => anyOf(column, arg(n))));
    }
    const out: R[] = [];
    for (let i = 0; i < values.length; i += IN_LIST_CHUNK) {
      const chunk = values.slice(i, i + IN_LIST_CHUNK);
      const rows = await this.run<R>(q, chunk.length > MAX_PREPARED_LIST ? null : `${key}:in${chunk.length}`, [...args, ...chunk], (q, arg) =>
        build(q, arg, (column) => sql<SqlBool>`${sql.ref(column)} in (${sql.join(chunk.map((_, j) => arg(n + j)))})`),
      );
      for (const row of rows) out.push(row);
    }
    return out;
  }

  /** run() with the whole result (numAffectedRows of a write); prefix goes before the SQL text (ARRAY_ROWS). */
  async exec<R = Record<string, any>>(q: Tx, key: string | null, args: readonly unknown[], build: (q: Tx, arg: (i: number) => any) => Compilable<any>, prefix = ''): Promise<QueryResult<R>> {
    // No key: a shape not worth keeping (a long `in` list), built with the arguments themselves.
    if (key === null) {
      const compiled = build(q, (i) => args[i]).compile();
      return executeCompiled<R>(q, prefix + compiled.sql, compiled.parameters);
    }
    key = prefix + key;
    let shape = this.shapes.get(key);
    if (!shape) {
      const marks = args.map((_, i) => `\u0000arg${i}\u0000`);
      const compiled = build(q, (i) => marks[i]).compile();
      const slots = compiled.parameters.map((p) => {
        const i = marks.indexOf(p as string);
        if (i < 0) throw new Error(`prepared query ${key}: parameter ${String(p)} is not one of its arguments`);
        return i;
      });
      shape = { sql: prefix + compiled.sql, slots };
      statementNames.add(shape.sql);
      if (this.shapes.size >= MAX_SHAPES) this.shapes.clear();
      this.shapes.set(key, shape);
    }
    const { slots } = shape;
    const params = new Array(slots.length);
    for (let i = 0; i < slots.length; i++) params[i] = args[slots[i]];
    return executeCompiled<R>(q, shape.sql, params);
  }
}
