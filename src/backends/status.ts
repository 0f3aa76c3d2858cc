// Status write-back: what a backend realized, reported with the revision it realized.
// - Only admins and the `service` role may report (403 otherwise).
// - A report older (lower revision) than the last report applied for that object is
//   ignored (`stale`); one for an object that no longer exists is ignored (`not_found`);
//   one claiming a revision the object never had is refused (`invalid`).
// - Applying a report writes the object's status (ports also binding:vif_type/vif_details)
//   WITHOUT bumping revision_number or updated_at — a level-triggered agent must not see its
//   own report as a new desired state — and appends a feed row of kind `status` carrying
//   the current revision, so dashboards see it.
// - The last report per object (status, reason, details) is kept in status_reports and
//   shown to admins by GET /v2.0/status-reports (binding failure reasons live there).
import type { Transaction } from 'kysely';
import type { RequestContext } from '../foundation/context.ts';
import { badRequest, notAuthorized } from '../foundation/errors.ts';
import type { Database, Tx } from '../db/index.ts';
import type { Resource } from '../framework/registry.ts';
import type { ChangeFeed } from '../feed/feed.ts';
import { backendReconcileLag } from '../foundation/metrics.ts';

/** Resources a backend reports on, and the statuses it may report. */
export const REPORTABLE: Record<string, { statuses: string[]; binding?: boolean }> = {
  ports: { statuses: ['ACTIVE', 'DOWN', 'ERROR', 'BUILD'], binding: true },
  routers: { statuses: ['ACTIVE', 'DOWN', 'ERROR', 'BUILD'] },
  floatingips: { statuses: ['ACTIVE', 'DOWN', 'ERROR'] },
  // Agents have no status column: the report is kept (GET /v2.0/status-reports) and fed.
  agents: { statuses: ['ACTIVE', 'DOWN', 'ERROR'] },
};

export interface StatusReport {
  resource: string;
  id: string;
  /** The revision_number the backend realized. */
  revision: number;
  status: string;
  reason?: string | null;
  'binding:vif_type'?: string;
  'binding:vif_details'?: Record<string, unknown>;
}

export interface StatusResult {
  resource: string;
  id: string;
  revision: number;
  result: 'applied' | 'stale' | 'not_found' | 'invalid';
  /** Why a report was not applied. */
  detail?: string;
}

export interface StatusDeps {
  database: Database;
  feed: ChangeFeed;
  resource: (collection: string) => Resource | undefined;
  transact: <T>(fn: (trx: Transaction<any>) => Promise<T>) => Promise<T>;
  /** The backend driver's name (the reconcile-lag metric's label). */
  backend?: string;
}

