// The watch API over the change feed: list + watch for agents and dashboards.
//
//   GET /v2.0/watch                      → {"changes": [], "cursor": <head>} at once
//   GET /v2.0/watch?since=C[&resources=ports,networks][&host=H][&timeout=S][&limit=N]
//     → the changes after cursor C, waiting up to S seconds (long-poll) for the first;
//       {"changes": [{cursor, resource, id, revision, kind, project_id, host,
//                     previous_host, object}], "cursor": <resume from here>}
//     → 410 ResyncRequired when C is older than the oldest retained change.
//
// `object` is the object as the watcher may see it NOW (level-triggered: it may be newer
// than `revision`), or null when it no longer exists. Admins and the `service` role see every
// change; others only changes of objects they may see (the services' own visibility, the
// same as GET /v2.0/<resource>), and deletions only of their own project's objects.
//
// Streaming (`stream=true` or `Accept: application/x-ndjson`): the same answers as NDJSON
// lines on one response, a heartbeat line `{"changes": [], "cursor": C}` every timeout.
import type { RequestContext } from '../foundation/context.ts';
import { adminContext } from '../foundation/context.ts';
import { badRequest, NeutronError } from '../foundation/errors.ts';
import { ResyncRequired, type ChangeFeed, type ChangeRow } from './feed.ts';

export type Item = Record<string, any>;

export interface WatchQuery {
  /** Absent: answer the head cursor at once. */
  since?: number;
  resources?: string[];
  host?: string;
  timeoutMs: number;
  limit: number;
  /** Stream NDJSON lines instead of answering once (timeout: the heartbeat interval). */
  stream?: boolean;
}

export interface WatchedChange {
  cursor: number;
  resource: string;
  id: string;
  revision: number;
  kind: string;
  project_id: string | null;
  host: string | null;
  previous_host: string | null;
  object: Item | null;
}

export interface WatchAnswer {
  changes: WatchedChange[];
  cursor: number;
}

export interface WatchDeps {
  feed: ChangeFeed;
  /** Collection names that may be watched, and their URL path forms (`security-groups`). */
  collections: Map<string, string>;
  /** The objects of collection with these ids that ctx may see, rendered as GET shows them. */
  visible: (ctx: RequestContext, collection: string, ids: string[]) => Promise<Map<string, Item>>;
}

export const DEFAULT_TIMEOUT_S = 30;
export const MAX_TIMEOUT_S = 300;
export const DEFAULT_LIMIT = 500;
export const MAX_LIMIT = 1000;

const one = (v: unknown): string | undefined => (Array.isArray(v) ? v[v.length - 1] : typeof v === 'string' ? v : undefined);

/** Parses the query string of GET /v2.0/watch (400 on anything malformed). */
export function parseWatchQuery(raw: Record<string, unknown>, collections: Map<string, string>): WatchQuery {
  const known = new Set(['since', 'resources', 'host', 'timeout', 'limit', 'stream']);
  const unknown = Object.keys(raw).filter((k) => !known.has(k));
  if (unknown.length) throw badRequest(`Unknown watch parameter(s) ${unknown.join(', ')}`);
  const int = (name: string, min: number, max: number): number | undefined => {
    const v = one(raw[name]);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw badRequest(`Invalid ${name} '${v}': an integer from ${min} to ${max} is expected`);
    return Number(v);
  };
  const query: WatchQuery = {
    since: int('since', 0, Number.MAX_SAFE_INTEGER),
    timeoutMs: (int('timeout', 0, MAX_TIMEOUT_S) ?? DEFAULT_TIMEOUT_S) * 1000,
    limit: int('limit', 1, MAX_LIMIT) ?? DEFAULT_LIMIT,
  };
  const resources = raw.resources === undefined ? undefined : (Array.isArray(raw.resources) ? raw.resources : [raw.resources]).flatMap((v) => String(v).split(','));
  if (resources) {
    const byPath = new Map([...collections].map(([collection, path]) => [path, collection]));
    query.resources = [
      ...new Set(
        resources
          .map((r) => r.trim())
          .filter(Boolean)
          .map((r) => {
            const collection = collections.has(r) ? r : byPath.get(r);
            if (!collection) throw badRequest(`Unknown resource '${r}' to watch`);
            return collection;
          }),
      ),
    ];
    if (query.resources.length === 0) throw badRequest(`resources must name at least one resource`);
  }
  const stream = one(raw.stream);
  if (stream !== undefined) {
    if (!/^(true|false|1|0)$/i.test(stream)) throw badRequest(`Invalid stream '${stream}': true or false is expected`);
    if (/^(true|1)$/i.test(stream)) query.stream = true;
  }
  const host = one(raw.host);
  if (host !== undefined) {
    if (!host || host.length > 255) throw badRequest(`Invalid host '${host}'`);
    query.host = host;
  }
  return query;
}

