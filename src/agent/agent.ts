// `neutrino agent`: the host agent of the linux backend. A level-triggered controller in the
// shape of kubernetes/sample-controller, extended by reconcilers (src/agent/reconciler.ts,
// registered in src/agent/reconcilers.ts: L2, DHCP, and later L3 and the firewall):
//
//   informer: lists the union of the resources the reconcilers declare, then follows
//             GET /v2.0/watch from the cursor (src/agent/informer.ts); every change updates
//             the cache, and each reconciler answers the keys it concerns
//   work queues: one per reconciler (src/agent/queue.ts), each with its own worker, so a slow
//             firewall sync never delays an L2, DHCP or L3 key; within a queue a key is never
//             processed twice at once and failures are retried per key with exponential
//             backoff (one bad port does not block the others); keys are logged `<reconciler>:<key>`
//   sync: the reconciler reads the desired state from the cache and what the host has,
//             applies only the difference, and reports status with the revision it realized
//             (POST /v2.0/status-reports, src/agent/reports.ts)
//   triggers besides the feed: heartbeats (POST /v2.0/agent-reports with every reconciler's
//             agents; the answer goes back to them, e.g. the networks the DHCP agent hosts),
//             `ip monitor link`, and a periodic resync that queues every key again and then
//             each reconciler's garbage collection.
import { spawn, type ChildProcess } from 'node:child_process';
import pino, { type Logger } from 'pino';
import type { AgentConfig } from './config.ts';
import { AgentClient, describeError } from './client.ts';
import { Host } from './host.ts';
import { WorkQueue } from './queue.ts';
import { Informer } from './informer.ts';
import { Cache } from './cache.ts';
import { StatusReporter } from './reports.ts';
import type { AgentContext, Change, Obj, Reconciler, ReconcilerFactory } from './reconciler.ts';
import { RECONCILERS } from './reconcilers.ts';

const GC_KEY = 'gc';

export class Agent {
  readonly log: Logger;
  readonly client: AgentClient;
  readonly host: Host;
  /** One work queue and one worker per reconciler (by name). */
  readonly queues = new Map<string, WorkQueue>();
  readonly cache = new Cache();
  readonly reconcilers: Reconciler[];
  private readonly byName = new Map<string, Reconciler>();
  private readonly informer: Informer;
  private readonly reports: StatusReporter;
  private stopped = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private monitor?: ChildProcess;
  private heartbeatSoon?: NodeJS.Timeout;
  private startFlag = true;
  /** Syncs done and host changes made (bench and logs). */
  readonly stats = { syncs: 0, failures: 0, changesAtStart: 0 };
  private readyResolve!: () => void;
  /** Resolves once the first list has been fully reconciled. */
  readonly ready = new Promise<void>((r) => (this.readyResolve = r));

  constructor(
    readonly config: AgentConfig,
    factories: ReconcilerFactory[] = RECONCILERS,
  ) {
    this.log = pino({ level: config.log_level, base: { agent: config.host } });
    this.client = new AgentClient(config.server, config.auth);
    this.host = new Host(config.netns || undefined);
    this.reports = new StatusReporter(this.client, this.log);
    this.reconcilers = factories
      .filter((f) => f.enabled(config))
      .map((f) => {
        this.queues.set(f.name, new WorkQueue({ baseDelayMs: 50, maxDelayMs: 10_000 }));
        const r = f.create(this.contextFor(f.name));
        this.byName.set(r.name, r);
        return r;
      });
    const resources = [...new Set(this.reconcilers.flatMap((r) => r.resources))];
    this.informer = new Informer(this.client, this.log, this.cache, resources, (change) => this.dispatch(change), () => this.enqueueAll());
  }

  private contextFor(name: string): AgentContext {
    const queue = () => this.queues.get(name)!;
    return {
      config: this.config,
      log: this.log.child({ reconciler: name }),
      client: this.client,
      host: this.host,
      cache: this.cache,
      enqueue: (k) => queue().add(k),
      report: (resource, object, status, k, reason) => this.reports.report(resource, object, status, () => queue().addRateLimited(k), reason),
      reported: (resource, id) => this.reports.has(resource, id),
      forgetReport: (resource, id) => this.reports.forget(resource, id),
      touch: (resource, object) => this.dispatch(this.cache.apply(resource, object.id, 'updated', object)),
      requestHeartbeat: () => this.requestHeartbeat(),
    };
  }

