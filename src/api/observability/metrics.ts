// The Prometheus listener (`metrics.enabled`, `metrics.host`:`metrics.port`): `GET /metrics`
// serves the process-wide counters of foundation/metrics.ts, Node.js process metrics and
// gauges read from the database at each scrape (quota usage, agents alive, the change feed). A separate
// listener, so the figures never reach tenants on the API port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, Registry } from 'prom-client';
import type { App } from '../../app.ts';
import { enableProcessMetrics, registry as processRegistry } from '../../foundation/metrics.ts';

/** Agents' heartbeat timestamps are stored as `YYYY-MM-DD hh:mm:ss` UTC (agent-service). */
const agentTime = (date: Date) => date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');

/** Gauges of one service's database state, computed when scraped. */
export function databaseGauges(app: App): Registry {
  const registry = new Registry();
  const db = () => app.database.db;
  // A gauge whose query fails is left empty (neutrino_database_up tells why), so the
  // process metrics are still served while the database is away.
  const safely = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      app.log.debug({ err }, `metrics: ${what} not collected`);
    }
  };
  new Gauge({
    name: 'neutrino_database_up',
    help: '1 when the database answered a query during this scrape, else 0',
    registers: [registry],
    async collect() {
      this.set(0);
      await safely('database_up', async () => {
        await db().selectNoFrom((eb: any) => eb.val(1).as('one')).execute();
        this.set(1);
      });
    },
  });
  new Gauge({
    name: 'neutrino_quota_in_use',
    help: 'Resources counted against quotas, summed over projects, by quota resource',
    labelNames: ['resource'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      await safely('quota_in_use', async () => {
        const rows = await db().selectFrom('quota_usages').select(['resource']).select((eb: any) => eb.fn.sum('in_use').as('in_use')).groupBy('resource').execute();
        for (const r of rows as { resource: string; in_use: number | string }[]) this.set({ resource: r.resource }, Number(r.in_use));
      });
    },
  });
  new Gauge({
    name: 'neutrino_quota_projects',
    help: 'Projects with a usage counter, by quota resource',
    labelNames: ['resource'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      await safely('quota_projects', async () => {
        const rows = await db().selectFrom('quota_usages').select(['resource']).select((eb: any) => eb.fn.countAll().as('n')).groupBy('resource').execute();
        for (const r of rows as { resource: string; n: number | string }[]) this.set({ resource: r.resource }, Number(r.n));
      });
    },
  });
  new Gauge({
    name: 'neutrino_agents',
    help: 'Registered agents by type and liveness (alive: reported within agents.agent_down_time)',
    labelNames: ['agent_type', 'alive'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const since = agentTime(new Date(Date.now() - app.config.agents.agent_down_time * 1000));
      await safely('agents', async () => {
        const rows = (await db().selectFrom('agents').select(['agent_type', 'heartbeat_timestamp']).execute()) as { agent_type: string; heartbeat_timestamp: string }[];
        for (const r of rows) this.inc({ agent_type: r.agent_type, alive: String(r.heartbeat_timestamp >= since) });
      });
    },
  });
  // The change feed (src/feed/): a watcher's or backend's backlog is the head cursor minus
  // the cursor it has consumed (watchers hold their cursors; the server does not know them).
  new Gauge({
    name: 'neutrino_feed_head_cursor',
    help: 'Cursor of the newest change in the durable change feed (0 when none was ever recorded)',
    registers: [registry],
    async collect() {
      await safely('feed_head_cursor', async () => {
        const head = (await db().selectFrom('changes').select((eb: any) => eb.fn.max('cursor').as('c')).executeTakeFirst()) as { c: number | string | null } | undefined;
        const state = (await db().selectFrom('feed_state').select('compacted_through').where('id', '=', 1).executeTakeFirst()) as { compacted_through: number | string } | undefined;
        this.set(Math.max(Number(head?.c ?? 0), Number(state?.compacted_through ?? 0)));
      });
    },
  });
  new Gauge({
    name: 'neutrino_feed_retained_changes',
    help: 'Changes kept in the feed (not yet compacted: feed.retention_seconds, feed.max_rows)',
    registers: [registry],
    async collect() {
      await safely('feed_retained_changes', async () => {
        const row = (await db().selectFrom('changes').select((eb: any) => eb.fn.countAll().as('n')).executeTakeFirst()) as { n: number | string };
        this.set(Number(row.n));
      });
    },
  });
  new Gauge({
    name: 'neutrino_feed_oldest_change_age_seconds',
    help: 'Age of the oldest change kept in the feed (0 when empty): how far back a watcher can resume',
    registers: [registry],
    async collect() {
      await safely('feed_oldest_change_age', async () => {
        const row = (await db().selectFrom('changes').select((eb: any) => eb.fn.min('created_at').as('t')).executeTakeFirst()) as { t: string | null };
        const t = row?.t ? Date.parse(row.t) : NaN;
        this.set(Number.isFinite(t) ? Math.max(0, (Date.now() - t) / 1000) : 0);
      });
    },
  });
  return registry;
}

export interface MetricsListener {
  url: string;
  close(): Promise<void>;
}

/** Starts the metrics listener of a service; its errors name the setting that moves it. */
export async function startMetricsListener(app: App, extra: Registry[] = []): Promise<MetricsListener> {
  enableProcessMetrics();
  const merged = Registry.merge([processRegistry, databaseGauges(app), ...extra]);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthcheck') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' }).end(req.method === 'HEAD' ? undefined : 'OK');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=UTF-8' }).end('Not Found: see /metrics\n');
      return;
    }
    merged.metrics().then(
      (text) => res.writeHead(200, { 'content-type': merged.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (err) => {
        app.log.error({ err }, 'metrics collection failed');
        res.writeHead(500, { 'content-type': 'text/plain; charset=UTF-8' }).end('metrics collection failed\n');
      },
    );
  });
  const { host, port } = app.config.metrics;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