/** Admins and the `service` role (backends, agents) see every change. */
export const seesEverything = (ctx: RequestContext) => ctx.isAdmin || ctx.roles.includes('service');

export const resyncRequired = (err: ResyncRequired) =>
  new NeutronError(410, 'ResyncRequired', `Cursor ${err.since} is older than the oldest retained change: list again, then watch from the head cursor (GET /v2.0/watch without since).`);

export class Watch {
  /** Aborted when the server shuts down: long-polls answer and streams end at once. */
  private readonly closing = new AbortController();

  constructor(private readonly deps: WatchDeps) {}

  close(): void {
    this.closing.abort();
  }

  private signal(signal?: AbortSignal): AbortSignal {
    return signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
  }

  /** Watchable collection names → URL path forms. */
  get collections(): Map<string, string> {
    return this.deps.collections;
  }

  /**
   * One long-poll: the visible changes after query.since, waiting up to query.timeoutMs for
   * the first (or until signal aborts). Pages without visible changes are skipped at once.
   */
  async poll(ctx: RequestContext, query: WatchQuery, signal?: AbortSignal): Promise<WatchAnswer> {
    const { feed } = this.deps;
    if (query.since === undefined) return { changes: [], cursor: await feed.head() };
    signal = this.signal(signal);
    let since = query.since;
    const deadline = Date.now() + query.timeoutMs;
    for (;;) {
      const generation = feed.wakeup.generation;
      const rows = await this.read(since, query);
      if (rows.length) {
        const changes = await this.visibleChanges(ctx, rows);
        since = rows[rows.length - 1].cursor;
        if (changes.length) return { changes, cursor: since };
        continue; // nothing visible on this page: the next one at once
      }
      const left = deadline - Date.now();
      if (left <= 0 || signal?.aborted) return { changes: [], cursor: since };
      await feed.wakeup.wait(generation, left, signal);
    }
  }

  /**
   * Streaming: after `first` (an answer already sent), one line per batch of visible
   * changes, and a heartbeat `{"changes": [], "cursor": C}` every timeout without any,
   * until signal aborts. write() sends one answer as one line.
   */
  async stream(ctx: RequestContext, query: WatchQuery, first: WatchAnswer, write: (answer: WatchAnswer) => void, signal: AbortSignal): Promise<void> {
    signal = this.signal(signal);
    let since = first.cursor;
    const heartbeat = Math.max(query.timeoutMs, 1000);
    while (!signal.aborted) {
      const answer = await this.poll(ctx, { ...query, since, timeoutMs: heartbeat }, signal);
      if (signal.aborted) return;
      write(answer);
      since = answer.cursor;
    }
  }

  private async read(since: number, query: WatchQuery): Promise<ChangeRow[]> {
    try {
      return await this.deps.feed.read(since, { resources: query.resources, host: query.host, limit: query.limit });
    } catch (err) {
      if (err instanceof ResyncRequired) throw resyncRequired(err);
      throw err;
    }
  }

  /** The rows ctx may see, each with its object as ctx sees it now. */
  async visibleChanges(ctx: RequestContext, rows: ChangeRow[]): Promise<WatchedChange[]> {
    const all = seesEverything(ctx);
    const viewer = all && !ctx.isAdmin ? adminContext(ctx.projectId) : ctx;
    const ids = new Map<string, Set<string>>();
    for (const row of rows) if (row.kind !== 'deleted') (ids.get(row.resource) ?? ids.set(row.resource, new Set()).get(row.resource)!).add(row.resource_id);
    const objects = new Map<string, Map<string, Item>>();
    for (const [resource, set] of ids) objects.set(resource, await this.deps.visible(viewer, resource, [...set]));
    const out: WatchedChange[] = [];
    for (const row of rows) {
      const object = row.kind === 'deleted' ? undefined : objects.get(row.resource)?.get(row.resource_id);
      // Gone objects (deleted, now or later) are told to everyone only of their own project.
      if (!all && !object && (row.project_id === null || row.project_id !== ctx.projectId)) continue;
      out.push({
        cursor: row.cursor,
        resource: row.resource,
        id: row.resource_id,
        revision: row.revision,
        kind: row.kind,
        project_id: row.project_id,
        host: row.host,
        previous_host: row.previous_host,
        object: object ?? null,
      });
    }
    return out;
  }
}
