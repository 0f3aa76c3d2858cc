// The change feed's schema versions (merged with the features' and the identity's by app.ts).
import type { Migration } from 'kysely';
import * as m0060 from './0060_change_feed.ts';
import * as m0110 from './0110_feed_cursor_takes_lock.ts';
import * as m0111 from './0111_feed_cursor_without_sequence.ts';

export const feedMigrations: Record<string, Migration> = {
  '0060_change_feed': m0060,
  '0110_feed_cursor_takes_lock': m0110,
  '0111_feed_cursor_without_sequence': m0111,
};
