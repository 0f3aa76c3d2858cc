// Authorization. Services ask `policy.enforce(ctx, action, target)` with Neutron's action
// names (`create_network`, `get_port`, `update_subnet:gateway_ip`, ...). The default
// rules here are Neutron's essentials: admin does anything, owners manage their own
// resources, admin-only attributes (enforcePolicy) need admin.
import type { RequestContext } from '../api/context.ts';

export type Target = Record<string, unknown>;

export interface PolicyEngine {
  /** True when ctx may perform action on target. */
  enforce(ctx: RequestContext, action: string, target: Target): boolean;
}

const ADMIN_ONLY_READ = /^(provider:|binding:|segments$)/;

export class DefaultPolicy implements PolicyEngine {
  enforce(ctx: RequestContext, action: string, target: Target): boolean {
    if (ctx.isAdmin) return true;
    // Attribute-guarded actions: changing them is admin only; reading them too for the
    // operator-facing ones (provider:*, binding:*, segments).
    const colon = action.indexOf(':');
    if (colon >= 0) return action.startsWith('get_') && !ADMIN_ONLY_READ.test(action.slice(colon + 1));
    const owner = target.project_id === undefined || target.project_id === ctx.projectId;
    if (action.startsWith('get_')) return owner || target.shared === true || target['router:external'] === true;
    if (!ctx.roles.includes('member') && !ctx.roles.includes('admin') && ctx.roles.includes('reader')) return false;
    return owner;
  }
}
