// Units of the change feed: how changes of one object in one transaction collapse, the
// wake-up that closes the read-then-wait race, and parsing of watch requests.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { combine, PendingChanges } from '../../src/feed/pending.ts';
import { Wakeup } from '../../src/feed/wakeup.ts';
import { parseWatchQuery } from '../../src/feed/watch.ts';
import { NeutronError } from '../../src/foundation/errors.ts';

describe('PendingChanges', () => {
  it('collapses the changes of one object into one, keeping the state before the first', () => {
    const p = new PendingChanges();
    p.record({ resource: 'ports', id: 'a', kind: 'updated', before: { revision: 3, projectId: 'p', host: 'h1' } });
    p.record({ resource: 'ports', id: 'a', kind: 'updated', before: { revision: 4, projectId: 'p', host: 'h2' } });
    p.record({ resource: 'networks', id: 'a', kind: 'created' });
    p.record({ resource: 'ports', id: 'b', kind: 'status' });
    assert.deepEqual(p.list(), [
      { resource: 'ports', id: 'a', kind: 'updated', before: { revision: 3, projectId: 'p', host: 'h1' }, after: undefined },
      { resource: 'networks', id: 'a', kind: 'created' },
      { resource: 'ports', id: 'b', kind: 'status' },
    ]);
  });

  it('keeps the state after the last change, and forgets it when a later change does not tell it', () => {
    const p = new PendingChanges();
    const state = (revision: number) => ({ revision, projectId: 'p', host: null });
    p.record({ resource: 'networks', id: 'n', kind: 'updated', after: state(1) });
    p.record({ resource: 'networks', id: 'n', kind: 'updated', after: state(2) });
    assert.deepEqual(p.list()[0].after, state(2));
    p.record({ resource: 'networks', id: 'n', kind: 'updated' });
    assert.equal(p.list()[0].after, undefined);
  });

  it('forgets objects created and deleted in the same transaction', () => {
    const p = new PendingChanges();
    p.record({ resource: 'ports', id: 'a', kind: 'created' });
    p.record({ resource: 'ports', id: 'a', kind: 'updated' });
    p.record({ resource: 'ports', id: 'a', kind: 'deleted', before: { revision: 1, projectId: 'p', host: '' } });
    assert.equal(p.size, 0);
  });

  it('combines kinds', () => {
    assert.equal(combine('created', 'updated'), 'created');
    assert.equal(combine('created', 'status'), 'created');
    assert.equal(combine('created', 'deleted'), null);
    assert.equal(combine('updated', 'deleted'), 'deleted');
    assert.equal(combine('status', 'deleted'), 'deleted');
    assert.equal(combine('status', 'updated'), 'updated');
    assert.equal(combine('updated', 'status'), 'updated');
    assert.equal(combine('status', 'status'), 'status');
    assert.equal(combine('updated', 'created'), 'created', 'hooks touched the object being created');
    assert.equal(combine('deleted', 'created'), 'created');
  });
});

describe('Wakeup', () => {
  it('does not wait when a wake-up came between reading and waiting', async () => {
    const w = new Wakeup();
    const gen = w.generation;
    w.wake();
    await w.wait(gen, 60_000); // resolves at once
    assert.equal(w.waiting, 0);
  });

  it('releases waiters on wake, on timeout and on abort', async () => {
    const w = new Wakeup();
    const woken = w.wait(w.generation, 60_000);
    assert.equal(w.waiting, 1);
    w.wake();
    await woken;
    await w.wait(w.generation, 5);
    const abort = new AbortController();
    const aborted = w.wait(w.generation, 60_000, abort.signal);
    abort.abort();
    await aborted;
    assert.equal(w.waiting, 0);
  });
});

describe('parseWatchQuery', () => {
  const collections = new Map([
    ['ports', 'ports'],
    ['security_groups', 'security-groups'],
  ]);
  it('accepts collection names and path forms, repeated or comma separated', () => {
    const q = parseWatchQuery({ since: '12', resources: ['ports,security-groups', 'security_groups'], host: 'compute-1', timeout: '0', limit: '10' }, collections);
    assert.deepEqual(q, { since: 12, resources: ['ports', 'security_groups'], host: 'compute-1', timeoutMs: 0, limit: 10 });
    assert.deepEqual(parseWatchQuery({}, collections), { since: undefined, timeoutMs: 30_000, limit: 500 });
  });
  it('refuses what it does not understand with 400', () => {
    for (const raw of [{ since: 'x' }, { since: '1.5' }, { timeout: '301' }, { limit: '1001' }, { resources: 'routers' }, { resources: ',' }, { host: '' }, { sort: 'id' }]) {
      assert.throws(() => parseWatchQuery(raw, collections), (err: unknown) => err instanceof NeutronError && err.status === 400, JSON.stringify(raw));
    }
  });
});
