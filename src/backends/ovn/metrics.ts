// Prometheus metrics of the ovn driver (served with the process-wide registry).
import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from '../../foundation/metrics.ts';

export const nbTransactions = new Counter({
  name: 'neutrino_ovn_nb_transactions_total',
  help: 'Transactions the ovn backend committed to the OVN northbound database, by trigger (start, feed, resync)',
  labelNames: ['trigger'] as const,
  registers: [registry],
});

export const driftRepairs = new Counter({
  name: 'neutrino_ovn_drift_repairs_total',
  help: 'Northbound rows a periodic full reconcile found different from Neutrino\'s intent and repaired, by action (insert, update, delete)',
  labelNames: ['action'] as const,
  registers: [registry],
});

export const syncSeconds = new Histogram({
  name: 'neutrino_ovn_sync_seconds',
  help: 'Time from reading changes (or the full intent) to the northbound transaction committed, by trigger',
  labelNames: ['trigger'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const leaderGauge = new Gauge({
  name: 'neutrino_ovn_leader',
  help: 'Whether this server holds the northbound lock and so writes the OVN northbound database (1) or stands by (0)',
  registers: [registry],
});
