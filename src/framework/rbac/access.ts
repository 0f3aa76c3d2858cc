// Queries answering "who may use which object" from the rbac_policies table, for the
// generic layer's visibility (list scope, show) and the per-caller `shared` attribute.
import type { ExpressionBuilder } from 'kysely';
import type { Tx } from '../../db/index.ts';
import type { PreparedQueries } from '../../db/prepared.ts';

export const WILDCARD = '*';

/** The targets that cover a project: itself and everyone. */
const targetsOf = (projectId: string | null): string[] => (projectId ? [projectId, WILDCARD] : [WILDCARD]);

/** SQL subquery: ids of objectType an RBAC policy grants (one of actions, or any) to projectId or everyone. */
export function grantedObjects(eb: ExpressionBuilder<any, any>, objectType: string, projectId: string | null, actions?: string[]) {
  let granted = eb
    .selectFrom('rbac_policies')
    .select('rbac_policies.object_id')
    .where('rbac_policies.object_type', '=', objectType)
    .where('rbac_policies.target_project', 'in', targetsOf(projectId));
  if (actions) granted = granted.where('rbac_policies.action', 'in', actions);
  return granted;
}

/** SQL: the row of table belongs to projectId or an RBAC policy grants it (any action) to projectId or everyone. */
export function ownedOrGranted(eb: ExpressionBuilder<any, any>, table: string, objectType: string, projectId: string | null) {
  return eb.or([eb(`${table}.project_id`, '=', projectId), eb(`${table}.id`, 'in', grantedObjects(eb, objectType, projectId))]);
}

/** For each of ids (of objectType), the actions RBAC policies grant on it to projectId or everyone. */
export async function grantsTo(q: Tx, objectType: string, ids: string[], projectId: string | null, prepared: PreparedQueries): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>(ids.map((id) => [id, new Set<string>()]));
  const targets = targetsOf(projectId);
  const rows = await prepared.runIn(q, `grants:${targets.length}`, [objectType, ...targets], ids, (q, arg, oneOf) =>
    q
      .selectFrom('rbac_policies')
      .select(['object_id', 'action'])
      .where('object_type', '=', arg(0))
      .where('target_project', 'in', targets.map((_, j) => arg(1 + j)))
      .where(oneOf('object_id')),
  );
  for (const row of rows) out.get(row.object_id)?.add(row.action);
  return out;
}
