// Policy targets of a batch of items (a list page, a show, a create): each item as policy
// rules see it — its fields, its RBAC flags as the caller sees them (`shared`), and its
// parents' fields as `<prefix>:<attribute>` (`network:tenant_id`). A target is built only
// when a rule has to be evaluated on it: a rule is evaluated once per distinct combination
// of the keys it reads (PolicyEngine.keysRead), so listing 2,000 ports of one project on one
// network evaluates each rule once instead of 2,000 times, on a target holding only the keys
// the rule reads.
import type { RequestContext } from '../foundation/context.ts';
import type { PolicyEngine, Target } from '../policy/index.ts';
import type { Item } from './repository.ts';

/** One key's presence and value, as a string that differs whenever a check could tell them apart. */
function keyState(has: boolean, value: unknown): string {
  if (!has) return '\u0001';
  if (value === null) return '\u0002';
  if (typeof value === 'object') return `o${JSON.stringify(value)}`;
  return `${typeof value}:${String(value)}`;
}

export class TargetBatch {
  private readonly built: (Target | undefined)[];

  /**
   * items: the items (not changed while the batch is used); parentFields[i]: the prefixed
   * fields of item i's parents (one object per parent, shared); grants[i]: for RBAC-shared
   * types, the actions granted to the caller on item i; flags[i]: its RBAC flags.
   */
  constructor(
    readonly items: Item[],
    private readonly parentFields: (Target | undefined)[],
    readonly grants: (Set<string> | undefined)[],
    readonly flags: (Target | undefined)[],
  ) {
    this.built = new Array(items.length);
  }

  /** Item i's target (its flags win over its fields, which win over its parents'). */
  target(i: number): Target {
    let target = this.built[i];
    if (!target) {
      target = { ...this.parentFields[i], ...this.items[i], ...this.flags[i] };
      // An item being created holds project_id only; rules ask for tenant_id (`owner`, the
      // `default` rule of attributes without their own): the same value under Neutron's old name.
      if (!('tenant_id' in target) && 'project_id' in target) target.tenant_id = target.project_id;
      this.built[i] = target;
    }
    return target;
  }

  all(): Target[] {
    return this.items.map((_, i) => this.target(i));
  }

  /** The batch of the items where keep[i]. */
  filter(keep: boolean[]): TargetBatch {
    const pick = <T>(list: T[]) => list.filter((_, i) => keep[i]);
    const batch = new TargetBatch(pick(this.items), pick(this.parentFields), pick(this.grants), pick(this.flags));
    pick(this.built).forEach((t, i) => (batch.built[i] = t));
    return batch;
  }

  /** policy.enforce(ctx, action, target(i)) for every item, evaluated once per distinct state of the keys the rule reads. */
  enforceEach(policy: PolicyEngine, ctx: RequestContext, action: string): boolean[] {
    const keys = policy.keysRead(action);
    const memo = new Map<string, boolean>();
    return this.items.map((_, i) => {
      const signature = keys.map((key) => this.keyStateOf(i, key)).join('\u0000');
      let allowed = memo.get(signature);
      if (allowed === undefined) {
        // The rule reads nothing else: the keys it reads are target enough.
        const target: Target = {};
        for (const key of keys) {
          const source = this.sourceOf(i, key);
          if (source) target[key] = source[key === 'tenant_id' && !(key in source) ? 'project_id' : key];
        }
        allowed = policy.enforce(ctx, action, target);
        memo.set(signature, allowed);
      }
      return allowed;
    });
  }

  /**
   * Where target(i)'s value of key comes from (undefined: it has no such key); tenant_id
   * comes from project_id where no source has it (see target()).
   */
  private sourceOf(i: number, key: string): Target | undefined {
    const sources = [this.flags[i], this.items[i], this.parentFields[i]];
    for (const source of sources) {
      if (source && key in source) return source;
    }
    if (key === 'tenant_id') return sources.find((source) => source && 'project_id' in source);
    return undefined;
  }

  /** What target(i) holds under key, without building it. */
  private keyStateOf(i: number, key: string): string {
    const source = this.sourceOf(i, key);
    return keyState(source !== undefined, source?.[key === 'tenant_id' && source && !(key in source) ? 'project_id' : key]);
  }
}