/** Admins and the `service` role (agents, backends) may report and read reports. */
export function mayReport(ctx: RequestContext): boolean {
  return ctx.isAdmin || ctx.roles.includes('service');
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Checks a request body `{"reports": [...]}`; 400 on the first malformed report (nothing applied). */
export function parseReports(body: unknown): StatusReport[] {
  if (!isObject(body) || !Array.isArray(body.reports)) throw badRequest(`Request body must be {"reports": [...]}`);
  return body.reports.map((r: unknown, i: number) => {
    const where = `reports[${i}]`;
    if (!isObject(r)) throw badRequest(`${where} must be an object`);
    const known = new Set(['resource', 'id', 'revision', 'status', 'reason', 'binding:vif_type', 'binding:vif_details']);
    const unknown = Object.keys(r).filter((k) => !known.has(k));
    if (unknown.length) throw badRequest(`${where}: unrecognized attribute(s) '${unknown.join(', ')}'`);
    const spec = typeof r.resource === 'string' ? REPORTABLE[r.resource] : undefined;
    if (!spec) throw badRequest(`${where}.resource must be one of ${Object.keys(REPORTABLE).join(', ')}`);
    if (typeof r.id !== 'string' || !r.id) throw badRequest(`${where}.id must be a string`);
    if (typeof r.revision !== 'number' || !Number.isInteger(r.revision) || r.revision < 0) throw badRequest(`${where}.revision must be a non-negative integer`);
    if (typeof r.status !== 'string' || !spec.statuses.includes(r.status)) throw badRequest(`${where}.status must be one of ${spec.statuses.join(', ')}`);
    if (r.reason !== undefined && r.reason !== null && (typeof r.reason !== 'string' || r.reason.length > 4096)) throw badRequest(`${where}.reason must be a string of at most 4096 characters`);
    if ((r['binding:vif_type'] !== undefined || r['binding:vif_details'] !== undefined) && !spec.binding) throw badRequest(`${where}: ${r.resource} have no binding`);
    if (r['binding:vif_type'] !== undefined && (typeof r['binding:vif_type'] !== 'string' || !r['binding:vif_type'] || r['binding:vif_type'].length > 255)) throw badRequest(`${where}.binding:vif_type must be a non-empty string`);
    if (r['binding:vif_details'] !== undefined && !isObject(r['binding:vif_details'])) throw badRequest(`${where}.binding:vif_details must be an object`);
    return r as unknown as StatusReport;
  });
}

export class StatusReports {
  constructor(private readonly deps: StatusDeps) {}

  /** Applies reports in one transaction; a result per report, in order. */
  async apply(ctx: RequestContext, reports: StatusReport[]): Promise<StatusResult[]> {
    if (!mayReport(ctx)) throw notAuthorized('create_status_report');
    return this.applyTrusted(reports);
  }

  /** For in-process drivers (already trusted). */
  async applyTrusted(reports: StatusReport[]): Promise<StatusResult[]> {
    let lags: { resource: string; seconds: number }[] = [];
    const results = await this.deps.transact(async (trx) => {
      lags = []; // a retried transaction starts over
      const out: StatusResult[] = [];
      for (const report of reports) out.push(await this.applyOne(trx, report, lags));
      return out;
    });
    for (const lag of lags) backendReconcileLag.observe({ backend: this.deps.backend ?? 'unknown', resource: lag.resource }, lag.seconds);
    return results;
  }

  private async applyOne(trx: Tx, report: StatusReport, lags: { resource: string; seconds: number }[]): Promise<StatusResult> {
    const { database, feed } = this.deps;
    const base = { resource: report.resource, id: report.id, revision: report.revision };
    const resource = this.deps.resource(report.resource);
    if (!resource) return { ...base, result: 'not_found', detail: `${report.resource} are not served` };
    // Serialized with updates and deletes of the object and with other reports on it.
    await database.lock(trx, resource.table, 'id', report.id);
    const row = await trx.selectFrom(resource.table).select(resource.hasRevision ? ['id', 'revision_number'] : ['id']).where('id', '=', report.id).executeTakeFirst();
    const key = (q: any) => q.where('resource', '=', report.resource).where('resource_id', '=', report.id);
    if (!row) {
      await key(trx.deleteFrom('status_reports')).execute();
      return { ...base, result: 'not_found', detail: `${resource.member} ${report.id} does not exist (deleted?)` };
    }
    const revision = resource.hasRevision ? Number(row.revision_number) : 0;
    if (report.revision > revision) return { ...base, result: 'invalid', detail: `revision ${report.revision} is newer than the ${resource.member}'s revision ${revision}` };
    const last = await key(trx.selectFrom('status_reports').select('revision')).executeTakeFirst();
    if (last && report.revision < Number(last.revision)) {
      return { ...base, result: 'stale', detail: `a report for revision ${last.revision} was applied already` };
    }
    const set: Record<string, unknown> = {};
    if ('status' in resource.attributes) set.status = report.status;
    if (REPORTABLE[report.resource].binding && 'binding:vif_type' in resource.attributes) {
      if (report['binding:vif_type'] !== undefined) set.binding_vif_type = report['binding:vif_type'];
      if (report['binding:vif_details'] !== undefined) set.binding_vif_details = JSON.stringify(report['binding:vif_details']);
    }
    if (Object.keys(set).length) await trx.updateTable(resource.table).set(set).where('id', '=', report.id).execute();
    const details: Record<string, unknown> = {};
    if (report['binding:vif_type'] !== undefined) details['binding:vif_type'] = report['binding:vif_type'];
    if (report['binding:vif_details'] !== undefined) details['binding:vif_details'] = report['binding:vif_details'];
    const stored = { revision: report.revision, status: report.status, reason: report.reason ?? null, details: JSON.stringify(details), reported_at: new Date().toISOString() };
    await trx
      .insertInto('status_reports')
      .values({ resource: report.resource, resource_id: report.id, ...stored })
      .onConflict((oc: any) => oc.columns(['resource', 'resource_id']).doUpdateSet(stored))
      .execute();
    feed.record(trx, report.resource, report.id, 'status');
    // The first report of a revision ends its reconcile lag (counted once the report commits).
    const committed = last && Number(last.revision) === report.revision ? undefined : feed.committedAt(report.resource, report.id, report.revision);
    if (committed !== undefined) lags.push({ resource: report.resource, seconds: Math.max(0, Date.now() - committed) / 1000 });
    return { ...base, result: 'applied' };
  }

  /** The last report per object (admins and the service role): `resource` and `id` filter. */
  async list(ctx: RequestContext, filters: { resource?: string[]; id?: string[] }): Promise<Record<string, unknown>[]> {
    if (!mayReport(ctx)) throw notAuthorized('get_status_report');
    let q = this.deps.database.db.selectFrom('status_reports').selectAll();
    if (filters.resource?.length) q = q.where('resource', 'in', filters.resource);
    if (filters.id?.length) q = q.where('resource_id', 'in', filters.id);
    const rows = await q.orderBy('resource').orderBy('resource_id').execute();
    return rows.map((r: any) => ({
      resource: r.resource,
      id: r.resource_id,
      revision: Number(r.revision),
      status: r.status,
      reason: r.reason,
      ...(r.details ? JSON.parse(r.details) : {}),
      reported_at: r.reported_at,
    }));
  }

  /** Drops kept reports of objects that no longer exist (part of feed compaction). */
  async prune(): Promise<void> {
    const db = this.deps.database.db;
    for (const collection of Object.keys(REPORTABLE)) {
      const resource = this.deps.resource(collection);
      if (!resource) continue;
      await db
        .deleteFrom('status_reports')
        .where('resource', '=', collection)
        .where((eb: any) => eb.not(eb.exists(eb.selectFrom(resource.table).select('id').whereRef(`${resource.table}.id`, '=', 'status_reports.resource_id'))))
        .execute();
    }
  }
}
