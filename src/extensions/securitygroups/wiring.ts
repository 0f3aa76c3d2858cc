// The security groups feature's edges in the wiring graph (src/framework/wiring.ts): ports'
// `security_groups` are handled entirely here (the port service knows no security groups).
//   on          phase           what                                                    handler
import { filter, react, veto, type Edge } from '../../framework/wiring.ts';

export const securityGroupWiring: Edge[] = [
  react('networks', 'beforeCreate', "ensure the project's default security group", (op, s) => s.portSecurityGroups?.ensureDefaultForNetwork(op)),
  veto('ports', 'beforeCreate', 'default group when none given; groups usable by the project, all stateful or not', (op, s) => s.portSecurityGroups?.resolveOnCreate(op)),
  react('ports', 'afterCreate', 'bind the port to its groups (securitygroupportbindings)', (op, s) => s.portSecurityGroups?.bindCreated(op)),
  veto('ports', 'beforeUpdate', 'groups usable by the project; no port security while groups remain', (op, s) => s.portSecurityGroups?.resolveOnUpdate(op)),
  react('ports', 'afterUpdate', 'rebind the port when its groups changed', (op, s) => s.portSecurityGroups?.bindUpdated(op)),
  filter('ports', 'security_groups', 'ports bound to any of the groups', (q, values, _ctx, s) => s.portSecurityGroups?.filterByGroups(q, values) ?? q),
];
