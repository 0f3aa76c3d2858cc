// The feed's tables as Kysely sees them (migrations/0060_change_feed.ts creates them), so the
// feed's queries are checked against their columns instead of going through Kysely<any>.
import type { Generated, Kysely } from 'kysely';
import type { Tx } from '../db/index.ts';
import type { ChangeKind } from './pending.ts';

export interface ChangesTable {
  /** bigserial on PostgreSQL (read back as a number: db/index.ts parses int8). */
  cursor: Generated<number>;
  resource: string;
  resource_id: string;
  revision: number;
  project_id: string | null;
  kind: ChangeKind;
  host: string | null;
  previous_host: string | null;
  created_at: string;
}

export interface FeedStateTable {
  id: number;
  /** Cursors at or below it may have been compacted away. */
  compacted_through: number;
}

export interface FeedSchema {
  changes: ChangesTable;
  feed_state: FeedStateTable;
}

/** q (a transaction or the database) with the feed's tables typed. */
export const feedTables = (q: Tx) => q as unknown as Kysely<FeedSchema>;
