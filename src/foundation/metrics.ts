// Process-wide Prometheus metrics (prom-client). Counters that code deep in the stack
// increments (database retries and lock waits, IPAM) live here, at the bottom of the
// dependency graph, so db/ and the IPAM code can count without knowing about HTTP.
// The metrics listener (src/api/observability/metrics.ts) serves this registry merged with
// the gauges it reads from the database on each scrape.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();

/** HTTP requests by listener (api, identity), method, route pattern and status; `_count` is the request count. */
export const httpRequestDuration = new Histogram({
  name: 'neutrino_http_request_duration_seconds',
  help: 'HTTP request latency by listener, method, route pattern and status',
  labelNames: ['listener', 'method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/** Backends' reconcile lag: a change's commit → the backend's status report for that revision. */
export const backendReconcileLag = new Histogram({
  name: 'neutrino_backend_reconcile_lag_seconds',
  help: "Time from a change's commit to the first status report of that revision, by backend driver and resource (changes written by this server)",
  labelNames: ['backend', 'resource'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [registry],
});

/** Whole-transaction retries (serialization failures, deadlocks, busy SQLite, marked races). */
export const dbTransactionRetries = new Counter({
  name: 'neutrino_db_transaction_retries_total',
  help: 'Transactions retried after a serialization failure, deadlock, busy database or a race the code marked retryable',
  labelNames: ['dialect', 'reason'] as const,
  registers: [registry],
});

/** Time spent waiting for row and key locks (PostgreSQL; SQLite serializes transactions instead). */
export const dbLockWait = new Histogram({
  name: 'neutrino_db_lock_wait_seconds',
  help: 'Time spent acquiring row (select for update) and key (advisory) locks',
  labelNames: ['dialect', 'kind'] as const,
  buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
  registers: [registry],
});

/** Addresses IPAM claimed automatically or on request (claims of transactions later retried count again). */
export const ipamAllocations = new Counter({
  name: 'neutrino_ipam_allocations_total',
  help: 'IP addresses claimed by IPAM (claims of a transaction that is retried or rolled back are counted too)',
  labelNames: ['ip_version'] as const,
  registers: [registry],
});

/** Requests for an address on a network none of whose eligible subnets had one left. */
export const ipamExhaustions = new Counter({
  name: 'neutrino_ipam_exhaustions_total',
  help: 'Address requests refused because no eligible subnet had a free address (IpAddressGenerationFailure)',
  registers: [registry],
});

let processMetrics = false;
/** Node.js process metrics (CPU, memory, event loop lag, GC), started once when metrics are served. */
export function enableProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: registry });
}
