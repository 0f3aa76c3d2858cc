// Ports' `security_groups`, handled through hooks on the port lifecycle (the port service
// does not know about security groups): the project's default group when none is given,
// no groups on ports without port security, groups the port's project may use, and the
// bindings (securitygroupportbindings) that make a group "in use". The list is also kept
// on the port row (ports.security_groups) for cheap reads.
import type { Transaction } from 'kysely';
import type { RequestContext } from '../../foundation/context.ts';
import type { Item, Query } from '../../framework/repository.ts';
import { changesOf, type Operation } from '../../framework/operation.ts';
import { MAX_PREPARED_LIST } from '../../db/prepared.ts';
import type { SecurityGroupService } from './security-group-service.ts';
import { portHasSecurityGroup, portSecurityRequired, securityGroupConflict } from './errors.ts';

/** Ports owned by the network itself (DHCP, router interfaces, ...) get no groups (Neutron's is_port_trusted). */
const isTrusted = (port: Item) => typeof port.device_owner === 'string' && port.device_owner.startsWith('network:');

const hasPortSecurity = (port: Item) => port.port_security_enabled !== false;

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    portSecurityGroups?: PortSecurityGroups;
  }
}

/** The port edges of the security groups feature (wiring.ts names them). */
export class PortSecurityGroups {
  constructor(private readonly groups: SecurityGroupService) {}

  /** networks beforeCreate: Neutron also ensures the project's default group when it creates a network. */
  async ensureDefaultForNetwork(op: Operation): Promise<void> {
    await this.groups.ensureDefaultIn(op.trx, op.ctx, op.item.project_id, op.batch);
  }

  /** ports afterCreate: bind the new port to its groups. */
  async bindCreated(op: Operation): Promise<void> {
    await this.bind(op.trx, op.item.id, op.item.security_groups, true);
  }

  /** ports afterUpdate: rebind when the groups changed. */
  async bindUpdated(op: Operation): Promise<void> {
    const changes = changesOf(op);
    if (changes && 'security_groups' in changes) await this.bind(op.trx, op.item.id, changes.security_groups);
  }

  /** ports ?security_groups= (port-security-groups-filtering): ports using any of the given groups. */
  filterByGroups(q: Query, values: unknown[]): Query {
    return q.where('ports.id', 'in', (eb: any) => eb.selectFrom('securitygroupportbindings').select('port_id').where('security_group_id', 'in', values));
  }

  /** The requested groups as the port will carry them: deduplicated, usable by the port's project, all stateful or all not. */
  private async resolve(trx: Transaction<any>, ctx: RequestContext, port: Item, requested: string[]): Promise<string[]> {
    const ids = [...new Set(requested)];
    if (ids.length === 0) return [];
    const groups = await this.groups.usableGroups(trx, ctx, ids, port.project_id);
    if (groups.some((g) => g.stateful !== false) && groups.some((g) => g.stateful === false)) {
      throw securityGroupConflict('Cannot apply both stateful and stateless security groups on the same port at the same time');
    }
    return ids;
  }

  /** ports beforeCreate: the project's default group when none is given; the requested ones checked. */
  async resolveOnCreate(op: Operation): Promise<void> {
    const { trx, ctx, item: port } = op;
    const defaultId = await this.groups.ensureDefaultIn(trx, ctx, port.project_id, op.batch);
    const requested: string[] | null | undefined = port.security_groups;
    if (!hasPortSecurity(port)) {
      if (requested?.length) throw portSecurityRequired();
      port.security_groups = [];
    } else if (isTrusted(port)) {
      port.security_groups = [];
    } else if (requested === undefined) {
      port.security_groups = defaultId ? [defaultId] : [];
    } else {
      port.security_groups = await this.resolve(trx, ctx, port, requested ?? []);
    }
  }

  /** ports beforeUpdate: the requested groups checked; no port security without removing the groups. */
  async resolveOnUpdate(op: Operation): Promise<void> {
    const { trx, ctx, item: port } = op;
    const changes = changesOf(op)!;
    await this.groups.ensureDefaultIn(trx, ctx, port.project_id, op.batch);
    if ('security_groups' in changes) {
      const requested: string[] = changes.security_groups ?? [];
      if (!hasPortSecurity(port) && requested.length) throw portSecurityRequired();
      changes.security_groups = isTrusted(port) ? [] : await this.resolve(trx, ctx, port, requested);
    } else if (!hasPortSecurity(port)) {
      // Disabling port security needs the groups removed (in the same request or before).
      const bound = await trx.selectFrom('securitygroupportbindings').select('security_group_id').where('port_id', '=', port.id).limit(1).executeTakeFirst();
      if (bound) throw portHasSecurityGroup();
    }
  }

  /** Replaces the port's bindings (a port just created has none to remove). */
  private async bind(trx: Transaction<any>, portId: string, groupIds: string[] | undefined, created = false): Promise<void> {
    if (!created) await trx.deleteFrom('securitygroupportbindings').where('port_id', '=', portId).execute();
    if (groupIds?.length) {
      const key = groupIds.length > MAX_PREPARED_LIST ? null : `securitygroupportbindings:insert:${groupIds.length}`;
      await this.groups.app.database.prepared.run(trx, key, [portId, ...groupIds], (q, arg) => q.insertInto('securitygroupportbindings').values(groupIds.map((_, i) => ({ port_id: arg(0), security_group_id: arg(1 + i) }))));
    }
  }
}
