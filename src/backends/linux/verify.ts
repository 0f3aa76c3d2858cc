// verify for the linux backend. The dataplane is on the hosts and the server runs nothing
// there, so a verification is a short-lived request the agents of the hosts involved
// answer: each host's checks wait here until its agent's long poll takes them
// (GET /v2.0/reachability/verifications?host=H, admin or service role), the agent inspects
// its nftables tables and router namespaces and answers
// (POST /v2.0/reachability/verifications/{id}); a host that does not answer within the
// timeout is reported as such, its checks `not_answered`.
// Requests live in this server's memory: an agent must long-poll the server that received
// the explain request (one server, or agents pointed at each server) — see docs/explain.md.
import { randomUUID } from 'node:crypto';
import type { AgentVerifyChannel, CheckResult, HostAnswer, HostVerification, PathCheck, PathVerification, VerifyRequest } from '../driver.ts';

interface Pending {
  id: string;
  host: string;
  checks: PathCheck[];
  /** Taken by an agent's poll (not handed out twice). */
  taken: boolean;
  resolve: (results: HostAnswer[] | null) => void;
}

export class AgentVerifier implements AgentVerifyChannel {
  private readonly pending = new Map<string, Pending>();
  private readonly waiters = new Map<string, Set<() => void>>();

  /** The checks grouped by host, sent to each host's agent; the answers gathered. */
  async verify(request: VerifyRequest, backend: string): Promise<PathVerification> {
    const byHost = new Map<string, PathCheck[]>();
    const hosts: HostVerification[] = [];
    const unplaced: CheckResult[] = [];
    for (const c of request.checks) {
      if (!c.host) {
        unplaced.push({ id: c.id, kind: c.kind, status: 'not_checked', intent: c.intent, dataplane: 'not realized on any host (unbound port or unhosted router)' });
        continue;
      }
      const list = byHost.get(c.host) ?? [];
      list.push(c);
      byHost.set(c.host, list);
    }
    const answers = await Promise.all([...byHost].map(([host, checks]) => this.ask(host, checks, request.timeoutMs).then((r) => [host, checks, r] as const)));
    for (const [host, checks, results] of answers) {
      if (results === null) {
        hosts.push({ host, state: 'timeout', checks: checks.map((c) => ({ id: c.id, kind: c.kind, host, status: 'not_answered', intent: c.intent, dataplane: `the agent on host ${host} did not answer within ${request.timeoutMs} ms` })) });
        continue;
      }
      // Only answers to checks that were asked, each once; a check the agent skipped counts as unanswered.
      const byId = new Map(results.map((r) => [r.id, r]));
      hosts.push({
        host,
        state: 'answered',
        checks: checks.map((c) => {
          const r = byId.get(c.id);
          if (!r) return { id: c.id, kind: c.kind, host, status: 'not_answered', intent: c.intent, dataplane: 'the agent did not answer this check' };
          return { id: c.id, kind: c.kind, host, status: r.status, intent: c.intent, dataplane: r.dataplane };
        }),
      });
    }
    if (unplaced.length) hosts.push({ host: '', state: 'no_agent', checks: unplaced });
    const all = hosts.flatMap((h) => h.checks);
    const drift = all.filter((c) => c.status === 'drift');
    const agreement = drift.length ? false : all.some((c) => c.status === 'not_answered') ? null : true;
    return { backend, agreement, hosts, drift };
  }

  /** Waits for host's agent to answer these checks; null on timeout. */
  private ask(host: string, checks: PathCheck[], timeoutMs: number): Promise<HostAnswer[] | null> {
    return new Promise((resolve) => {
      const id = randomUUID();
      const timer = setTimeout(() => finish(null), timeoutMs);
      const finish = (results: HostAnswer[] | null) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(results);
      };
      this.pending.set(id, { id, host, checks, taken: false, resolve: finish });
      this.wake(host);
    });
  }

  private wake(host: string): void {
    const set = this.waiters.get(host);
    if (!set) return;
    this.waiters.delete(host);
    for (const w of set) w();
  }

  async next(host: string, waitMs: number, signal?: AbortSignal): Promise<{ id: string; checks: PathCheck[] }[]> {
    const take = () => {
      const out = [...this.pending.values()].filter((p) => p.host === host && !p.taken);
      for (const p of out) p.taken = true;
      return out.map((p) => ({ id: p.id, checks: p.checks }));
    };
    const now = take();
    if (now.length || waitMs <= 0 || signal?.aborted) return now;
    await new Promise<void>((resolve) => {
      const set = this.waiters.get(host) ?? new Set();
      this.waiters.set(host, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
    return take();
  }

  answer(id: string, host: string, results: HostAnswer[]): boolean {
    const p = this.pending.get(id);
    if (!p || p.host !== host) return false;
    p.resolve(results);
    return true;
  }
}
