// Per-project quotas: limits (defaults from configuration, overrides in the `quotas` table)
// and exact usage counting. reserve() runs inside the creating transaction and holds a
// per-project lock until it commits, so concurrent creates can never overshoot a limit.
// Usage comes from counters the database keeps with triggers (quota_usages, migration
// 0051), so a check costs the same with 10 or 100,000 rows; a project's counter starts
// from count(*) the first time a limit is checked.
import type { Transaction } from 'kysely';
import type { NeutrinoConfig } from '../config/index.ts';
import type { Registry } from './registry.ts';
import type { Database } from '../db/index.ts';
import type { Tx } from '../db/index.ts';
import { overQuota } from '../foundation/errors.ts';
import { Batch } from './operation.ts';

export class QuotaService {
  /** Resources the database counts (quota_counted), read once. */
  private counted?: Promise<Set<string>>;

  constructor(private readonly app: { readonly registry: Registry; readonly config: NeutrinoConfig; readonly database: Database }) {}

  /** Quota resource name → table whose rows (by project_id) count against it. */
  tables(): Map<string, string> {
    const map = new Map<string, string>();
    for (const r of this.app.registry.resources.values()) if (r.quota) map.set(r.quota, r.table);
    return map;
  }

  defaults(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of this.tables().keys()) out[name] = this.app.config.quotas[name] ?? -1;
    return out;
  }

  async limits(q: Tx, projectId: string): Promise<Record<string, number>> {
    const limits = this.defaults();
    const rows = await this.app.database.prepared.run(q, 'quotas:limits', [projectId], (q, arg) => q.selectFrom('quotas').select(['resource', 'hard_limit']).where('project_id', '=', arg(0)));
    for (const r of rows) if (r.resource in limits) limits[r.resource] = r.hard_limit;
    return limits;
  }

  /** Rows of resource the project has: its counter when it has one, else counted. */
  async usage(q: Tx, projectId: string, resource: string): Promise<number> {
    return (await this.counter(q, projectId, resource)) ?? this.count(q, projectId, resource);
  }

  /** Throws OverQuota unless `count` more of resource fit in the project's limit. */
  async reserve(trx: Transaction<any>, projectId: string, resource: string, count: number, batch: Batch = new Batch()): Promise<void> {
    // Limits read in this request, by project (the items of a bulk request check them once).
    const known = batch.shared('quota-limits', () => new Map<string, Record<string, number>>());
    const limits = known.get(projectId) ?? (await this.limits(trx, projectId));
    known.set(projectId, limits);
    const limit = limits[resource];
    if (limit === undefined || limit < 0) return;
    // Exclusive on PostgreSQL; counted writes of this project and resource take it shared.
    await this.app.database.lockKey(trx, `quota:${projectId}:${resource}`);
    let used = await this.counter(trx, projectId, resource);
    if (used === undefined) {
      used = await this.count(trx, projectId, resource);
      // Under the lock no counted write is in flight, so the count is exact; from now on the triggers keep it.
      if ((await this.countedResources(trx)).has(resource)) await trx.insertInto('quota_usages').values({ project_id: projectId, resource, in_use: used }).execute();
    }
    if (used + count > limit) throw overQuota(resource);
  }

  private countedResources(q: Tx): Promise<Set<string>> {
    this.counted ??= q
      .selectFrom('quota_counted')
      .select('resource')
      .execute()
      .then((rows: { resource: string }[]) => new Set(rows.map((r) => r.resource)))
      .catch((err: unknown) => {
        this.counted = undefined; // read again next time
        throw err;
      });
    return this.counted;
  }

  private async counter(q: Tx, projectId: string, resource: string): Promise<number | undefined> {
    if (!(await this.countedResources(q)).has(resource)) return undefined;
    const [row] = await this.app.database.prepared.run(q, 'quotas:counter', [projectId, resource], (q, arg) => q.selectFrom('quota_usages').select('in_use').where('project_id', '=', arg(0)).where('resource', '=', arg(1)));
    return row === undefined ? undefined : Number(row.in_use);
  }

  private async count(q: Tx, projectId: string, resource: string): Promise<number> {
    const table = this.tables().get(resource);
    if (!table) return 0;
    const row = await q.selectFrom(table).select((eb: any) => eb.fn.countAll().as('n')).where('project_id', '=', projectId).executeTakeFirst();
    return Number((row as { n?: number } | undefined)?.n ?? 0);
  }
}
