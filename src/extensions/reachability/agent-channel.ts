// The agents' side of verify for backends whose dataplane is on hosts (linux):
//   GET  /v2.0/reachability/verifications?host=H[&timeout=S]   long poll: the checks pending for H
//        → {"verifications": [{"id", "checks": [PathCheck...]}]}  (empty after S seconds, max 60)
//   POST /v2.0/reachability/verifications/{id}  {"verification": {"host": H, "results": [...]}}
// Admins and the `service` role only, as the status write-back (backends/status.ts).
import type { AgentVerifyChannel, CheckStatus, HostAnswer } from '../../backends/driver.ts';
import { mayReport } from '../../backends/status.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { badRequest, NeutronError, notAuthorized } from '../../foundation/errors.ts';

const STATUSES: CheckStatus[] = ['agrees', 'drift', 'not_checked'];
const MAX_WAIT_S = 60;

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function hostOf(value: unknown): string {
  if (typeof value !== 'string' || !value || value.length > 255) throw badRequest(`Invalid host '${String(value)}'`);
  return value;
}

export class VerificationAgents {
  constructor(private readonly channel: AgentVerifyChannel | undefined) {}

  private check(ctx: RequestContext): AgentVerifyChannel {
    if (!mayReport(ctx)) throw notAuthorized('reachability_verifications');
    if (!this.channel) throw new NeutronError(404, 'HTTPNotFound', 'The backend does not ask agents to verify paths');
    return this.channel;
  }

  async next(ctx: RequestContext, query: Record<string, unknown>, signal: AbortSignal) {
    const channel = this.check(ctx);
    const host = hostOf(query.host);
    const timeout = query.timeout === undefined ? 30 : Number(query.timeout);
    if (!Number.isFinite(timeout) || timeout < 0) throw badRequest(`Invalid timeout '${String(query.timeout)}'`);
    return { verifications: await channel.next(host, Math.min(timeout, MAX_WAIT_S) * 1000, signal) };
  }

  answer(ctx: RequestContext, id: string, body: unknown): { accepted: boolean } {
    const channel = this.check(ctx);
    const v = isObject(body) ? body.verification : undefined;
    if (!isObject(v) || !Array.isArray(v.results)) throw badRequest('Request body must be {"verification": {"host": ..., "results": [...]}}');
    const host = hostOf(v.host);
    const results: HostAnswer[] = v.results.map((r: unknown, i: number) => {
      if (!isObject(r) || typeof r.id !== 'string' || typeof r.status !== 'string' || !STATUSES.includes(r.status as CheckStatus)) {
        throw badRequest(`results[${i}] must be {"id", "status": one of ${STATUSES.join(', ')}, "dataplane"}`);
      }
      const dataplane = typeof r.dataplane === 'string' ? r.dataplane.slice(0, 4096) : '';
      return { id: r.id, status: r.status as CheckStatus, dataplane };
    });
    // An answer after the timeout is not an error: the explain request has already said "did not answer".
    return { accepted: channel.answer(id, host, results) };
  }
}
