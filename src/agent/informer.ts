// The agent's informer: lists the resources its reconcilers declare once, then follows
// GET /v2.0/watch from the cursor (410: the feed was compacted past it, list again). Every
// change updates the cache first and is then handed on (the agent asks each reconciler which
// keys it concerns). See docs/watch-api.md.
import type { Logger } from 'pino';
import { ApiError, describeError, type AgentClient } from './client.ts';
import type { Cache, Change, Obj } from './cache.ts';

/** Sub-resources have no top-level list: they are listed through each parent. */
const LISTED_THROUGH_PARENT: Record<string, string> = { port_forwardings: 'floatingips' };

export class Informer {
  private cursor = 0;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly client: AgentClient,
    private readonly log: Logger,
    readonly cache: Cache,
    readonly resources: readonly string[],
    /** Called for every change after the cache holds it. */
    private readonly onChange: (change: Change) => void,
    /** Called after a (re)list replaced the cache. */
    private readonly onRelist: () => void,
  ) {}

  /** The head cursor, then every resource listed (watching from that cursor overlaps the lists; duplicates are harmless). */
  async relist(): Promise<void> {
    this.cursor = (await this.client.get('/v2.0/watch')).cursor;
    const lists = await Promise.all(this.resources.map((r) => this.list(r)));
    this.resources.forEach((resource, i) => {
      const map = this.cache.of(resource);
      map.clear();
      for (const item of lists[i]) map.set(item.id, item);
    });
    this.onRelist();
  }

  private async list(resource: string): Promise<Obj[]> {
    const path = (collection: string) => collection.replace(/_/g, '-');
    const parent = LISTED_THROUGH_PARENT[resource];
    if (!parent) return this.client.list(path(resource));
    const parents = await this.client.list(path(parent), 'fields=id');
    const children = await Promise.all(parents.map((p) => this.client.get(`/v2.0/${path(parent)}/${p.id}/${path(resource)}`)));
    return children.flatMap((answer) => answer?.[resource] ?? []);
  }

  async watch(): Promise<void> {
    while (!this.stopped) {
      try {
        const answer = await this.client.get(`/v2.0/watch?since=${this.cursor}&resources=${this.resources.join(',')}&timeout=30&limit=1000`, this.abort.signal);
        for (const c of answer.changes) this.onChange(this.cache.apply(c.resource, c.id, c.kind, c.object));
        this.cursor = answer.cursor;
      } catch (err) {
        if (this.stopped) return;
        if (err instanceof ApiError && err.status === 410) {
          this.log.warn('change feed compacted past our cursor: listing again');
          await this.relist().catch((e) => this.log.warn({ err: describeError(e) }, 'relist failed'));
          continue;
        }
        this.log.warn({ err: describeError(err) }, 'watch failed; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }
}
