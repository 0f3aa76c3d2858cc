// What a reconciler is: the unit the agent is extended by. The agent (src/agent/agent.ts)
// runs one informer (list + watch of the union of the resources its reconcilers declare),
// a keyed rate-limited queue and a worker per reconciler (one reconciler's slow sync never
// delays another's keys); a reconciler says which of its keys a change
// concerns, how to bring one key's host state to the desired state, and which keys exist
// (for the periodic resync). Register a reconciler in src/agent/reconcilers.ts.
import type { Logger } from 'pino';
import type { AgentConfig } from './config.ts';
import type { AgentClient } from './client.ts';
import type { Host } from './host.ts';
import type { Cache, Change, Obj } from './cache.ts';

export type { Change, Obj } from './cache.ts';

/** An agent this process reports in its heartbeat (POST /v2.0/agent-reports); host and start_flag are added. */
export interface AgentReport {
  agent_type: string;
  binary: string;
  topic: string;
  configurations: Obj;
}

/** What the agent gives each reconciler. Keys are the reconciler's own (the agent namespaces them). */
export interface AgentContext {
  readonly config: AgentConfig;
  readonly log: Logger;
  readonly client: AgentClient;
  readonly host: Host;
  readonly cache: Cache;
  /** Queue one of this reconciler's keys. */
  enqueue(key: string): void;
  /**
   * Report what was realized for an object (POST /v2.0/status-reports, batched), with the
   * object's revision; repeated reports of the same revision and status are dropped. If the
   * report cannot be delivered, `key` is queued again. `reason` says why (ERROR, DOWN).
   */
  report(resource: string, object: Obj, status: string, key: string, reason?: string): void;
  /** Whether this agent has reported the object (it was realized here once). */
  reported(resource: string, id: string): boolean;
  forgetReport(resource: string, id: string): void;
  /** Put an object this reconciler wrote into the cache and let every reconciler see the change. */
  touch(resource: string, object: Obj): void;
  /** Heartbeat soon (e.g. a network may need a DHCP agent now). */
  requestHeartbeat(): void;
}

export interface Reconciler {
  readonly name: string;
  /** The collections this reconciler reads from the cache (the informer lists and watches their union). */
  readonly resources: readonly string[];
  /** Before the first heartbeat (sockets, state directories). */
  start?(): Promise<void>;
  /** The keys a change concerns (may read the cache, which already holds the change). */
  keysFor(change: Change, cache: Cache): string[];
  /** Bring one key to its desired state: idempotent, reads the host, changes only the difference. Throw to retry with backoff. */
  sync(key: string): Promise<void>;
  /** Every key with desired state (the periodic resync and the first start queue them all). */
  keys(): Iterable<string>;
  /** Remove host state that no desired object explains (queued after every full resync). */
  gc?(): Promise<void>;
  /** Remove everything this reconciler created on the host (`neutrino agent --cleanup`). */
  cleanup?(): Promise<void>;
  /** The agents to register and heartbeat (`GET /v2.0/agents` shows them). */
  agentReports?(): AgentReport[];
  /** The server's answer to a heartbeat: every reported agent (e.g. a DHCP agent's hosted_networks). */
  onHeartbeat?(agents: Obj[]): Promise<void> | void;
  /** A link appeared, changed or went on the host (`ip monitor link`): the keys it concerns. */
  onLink?(name: string): string[];
  stop?(): Promise<void>;
}

export interface ReconcilerFactory {
  name: string;
  enabled(config: AgentConfig): boolean;
  create(ctx: AgentContext): Reconciler;
}
