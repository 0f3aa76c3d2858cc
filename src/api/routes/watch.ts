// The backend seam's HTTP face (logic in src/feed/watch.ts and src/backends/status.ts):
// GET /v2.0/watch (list + watch the change feed, long-poll), POST /v2.0/status-reports
// (backends report what they realized) and GET /v2.0/status-reports (admins read them).
// See docs/watch-api.md.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.ts';
import { parseWatchQuery } from '../../feed/watch.ts';
import { parseReports } from '../../backends/status.ts';
import { NeutronError } from '../../foundation/errors.ts';

type Raw = Record<string, string | string[] | undefined>;

const list = (v: string | string[] | undefined) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter(Boolean));

export function registerWatchRoutes(server: FastifyInstance, app: App): void {
  // Shutting down ends long-polls and streams instead of waiting for them.
  server.addHook('preClose', async () => app.watch.close());
  server.get('/v2.0/watch', async (req, reply) => {
    const query = parseWatchQuery(req.query as Raw, app.watch.collections);
    if (/application\/x-ndjson/.test(req.headers.accept ?? '')) query.stream = true;
    // A client that goes away ends its long-poll or stream.
    const aborted = new AbortController();
    const socket = req.raw.socket;
    const onClose = () => aborted.abort();
    socket?.once('close', onClose);
    try {
      if (!query.stream) return await app.watch.poll(req.ctx, query, aborted.signal);
      // The first answer comes back at once, so a bad cursor still gets its 410 status.
      const first = await app.watch.poll(req.ctx, { ...query, timeoutMs: 0 }, aborted.signal);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache' });
      const write = (answer: unknown) => res.write(`${JSON.stringify(answer)}\n`);
      write(first);
      try {
        await app.watch.stream(req.ctx, query, first, write, aborted.signal);
      } catch (err) {
        // Too far behind (compacted meanwhile) or failing: say so on the stream and end it.
        write(err instanceof NeutronError ? err.toJSON() : { NeutronError: { type: 'HTTPInternalServerError', message: 'watch failed', detail: '' } });
        if (!(err instanceof NeutronError)) app.log.error({ err }, 'watch stream failed');
      }
      res.end();
      return reply;
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
