// An in-test backend that uses only the public seam over HTTP, as a host agent or an OVN
// translator in another process would: list + watch (GET /v2.0/watch) from a cursor, and
// status write-back (POST /v2.0/status-reports).
import assert from 'node:assert/strict';
import type { ApiClient } from './server.ts';

export interface Change {
  cursor: number;
  resource: string;
  id: string;
  revision: number;
  kind: 'created' | 'updated' | 'deleted' | 'status';
  project_id: string | null;
  host: string | null;
  previous_host: string | null;
  object: Record<string, any> | null;
}

export class FakeBackend {
  /** Every change received, in the order received. */
  readonly seen: Change[] = [];
  cursor = 0;

  constructor(
    readonly api: ApiClient,
    readonly filter: { resources?: string[]; host?: string } = {},
  ) {}

  private query(extra: Record<string, string>): string {
    const p = new URLSearchParams(extra);
    if (this.filter.resources) p.set('resources', this.filter.resources.join(','));
    if (this.filter.host) p.set('host', this.filter.host);
    return `/v2.0/watch?${p}`;
  }

  /** Takes the head cursor (list + watch: take it, then list, then watch from it). */
  async start(): Promise<number> {
    const res = await this.api.get('/v2.0/watch');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.changes, []);
    this.cursor = res.body.cursor;
    return this.cursor;
  }

  /** One long-poll from the current cursor; returns the new changes. */
  async poll(timeout = 5, limit?: number): Promise<Change[]> {
    const res = await this.api.get(this.query({ since: String(this.cursor), timeout: String(timeout), ...(limit ? { limit: String(limit) } : {}) }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const changes = res.body.changes as Change[];
    for (const c of changes) assert.ok(c.cursor > this.cursor, `cursor ${c.cursor} after ${this.cursor}`);
    if (changes.length) assert.equal(res.body.cursor, changes[changes.length - 1].cursor);
    assert.ok(res.body.cursor >= this.cursor);
    this.cursor = res.body.cursor;
    this.seen.push(...changes);
    return changes;
  }

  /** Polls until predicate holds for what was seen (bounded). */
  async until(predicate: (seen: Change[]) => boolean, what = 'expected changes'): Promise<Change[]> {
    for (let i = 0; i < 40 && !predicate(this.seen); i++) await this.poll(2);
    assert.ok(predicate(this.seen), `${what}; seen: ${JSON.stringify(this.seen.map((c) => [c.cursor, c.resource, c.kind, c.revision]))}`);
    return this.seen;
  }

  async report(reports: Record<string, unknown>[]) {
    return this.api.post('/v2.0/status-reports', { reports });
  }
}
