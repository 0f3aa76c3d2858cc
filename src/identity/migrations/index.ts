// The embedded identity's schema versions (merged with the features' by app.ts).
import type { Migration } from 'kysely';
import * as m0010 from './0010_identity.ts';

export const identityMigrations: Record<string, Migration> = {
  '0010_identity': m0010,
};
