// The default security group rule template (security-groups-default-rules): admins add
// and remove template rules (validated like rules); every new group gets the template's
// rules for its kind (default group or not), PARENT standing for the new group itself.
import { sql } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import type { Tx } from '../../db/index.ts';
import { NeutronError, notAuthorized } from '../../foundation/errors.ts';
import { ResourceService, type Item } from '../../framework/resource-service.ts';
import type { CreateOp, DeleteOp } from '../../framework/operation.ts';
import { normalizeRule, ruleFingerprint } from './rule-values.ts';

const PARENT_GROUP = 'PARENT';

const templateExists = (id: string) => new NeutronError(409, 'DefaultSecurityGroupRuleExists', `Default Security group rule already exists. Rule id is ${id}.`);

/** The template's rules for a new group (default or not), as rule bodies for that group. */
export async function templateRules(trx: Tx, groupId: string, isDefault: boolean): Promise<Item[]> {
  const templates = await trx
    .selectFrom('default_security_group_rules')
    .selectAll()
    // A literal TRUE: both SQLite (1) and PostgreSQL understand it, whatever the driver binds.
    .where(sql<boolean>`${sql.ref(isDefault ? 'used_in_default_sg' : 'used_in_non_default_sg')} = true`)
    .orderBy('direction')
    .orderBy('ethertype')
    .execute();
  return templates.map((t: Item) => ({
    direction: t.direction,
    ethertype: t.ethertype,
    protocol: t.protocol,
    port_range_min: t.port_range_min,
    port_range_max: t.port_range_max,
    remote_ip_prefix: t.remote_ip_prefix,
    remote_group_id: t.remote_group_id === PARENT_GROUP ? groupId : t.remote_group_id,
    remote_address_group_id: t.remote_address_group_id,
    security_group_id: groupId,
  }));
}

export class DefaultRuleService extends ResourceService {
  constructor(app: ServiceDeps) {
    super(app, 'default_security_group_rules');
  }

  protected override notFound(id: string) {
    return new NeutronError(404, 'DefaultSecurityGroupRuleNotFound', `Default Security Group rule ${id} does not exist`);
  }

  /** Everyone reads the template (get_default_security_group_rule is rule:regular_user). */
  protected override scope(_ctx: RequestContext, q: any) {
    return q;
  }

  protected override async beforeCreate(op: CreateOp): Promise<void> {
    const { trx, ctx, item } = op;
    // Admin only (Neutron's policy); the template has no owner the generic policy could check.
    if (!ctx.isAdmin) throw notAuthorized('create_default_security_group_rule');
    normalizeRule(item);
    await this.app.database.lockKey(trx, 'default-security-group-rules');
    // Duplicates are refused among the template rules used for the same kind of group.
    const fingerprint = ruleFingerprint({ ...item, security_group_id: PARENT_GROUP });
    for (const existing of await this.repo.findWhere(trx, {})) {
      const sameUse = (item.used_in_default_sg && existing.used_in_default_sg) || (item.used_in_non_default_sg && existing.used_in_non_default_sg);
      if (sameUse && ruleFingerprint({ ...existing, security_group_id: PARENT_GROUP }) === fingerprint) throw templateExists(existing.id);
    }
    delete item.normalized_cidr;
  }

  protected override async beforeDelete(op: DeleteOp): Promise<void> {
    const { ctx } = op;
    if (!ctx.isAdmin) throw notAuthorized('delete_default_security_group_rule');
  }
}
