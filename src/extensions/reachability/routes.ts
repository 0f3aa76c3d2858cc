// POST /v2.0/reachability/explain {"reachability": {source, destination, protocol, port, verify}}:
// a question, not a stored resource (nothing is created; the answer is 200).
// GET/POST /v2.0/reachability/verifications: where host agents take and answer verify's
// checks (agent-channel.ts).
import type { RouteModule } from '../../framework/feature.ts';
import { VerificationAgents } from './agent-channel.ts';
import { backendOf } from './reachability-service.ts';

export const reachabilityRoutes: RouteModule = (server, app) => {
  const service = app.services.reachability;
  if (!service) return;
  server.post('/v2.0/reachability/explain', async (req) => ({ reachability: await service.explain(req.ctx, req.body) }));

  const agents = new VerificationAgents(backendOf(app)?.verifyChannel);
  // Shutting down ends the agents' long polls instead of waiting for them.
  const polls = new Set<AbortController>();
  server.addHook('preClose', async () => polls.forEach((p) => p.abort()));
  server.get('/v2.0/reachability/verifications', async (req) => {
    // A client that goes away ends its long poll.
    const aborted = new AbortController();
    polls.add(aborted);
    const socket = req.raw.socket;
    const onClose = () => aborted.abort();
    socket?.once('close', onClose);
    try {
      return await agents.next(req.ctx, req.query as Record<string, unknown>, aborted.signal);
    } finally {
      socket?.off('close', onClose);
      polls.delete(aborted);
    }
  });
  server.post<{ Params: { id: string } }>('/v2.0/reachability/verifications/:id', async (req) => agents.answer(req.ctx, req.params.id, req.body));
};
