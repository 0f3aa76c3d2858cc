// Status write-back (POST /v2.0/status-reports): what the agent realized, with the revision
// it realized, batched (10 ms) and deduplicated (the same revision and status is reported once).
import type { Logger } from 'pino';
import { describeError, type AgentClient } from './client.ts';
import type { Obj } from './reconciler.ts';

export class StatusReporter {
  /** resource/id → `revision:status` last reported. */
  private readonly reported = new Map<string, string>();
  private pending = new Map<string, { report: Obj; retry: () => void }>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly client: AgentClient,
    private readonly log: Logger,
  ) {}

  report(resource: string, object: Obj, status: string, retry: () => void, reason?: string): void {
    const ref = `${resource}/${object.id}`;
    const stamp = `${object.revision_number}:${status}:${reason ?? ''}`;
    if (this.reported.get(ref) === stamp && object.status === status) return;
    this.reported.set(ref, stamp);
    this.pending.set(ref, { report: { resource, id: object.id, revision: object.revision_number, status, ...(reason ? { reason } : {}) }, retry });
    this.timer ??= setTimeout(() => void this.flush(), 10);
  }

  has(resource: string, id: string): boolean {
    return this.reported.has(`${resource}/${id}`);
  }

  forget(resource: string, id: string): void {
    this.reported.delete(`${resource}/${id}`);
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  async flush(): Promise<void> {
    this.timer = undefined;
    const batch = [...this.pending.entries()];
    if (batch.length === 0) return;
    this.pending = new Map();
    try {
      for (let i = 0; i < batch.length; i += 500) await this.client.post('/v2.0/status-reports', { reports: batch.slice(i, i + 500).map(([, p]) => p.report) });
    } catch (err) {
      this.log.warn({ err: describeError(err) }, 'status report failed; will report again');
      for (const [ref, p] of batch) {
        this.reported.delete(ref);
        p.retry();
      }
    }
  }
}
