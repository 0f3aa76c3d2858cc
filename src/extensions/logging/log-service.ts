// Network logs (/v2.0/log/logs) with Neutron's validation of what they log: the type must be
// one a logging driver supports (security_group: InvalidLogResourceType), the security group
// (resource_id: ResourceNotFound) and the port (target_id: TargetResourceNotFound) must
// exist, the port's vNIC must be one the drivers log (LoggingTypeNotSupported), and with
// both the port must be in the group (InvalidResourceConstraint). Logs of a deleted group
// or port go with it.
import type { ServiceDeps } from '../../framework/deps.ts';
import { NeutronError } from '../../foundation/errors.ts';
import { ResourceService } from '../../framework/resource-service.ts';
import type { CreateOp, Operation } from '../../framework/operation.ts';

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    logs?: LogService;
  }
}

/** The logging types the drivers support (what /log/loggable-resources lists). */
export const LOGGABLE_TYPES = ['security_group'] as const;
/** vNIC types a security group log can be realized on (the OVS and OVN drivers': normal ports). */
const LOGGABLE_VNIC_TYPES = ['normal'];

export class LogService extends ResourceService {
  constructor(deps: ServiceDeps) {
    super(deps, 'logs');
  }

  protected override notFound(id: string) {
    return new NeutronError(404, 'LogResourceNotFound', `Log resource ${id} could not be found.`);
  }

  protected override async beforeCreate({ trx, ctx, item }: CreateOp): Promise<void> {
    if (!(LOGGABLE_TYPES as readonly string[]).includes(item.resource_type)) {
      throw new NeutronError(400, 'InvalidLogResourceType', `Invalid log resource_type: ${item.resource_type}.`);
    }
    const groups = this.app.services.get('security_groups')!;
    const ports = this.app.services.get('ports')!;
    if (item.resource_id) {
      const visible = await groups.getVisible(trx, ctx, item.resource_id).catch(unlessNotFound);
      if (!visible) throw new NeutronError(404, 'ResourceNotFound', `Resource ${item.resource_id} could not be found.`);
    }
    if (item.target_id) {
      const port = await ports.getVisible(trx, ctx, item.target_id).catch(unlessNotFound);
      if (!port) throw new NeutronError(404, 'TargetResourceNotFound', `Target resource ${item.target_id} could not be found.`);
      if (!LOGGABLE_VNIC_TYPES.includes(port['binding:vnic_type'] ?? 'normal')) {
        throw new NeutronError(409, 'LoggingTypeNotSupported', `Logging type security_group is not supported on port ${port.id}.`);
      }
    }
    if (item.resource_id && item.target_id) {
      const bound = await trx.selectFrom('securitygroupportbindings').select('port_id').where('port_id', '=', item.target_id).where('security_group_id', '=', item.resource_id).executeTakeFirst();
      if (!bound) {
        throw new NeutronError(
          400,
          'InvalidResourceConstraint',
          `Invalid resource constraint between resource (security_group ${item.resource_id}) and target resource (port ${item.target_id}).`,
        );
      }
    }
  }

  /** Wiring (security groups / ports beforeDelete): the logs of a deleted group or port go with it. */
  async deleteFor(op: Operation, column: 'resource_id' | 'target_id'): Promise<void> {
    for (const log of await this.repo.findWhere(op.trx, { [column]: op.item.id })) {
      await this.deleteIn(op.trx, op.ctx, log.id, { internal: true });
    }
  }
}

/** A lookup's NotFound becomes undefined (the caller answers its own error); anything else is rethrown. */
function unlessNotFound(err: unknown): undefined {
  if (err instanceof NeutronError && err.status === 404) return undefined;
  throw err;
}
