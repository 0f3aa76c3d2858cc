// Metering labels and their rules. A rule belongs to one label; rules of one label,
// direction and `excluded` flag must not overlap (409 MeteringLabelRuleOverlaps), and a
// rule matches either a remote prefix or source/destination prefixes (400 otherwise).
// Rules go with their label (foreign key cascade).
import type { ServiceDeps } from '../../framework/deps.ts';
import { conflict, NeutronError } from '../../foundation/errors.ts';
import { cidrsOverlap } from '../l3/addresses.ts';
import { ResourceService } from '../../framework/resource-service.ts';
import type { CreateOp } from '../../framework/operation.ts';

const labelNotFound = (id: string) => new NeutronError(404, 'MeteringLabelNotFound', `Metering label ${id} does not exist`);
const invalid = (message: string) => new NeutronError(400, 'Invalid', message);

export class MeteringLabelService extends ResourceService {
  constructor(app: ServiceDeps) {
    super(app, 'metering_labels');
  }

  protected override notFound(id: string): NeutronError {
    return labelNotFound(id);
  }
}

export class MeteringLabelRuleService extends ResourceService {
  constructor(app: ServiceDeps) {
    super(app, 'metering_label_rules');
  }

  protected override notFound(id: string): NeutronError {
    return new NeutronError(404, 'MeteringLabelRuleNotFound', `Metering label rule ${id} does not exist`);
  }

  protected override async beforeCreate(op: CreateOp): Promise<void> {
    const { trx, item: rule } = op;
    const remote = rule.remote_ip_prefix;
    if (remote && (rule.source_ip_prefix || rule.destination_ip_prefix)) {
      throw invalid(`Cannot use 'remote-ip-prefix' in conjunction with 'source-ip-prefix' or 'destination-ip-prefix'.`);
    }
    if (!remote && !rule.source_ip_prefix && !rule.destination_ip_prefix) {
      throw invalid(`You must define at least one of the following parameters 'remote_ip_prefix', or 'source_ip_prefix' or 'destination_ip_prefix'.`);
    }
    // Holding the label serializes rule creation on it (overlap check) and keeps it from
    // being deleted under the new rule.
    await this.app.database.lock(trx, 'metering_labels', 'id', rule.metering_label_id);
    const label = await trx.selectFrom('metering_labels').select('id').where('id', '=', rule.metering_label_id).executeTakeFirst();
    if (!label) throw labelNotFound(rule.metering_label_id);
    if (!remote) return;
    // Like Neutron, only remote prefixes of rules with the same direction and flag conflict.
    const siblings = await this.repo.findWhere(trx, { metering_label_id: [rule.metering_label_id], direction: [rule.direction], excluded: [rule.excluded] });
    if (siblings.some((other) => other.remote_ip_prefix && cidrsOverlap(other.remote_ip_prefix, remote))) {
      throw conflict('MeteringLabelRuleOverlaps', `Metering label rule with remote_ip_prefix ${remote} overlaps another.`);
    }
  }
}
