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

/** What TargetBatch.read answers for a key a target does not hold. */
const ABSENT = Symbol('absent');

/**
 * A parent's fields as its children's targets hold them: `<prefix>:<name>` for each field
 * of its target (later parts win where two give a key). Rules read a few keys, looked up in
 * place; the prefixed object is built only for a whole target (prefixing the ~30 fields of
 * each of a page's 50 networks cost 8 % of listing a router's ports).
 */
export class ParentFields {
  private prefixed?: Target;

  private constructor(private readonly parts: readonly { prefix: string; target: Target }[]) {}

  static of(prefix: string, target: Target): ParentFields {
    return new ParentFields([{ prefix, target }]);
  }

  /** These fields and other's, other's winning where both give a key. */
  concat(other: ParentFields): ParentFields {
    return new ParentFields([...this.parts, ...other.parts]);
  }

  /** The value under key, or ABSENT. */
  read(key: string): unknown {
    for (let j = this.parts.length - 1; j >= 0; j--) {
      const { prefix, target } = this.parts[j];
      if (key.length > prefix.length && key.charCodeAt(prefix.length) === 58 /* : */ && key.startsWith(prefix)) {
        const name = key.slice(prefix.length + 1);
        if (Object.hasOwn(target, name)) return target[name];
      }
    }
    return ABSENT;
  }

  /** Every field under its prefixed name, as one object (built once). */
  fields(): Target {
    if (!this.prefixed) {
      const fields: Target = {};
      for (const { prefix, target } of this.parts) for (const [name, value] of Object.entries(target)) fields[`${prefix}:${name}`] = value;
      this.prefixed = fields;
    }
    return this.prefixed;
  }
}

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
   * items: the items (not changed while the batch is used); parentFields[i]: the fields of
   * item i's parents (one ParentFields per parent, shared); grants[i]: for RBAC-shared
   * types, the actions granted to the caller on item i; flags[i]: its RBAC flags.
   */
  constructor(
    readonly items: Item[],
    private readonly parentFields: (ParentFields | undefined)[],
    readonly grants: (Set<string> | undefined)[],
    readonly flags: (Target | undefined)[],
  ) {
    this.built = new Array(items.length);
  }

  /** Item i's target (its flags win over its fields, which win over its parents'). */
  target(i: number): Target {
    let target = this.built[i];
    if (!target) {
      target = { ...this.parentFields[i]?.fields(), ...this.items[i], ...this.flags[i] };
      // An item being created holds project_id only; rules ask for tenant_id (`owner`, the
      // `default` rule of attributes without their own): the same value under Neutron's old name.
      if (!('tenant_id' in target) && 'project_id' in target) target.tenant_id = target.project_id;
      this.built[i] = target;
    }
    return target;
  }

  /** Item i's target restricted to keys (what a rule reads: policy.keysRead). */
  partial(i: number, keys: Iterable<string>): Target {
    const target: Target = {};
    for (const key of keys) {
      const value = this.read(i, key);
      if (value !== ABSENT) target[key] = value;
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
    if (keys.length === 0) {
      // A rule that reads no key (admin_only) answers alike for every item.
      const allowed = this.items.length > 0 && policy.enforce(ctx, action, {});
      return this.items.map(() => allowed);
    }
    const memo = new Map<string, boolean>();
    return this.items.map((_, i) => {
      const signature = keys.map((key) => {
        const value = this.read(i, key);
        return keyState(value !== ABSENT, value);
      }).join('\u0000');
      let allowed = memo.get(signature);
      if (allowed === undefined) {
        // The rule reads nothing else: the keys it reads are target enough.
        allowed = policy.enforce(ctx, action, this.partial(i, keys));
        memo.set(signature, allowed);
      }
      return allowed;
    });
  }

  /**
   * What target(i) holds under key, or ABSENT, without building it: its flags', its own or
   * its parents' value, in that order; tenant_id is project_id where none gives it (see target()).
   */
  private read(i: number, key: string): unknown {
    const flags = this.flags[i];
    const item = this.items[i];
    if (flags && key in flags) return flags[key];
    if (key in item) return item[key];
    const parents = this.parentFields[i];
    const value = parents ? parents.read(key) : ABSENT;
    if (value !== ABSENT || key !== 'tenant_id') return value;
    if (flags && 'project_id' in flags) return flags.project_id;
    if ('project_id' in item) return item.project_id;
    return ABSENT;
  }
}
