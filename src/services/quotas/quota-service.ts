// Per-project quotas: limits (defaults from configuration, overrides in the `quotas` table)
// and exact usage counting. reserve() runs inside the creating transaction and holds a
// per-project lock until it commits, so concurrent creates can never overshoot a limit.
import type { Transaction } from 'kysely';
import type { App } from '../../app.ts';
import type { Tx } from '../../db/index.ts';
import { overQuota } from '../../api/errors.ts';

export class QuotaService {
  constructor(private readonly app: App) {}

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
    const rows = await q.selectFrom('quotas').select(['resource', 'hard_limit']).where('project_id', '=', projectId).execute();
    for (const r of rows) if (r.resource in limits) limits[r.resource] = r.hard_limit;
    return limits;
  }

  async usage(q: Tx, projectId: string, resource: string): Promise<number> {
    const table = this.tables().get(resource);
    if (!table) return 0;
    const row = await q.selectFrom(table).select((eb: any) => eb.fn.countAll().as('n')).where('project_id', '=', projectId).executeTakeFirst();
    return Number((row as { n?: number } | undefined)?.n ?? 0);
  }

  /** Throws OverQuota unless `count` more of resource fit in the project's limit. */
  async reserve(trx: Transaction<any>, projectId: string, resource: string, count: number): Promise<void> {
    const limit = (await this.limits(trx, projectId))[resource];
    if (limit === undefined || limit < 0) return;
    await this.app.database.lockKey(trx, `quota:${projectId}:${resource}`);
    const used = await this.usage(trx, projectId, resource);
    if (used + count > limit) throw overQuota(resource);
  }
}