  async start(): Promise<void> {
    for (const r of this.reconcilers) await r.start?.();
    await this.heartbeat();
    await this.informer.relist();
    this.startMonitor();
    void this.informer.watch();
    this.startWorkers();
    this.every(this.config.report_interval * 1000, () => void this.heartbeat().catch((err) => this.log.warn({ err: describeError(err) }, 'heartbeat failed')));
    if (this.config.resync_interval > 0) this.every(this.config.resync_interval * 1000, () => this.enqueueAll());
    void this.whenIdle().then(() => {
      this.stats.changesAtStart = this.host.changes;
      this.log.info({ changes: this.host.changes, syncs: this.stats.syncs }, 'initial reconcile done');
      this.readyResolve();
    });
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  async whenIdle(): Promise<void> {
    while ([...this.queues.values()].some((q) => !q.idle) || this.reports.busy) await new Promise((r) => setTimeout(r, 20));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.informer.stop();
    for (const q of this.queues.values()) q.shutdown();
    for (const t of this.timers) clearInterval(t);
    this.monitor?.kill();
    await this.reports.flush().catch(() => undefined);
    for (const r of this.reconcilers) await r.stop?.();
  }

  /** Every key of every reconciler, then their garbage collection. */
  enqueueAll(): void {
    for (const r of this.reconcilers) {
      const q = this.queues.get(r.name)!;
      for (const k of r.keys()) q.add(k);
      if (r.gc) q.add(GC_KEY);
    }
  }

  private dispatch(change: Change): void {
    for (const r of this.reconcilers) {
      if (!r.resources.includes(change.resource)) continue;
      for (const k of r.keysFor(change, this.cache)) this.queues.get(r.name)!.add(k);
    }
  }

  /** `ip monitor link`: a tap appearing (a workload plugged) is realized at once. */
  private startMonitor(): void {
    const args = [...(this.config.netns ? ['-n', this.config.netns] : []), '-o', 'monitor', 'link'];
    const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    this.monitor = child;
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const name = /^(?:Deleted )?\d+: ([^:@\s]+)[@:]/.exec(line)?.[1];
        if (!name) continue;
        this.host.linkEvent(name);
        for (const r of this.reconcilers) for (const k of r.onLink?.(name) ?? []) this.queues.get(r.name)!.add(k);
      }
    });
    child.on('exit', () => {
      if (!this.stopped) setTimeout(() => !this.stopped && this.startMonitor(), 1000).unref();
    });
  }

  // ---- heartbeat ------------------------------------------------------------------------------

  requestHeartbeat(): void {
    if (this.heartbeatSoon) return;
    this.heartbeatSoon = setTimeout(() => {
      this.heartbeatSoon = undefined;
      void this.heartbeat().catch((err) => this.log.warn({ err: describeError(err) }, 'heartbeat failed'));
    }, 50);
  }

  /** Registers and heartbeats every reconciler's agents; the answer goes back to each reconciler. */
  async heartbeat(): Promise<void> {
    const agents = this.reconcilers.flatMap((r) => r.agentReports?.() ?? []).map((a) => ({ ...a, host: this.config.host, start_flag: this.startFlag }));
    const answer = await this.client.post('/v2.0/agent-reports', { agents });
    this.startFlag = false;
    for (const r of this.reconcilers) await r.onHeartbeat?.(answer.agents as Obj[]);
  }

  // ---- worker ------------------------------------------------------------------------------

  /** One worker per reconciler, each on its own queue. */
  startWorkers(): void {
    for (const r of this.reconcilers) void this.worker(r);
  }

  /** The reconciler's worker: its keys one at a time, in its own queue. */
  private async worker(r: Reconciler): Promise<void> {
    const queue = this.queues.get(r.name)!;
    for (;;) {
      const key = await queue.get();
      if (key === null) return;
      try {
        await (key === GC_KEY ? r.gc?.() : r.sync(key));
        queue.forget(key);
      } catch (err) {
        this.stats.failures++;
        if (!this.stopped) {
          this.log.warn({ key: `${r.name}:${key}`, retries: queue.retries(key), err: describeError(err) }, 'sync failed; retrying');
          queue.addRateLimited(key);
        }
      } finally {
        this.stats.syncs++;
        queue.done(key);
      }
    }
  }

  /** Removes everything this agent created on the host (tests, `neutrino agent --cleanup`). */
  async cleanupHost(): Promise<void> {
    this.cache.clear();
    for (const r of this.reconcilers) await r.cleanup?.();
  }
}
