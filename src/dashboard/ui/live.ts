// The page's live copy of the project's resources, and the one place that knows how it is
// kept fresh: through the watch API (GET /v2.0/watch, a long poll on the change feed) when the
// server has it, by listing again every second otherwise.
import { api, ApiError, type Session } from './api.ts';

export type Kind = 'networks' | 'subnets' | 'ports' | 'routers' | 'floatingips' | 'security_groups' | 'security_group_rules' | 'agents';

/** Collection paths of the kinds. */
export const PATHS: Record<Kind, string> = {
  networks: '/v2.0/networks',
  subnets: '/v2.0/subnets',
  ports: '/v2.0/ports',
  routers: '/v2.0/routers',
  floatingips: '/v2.0/floatingips',
  security_groups: '/v2.0/security-groups',
  security_group_rules: '/v2.0/security-group-rules',
  agents: '/v2.0/agents',
};

export const KINDS = Object.keys(PATHS) as Kind[];

export type Item = Record<string, any> & { id: string };

export interface Snapshot {
  items: Record<Kind, Map<string, Item>>;
  /** Why a kind could not be listed (e.g. agents for a non-admin). */
  errors: Partial<Record<Kind, string>>;
  mode: 'connecting' | 'watch' | 'polling';
  /** Bumped on every change, for views that memoize. */
  version: number;
}

const POLL_MS = 1000;
const WATCH_TIMEOUT_S = 25;

export class LiveStore {
  private snapshot: Snapshot = {
    items: Object.fromEntries(KINDS.map((k) => [k, new Map()])) as Snapshot['items'],
    errors: {},
    mode: 'connecting',
    version: 0,
  };
  private listeners = new Set<(s: Snapshot) => void>();
  private abort = new AbortController();
  private stopped = false;

  constructor(
    private readonly session: Session,
    private readonly onUnauthorized: () => void,
  ) {}

  get current(): Snapshot {
    return this.snapshot;
  }

  subscribe(fn: (s: Snapshot) => void): () => void {
    this.listeners.add(fn);
    fn(this.snapshot);
    return () => this.listeners.delete(fn);
  }

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  /** Lists a kind again now (after the page itself changed something). */
  async refresh(...kinds: Kind[]): Promise<void> {
    await Promise.all(kinds.map((k) => this.list(k)));
    this.emit();
  }

  private emit(patch: Partial<Snapshot> = {}): void {
    this.snapshot = { ...this.snapshot, ...patch, version: this.snapshot.version + 1 };
    for (const fn of this.listeners) fn(this.snapshot);
  }

  private async list(kind: Kind): Promise<void> {
    try {
      const body = await api(this.session, 'GET', PATHS[kind], undefined, this.abort.signal);
      const items = (body[kind] as Item[]) ?? [];
      this.snapshot.items[kind] = new Map(items.map((i) => [i.id, i]));
      delete this.snapshot.errors[kind];
    } catch (err) {
      if (this.stopped) return;
      if (err instanceof ApiError && err.status === 401) {
        this.stop();
        this.onUnauthorized();
        return;
      }
      this.snapshot.items[kind] = new Map();
      this.snapshot.errors[kind] = err instanceof Error ? err.message : String(err);
    }
  }

  private async listAll(): Promise<void> {
    await Promise.all(KINDS.map((k) => this.list(k)));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** The head of the change feed, or null when the server has no watch API. */
  private async head(): Promise<number | null> {
    try {
      const body = await api(this.session, 'GET', `/v2.0/watch?resources=${KINDS.join(',')}`, undefined, this.abort.signal);
      return typeof body?.cursor === 'number' ? body.cursor : null;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) throw err;
      return null;
    }
  }

  private async run(): Promise<void> {
    try {
      let cursor = await this.head();
      await this.listAll();
      if (cursor === null) {
        this.emit({ mode: 'polling' });
        while (!this.stopped) {
          await this.sleep(POLL_MS);
          if (this.stopped) return;
          await this.listAll();
          this.emit();
        }
        return;
      }
      this.emit({ mode: 'watch' });
      while (!this.stopped) {
        let body: any;
        try {
          body = await api(this.session, 'GET', `/v2.0/watch?since=${cursor}&resources=${KINDS.join(',')}&timeout=${WATCH_TIMEOUT_S}`, undefined, this.abort.signal);
        } catch (err) {
          if (this.stopped) return;
          if (err instanceof ApiError && err.status === 410) {
            // The feed no longer holds our cursor: start again from a fresh listing.
            cursor = (await this.head()) ?? cursor;
            await this.listAll();
            this.emit();
            continue;
          }
          if (err instanceof ApiError && err.status === 401) throw err;
          await this.sleep(POLL_MS);
          continue;
        }
        cursor = body.cursor;
        const changes: Array<{ resource: string; id: string; kind: string; object?: Item | null }> = body.changes ?? [];
        if (!changes.length) continue;
        await this.apply(changes);
        this.emit();
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && !this.stopped) {
        this.stop();
        this.onUnauthorized();
      }
    }
  }

  /**
   * Applies a batch of changes. Each carries the object as the user's token may see it now
   * (`object`, null once it is gone); a change without one is read again through the API.
   */
  private async apply(changes: Array<{ resource: string; id: string; kind: string; object?: Item | null }>): Promise<void> {
    const latest = new Map<string, { kind: Kind; id: string; object?: Item | null }>();
    for (const c of changes) {
      const kind = toKind(c.resource);
      if (!kind) continue;
      latest.set(`${kind}/${c.id}`, { kind, id: c.id, object: c.kind === 'deleted' ? null : c.object });
    }
    await Promise.all(
      [...latest.values()].map(async ({ kind, id, object }) => {
        if (object === null) {
          this.snapshot.items[kind].delete(id);
          return;
        }
        if (object) {
          this.snapshot.items[kind].set(id, object);
          return;
        }
        try {
          const body = await api(this.session, 'GET', `${PATHS[kind]}/${id}`, undefined, this.abort.signal);
          this.snapshot.items[kind].set(id, Object.values(body)[0] as Item);
        } catch (err) {
          if (err instanceof ApiError && err.status === 404) this.snapshot.items[kind].delete(id);
          else if (err instanceof ApiError && err.status === 401) throw err;
        }
      }),
    );
  }
}

/** A watch change's resource name (collection or member, dashes or underscores) to a kind. */
export function toKind(resource: string): Kind | undefined {
  const r = resource.replace(/-/g, '_');
  const byMember: Record<string, Kind> = {
    network: 'networks',
    subnet: 'subnets',
    port: 'ports',
    router: 'routers',
    floatingip: 'floatingips',
    security_group: 'security_groups',
    security_group_rule: 'security_group_rules',
    agent: 'agents',
  };
  return (KINDS as string[]).includes(r) ? (r as Kind) : byMember[r];
}
