// RBAC's static edges in the wiring graph (src/framework/wiring.ts). Each shared object
// type also gets its edges (grants behind flags, policies deleted with the object) when
// its feature registers it: RbacService.followFlags.
import { filter, type Edge } from '../../framework/wiring.ts';

export const rbacWiring: Edge[] = [
  filter('subnets', 'shared', "subnets follow their network's sharing", (q, values, ctx, s) => s.rbac?.filterSubnetsShared(q, values, ctx) ?? q),
];
