// explain's verify on this host: the agent long-polls the server for the checks of a path
// that concern its host (GET /v2.0/reachability/verifications?host=H), inspects what the
// host has (inspect.ts: read only) and answers (POST /v2.0/reachability/verifications/{id}).
// Registered as a reconciler with no resources and no keys: it only needs start/stop.
// A server whose backend asks no agents (404) is asked again every few minutes.
import { ApiError, describeError } from '../client.ts';
import type { AgentContext, Reconciler, ReconcilerFactory } from '../reconciler.ts';
import { Inspector, type Check } from './inspect.ts';

const POLL_SECONDS = 25;
const NOT_SERVED_RETRY_MS = 300_000;

class Verifier implements Reconciler {
  readonly name = 'verify';
  readonly resources = [] as const;
  private readonly stopping = new AbortController();
  private loop?: Promise<void>;

  constructor(private readonly ctx: AgentContext) {}

  async start(): Promise<void> {
    this.loop = this.run();
  }

  keysFor(): string[] {
    return [];
  }

  async sync(): Promise<void> {}

  keys(): string[] {
    return [];
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.stopping.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  }

  private async run(): Promise<void> {
    const { client, config, log } = this.ctx;
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      try {
        const answer = await client.get(`/v2.0/reachability/verifications?host=${encodeURIComponent(config.host)}&timeout=${POLL_SECONDS}`, this.stopping.signal);
        failures = 0;
        for (const v of (answer?.verifications ?? []) as { id: string; checks: Check[] }[]) {
          const inspector = new Inspector(this.ctx.host, (routerId) => `${config.namespace_prefix}qrouter-${routerId}`);
          const results = [];
          for (const c of v.checks) results.push(await inspector.check(c));
          log.info({ verification: v.id, checks: results.length, drift: results.filter((r) => r.status === 'drift').length }, 'verified a path');
          await client.post(`/v2.0/reachability/verifications/${encodeURIComponent(v.id)}`, { verification: { host: config.host, results } });
        }
      } catch (err) {
        if (this.stopping.signal.aborted) return;
        if (err instanceof ApiError && err.status === 404) {
          await this.sleep(NOT_SERVED_RETRY_MS);
          continue;
        }
        failures++;
        log.warn({ err: describeError(err) }, 'verification poll failed');
        await this.sleep(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)));
      }
    }
  }
}

export const verify: ReconcilerFactory = {
  name: 'verify',
  enabled: () => true,
  create: (ctx) => new Verifier(ctx),
};
