// The backend seam's HTTP face (logic in src/feed/watch.ts and src/backends/status.ts):
// GET /v2.0/watch (list + watch the change feed, long-poll), POST /v2.0/status-reports
// (backends report what they realized) and GET /v2.0/status-reports (admins read them).
// See docs/watch-api.md.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.ts';
import { parseWatchQuery } from '../../feed/watch.ts';
import { parseReports } from '../../backends/status.ts';

type Raw = Record<string, string | string[] | undefined>;

const list = (v: string | string[] | undefined) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter(Boolean));

export function registerWatchRoutes(server: FastifyInstance, app: App): void {
  server.get('/v2.0/watch', async (req) => {
    const query = parseWatchQuery(req.query as Raw, app.watch.collections);
    // A client that goes away ends its long-poll.
    const aborted = new AbortController();
    const socket = req.raw.socket;
    const onClose = () => aborted.abort();
    socket?.once('close', onClose);
    try {
      return await app.watch.poll(req.ctx, query, aborted.signal);
    } finally {
      socket?.off('close', onClose);
    }
  });

  server.post('/v2.0/status-reports', async (req) => {
    const reports = parseReports(req.body);
    return { results: await app.statusReports.apply(req.ctx, reports) };
  });

  server.get('/v2.0/status-reports', async (req) => {
    const q = req.query as Raw;
    return { status_reports: await app.statusReports.list(req.ctx, { resource: list(q.resource), id: list(q.id) }) };
  });
}
