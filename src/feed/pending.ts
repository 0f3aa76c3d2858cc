// The changes of one transaction, collected in memory while it runs and written as one
// multi-row insert at its end (ChangeFeed.flush). Several changes of one object in one
// transaction collapse into one: nobody outside the transaction saw the states between,
// so a watcher gets one row per object per transaction, carrying the revision after it.

export type ChangeKind = 'created' | 'updated' | 'deleted' | 'status';

/** An object's revision, project and host: before the transaction changed it (deletes, host moves) or after. */
export interface Before {
  revision: number;
  projectId: string | null;
  /** The binding host, for resources that have one ('' = unbound). */
  host: string | null;
}

export interface PendingChange {
  /** Collection name (`ports`). */
  resource: string;
  id: string;
  kind: ChangeKind;
  /** The object before the first change in this transaction, when the caller knew it. */
  before?: Before;
  /**
   * The object after this change, when the caller knew it (a RETURNING clause, a row it
   * read anyway); flush() reads the objects recorded without it.
   */
  after?: Before;
}

/**
 * How a change recorded after an earlier one of the same object in the same transaction
 * combines with it; null: the object never existed outside the transaction (created and
 * deleted in it), so there is nothing to tell.
 */
export function combine(earlier: ChangeKind, later: ChangeKind): ChangeKind | null {
  // Changes recorded before the creation itself are the object's own making (hooks touching it).
  if (later === 'created') return 'created';
  if (earlier === 'created') return later === 'deleted' ? null : 'created';
  if (later === 'deleted') return 'deleted';
  if (earlier === 'deleted') return 'updated'; // recreated under the same id
  if (earlier === 'updated' || later === 'updated') return 'updated';
  return 'status';
}

/** The collapsed changes of one transaction, in the order objects were first changed. */
export class PendingChanges {
  private readonly byKey = new Map<string, PendingChange>();

  record(change: PendingChange): void {
    const key = `${change.resource}\u0000${change.id}`;
    const earlier = this.byKey.get(key);
    if (!earlier) {
      this.byKey.set(key, { ...change });
      return;
    }
    const kind = combine(earlier.kind, change.kind);
    if (kind === null) {
      this.byKey.delete(key);
      return;
    }
    earlier.kind = kind;
    earlier.before ??= change.before;
    earlier.after = change.after; // a change without it makes an earlier one stale
  }

  get size(): number {
    return this.byKey.size;
  }

  list(): PendingChange[] {
    return [...this.byKey.values()];
  }
}
