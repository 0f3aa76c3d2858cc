// Row access for the identity tables: one small generic layer (find, list, insert,
// update, delete) that converts booleans and JSON columns between the API form and each
// dialect's storage, so the identity logic never deals with 0/1 or JSON text.
import type { Dialect, Tx } from '../db/index.ts';

export type Row = Record<string, any>;

export const TABLES = {
  domain: 'identity_domains',
  project: 'identity_projects',
  user: 'identity_users',
  role: 'identity_roles',
  impliedRole: 'identity_implied_roles',
  assignment: 'identity_assignments',
  service: 'identity_services',
  endpoint: 'identity_endpoints',
  token: 'identity_tokens',
} as const;

export type Table = (typeof TABLES)[keyof typeof TABLES];

const BOOLEAN_COLUMNS = new Set(['enabled', 'system']);
const JSON_COLUMNS = new Set(['extra', 'methods', 'audit_ids']);

export class IdentityStore {
  constructor(readonly dialect: Dialect) {}

  private toDb(row: Row): Row {
    const out: Row = {};
    for (const [k, v] of Object.entries(row)) {
      if (v === undefined) continue;
      if (BOOLEAN_COLUMNS.has(k) && this.dialect === 'sqlite') out[k] = v ? 1 : 0;
      else if (JSON_COLUMNS.has(k)) out[k] = JSON.stringify(v);
      else out[k] = v;
    }
    return out;
  }

  private fromDb(row: Row): Row {
    const out: Row = { ...row };
    for (const k of Object.keys(out)) {
      if (BOOLEAN_COLUMNS.has(k)) out[k] = !!out[k];
      else if (JSON_COLUMNS.has(k) && typeof out[k] === 'string') out[k] = JSON.parse(out[k]);
    }
    return out;
  }

  private where(q: any, where: Row): any {
    const stored = this.toDb(where);
    for (const [k, v] of Object.entries(stored)) {
      q = Array.isArray(where[k]) ? q.where(k, 'in', where[k]) : v === null ? q.where(k, 'is', null) : q.where(k, '=', v);
    }
    return q;
  }

  async find(q: Tx, table: Table, where: Row): Promise<Row | undefined> {
    const row = await this.where(q.selectFrom(table).selectAll(), where).executeTakeFirst();
    return row ? this.fromDb(row) : undefined;
  }

  /** Rows matching every key of where (an array value means "one of"); empty arrays match nothing. */
  async list(q: Tx, table: Table, where: Row = {}, orderBy = 'id'): Promise<Row[]> {
    if (Object.values(where).some((v) => Array.isArray(v) && v.length === 0)) return [];
    const rows = await this.where(q.selectFrom(table).selectAll(), where).orderBy(orderBy).execute();
    return rows.map((r: Row) => this.fromDb(r));
  }

  async insert(q: Tx, table: Table, row: Row): Promise<void> {
    await q.insertInto(table).values(this.toDb(row)).execute();
  }

  async update(q: Tx, table: Table, where: Row, changes: Row): Promise<void> {
    const set = this.toDb(changes);
    if (Object.keys(set).length === 0) return;
    await this.where(q.updateTable(table).set(set), where).execute();
  }

  async remove(q: Tx, table: Table, where: Row): Promise<number> {
    const result = await this.where(q.deleteFrom(table), where).executeTakeFirst();
    return Number(result?.numDeletedRows ?? 0);
  }
}
