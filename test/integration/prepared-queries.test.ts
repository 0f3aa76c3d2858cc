// Statements compiled once per shape (src/db/prepared.ts) on both engines: runIn answers the
// rows of every value asked (none, a few, more than one `in` list of SQLite's, values that
// PostgreSQL's array literal must quote), and PostgreSQL runs shapes as named prepared
// statements, unless the configuration turns them off.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { openDatabase, type Database } from '../../src/db/index.ts';
import { arrayParameter, PreparedQueries } from '../../src/db/prepared.ts';
import { dialects, freshDatabase } from '../helpers/server.ts';

const migrations = {
  '0001_items': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>) {
      await db.schema.createTable('items').addColumn('id', 'varchar(64)', (c) => c.primaryKey()).addColumn('kind', 'varchar(16)').execute();
    },
  },
};

// Values PostgreSQL's array syntax gives a meaning to: quotes, separators, braces, blanks, NULL.
const awkward = ['a"b', 'c,d', '{e}', 'f g', 'NULL', 'null', '', 'h\\i', "j'k"];

for (const dialect of dialects()) {
  describe(`prepared queries (${dialect})`, () => {
    let drop: () => Promise<void>;
    let database: Database;
    const ids = [...Array.from({ length: 1200 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`), ...awkward];
    before(async () => {
      const db = await freshDatabase(dialect);
      drop = db.drop;
      database = await openDatabase(db.url, { migrations });
      for (let i = 0; i < ids.length; i += 200) {
        await database.db.insertInto('items').values(ids.slice(i, i + 200).map((id, j) => ({ id, kind: (i + j) % 2 ? 'odd' : 'even' }))).execute();
      }
    });
    after(async () => {
      await database?.close();
      await drop?.();
    });

    const byIds = (values: string[], kind: string) =>
      database.prepared.runIn<{ id: string }>(database.db, 'items:ofKind', [kind], values, (q, arg, oneOf) => q.selectFrom('items').select('id').where('kind', '=', arg(0)).where(oneOf('id')));

    it('runIn answers the rows of every value, in one list or many', async () => {
      assert.deepEqual(await byIds([], 'even'), []);
      const few = [ids[0], ids[1], ids[2], 'not-there'];
      assert.deepEqual((await byIds(few, 'even')).map((r) => r.id).sort(), [ids[0], ids[2]]);
      // 1,209 values: three of SQLite's `in` lists, one array on PostgreSQL.
      const even = ids.filter((_, i) => i % 2 === 0);
      assert.deepEqual((await byIds(ids, 'even')).map((r) => r.id).sort(), [...even].sort());
    });

    it('runIn takes values that need quoting in an array literal', async () => {
      for (const value of awkward) assert.deepEqual((await byIds([value, ids[0]], ids.indexOf(value) % 2 ? 'odd' : 'even')).map((r) => r.id).filter((id) => id === value), [value], JSON.stringify(value));
      const all = [...(await byIds(awkward, 'even')), ...(await byIds(awkward, 'odd'))].map((r) => r.id).sort();
      assert.deepEqual(all, [...awkward].sort());
    });

    it('arrayParameter joins only values that need no quoting', () => {
      assert.equal(arrayParameter(['ab-1', 'c_2.d:e']), '{ab-1,c_2.d:e}');
      for (const value of awkward) assert.deepEqual(arrayParameter(['ab', value]), ['ab', value], JSON.stringify(value));
      assert.deepEqual(arrayParameter([1, 2]), [1, 2]);
    });

    it('runIn refuses to guess the dialect', async () => {
      await assert.rejects(new PreparedQueries().runIn(database.db, 'x', [], ['a'], (q) => q.selectFrom('items').select('id')), /needs the PreparedQueries' dialect/);
    });

    if (dialect === 'postgres') {
      const preparedOnConnection = (db: Database) =>
        db.transaction(async (trx) => {
          // The same connection for both statements (a transaction holds one).
          await db.prepared.run(trx, 'items:byId', [ids[5]], (q, arg) => q.selectFrom('items').select('kind').where('id', '=', arg(0)));
          const { rows } = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(trx);
          return rows;
        });

      it('runs shapes as named prepared statements', async () => {
        const rows = await preparedOnConnection(database);
        const mine = rows.find((r) => r.statement.includes('"items"') && r.statement.includes('"kind"') && r.statement.includes('where "id" = $1'));
        assert.ok(mine, `a named statement for the shape: ${JSON.stringify(rows)}`);
        assert.match(mine.name, /^neutrino_\d+$/);
      });

      it('runs them unnamed when database.prepared_statements is off', async () => {
        const db = await freshDatabase('postgres');
        const plain = await openDatabase(db.url, { migrations, preparedStatements: false });
        try {
          await plain.db.insertInto('items').values({ id: ids[5], kind: 'odd' }).execute();
          assert.deepEqual(await preparedOnConnection(plain), []);
        } finally {
          await plain.close();
          await db.drop();
        }
      });
    }
  });
}
