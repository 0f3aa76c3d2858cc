// The object types RBAC policies can grant access to. A service whose objects can be shared
// registers its type once (in its constructor) with `app.rbac.register({...})`; from then
// on the generic layer shows those objects to the projects they are shared with, renders
// `shared` as the caller sees it, and keeps the `shared` (or other flag) attribute and the
// wildcard policies behind it in step. See ARCHITECTURE.md ("Sharing objects with RBAC").
import type { Tx } from '../../db/index.ts';
import type { Resource } from '../registry.ts';
import type { NeutronError } from '../../foundation/errors.ts';

/** An attribute of the object that is a view of its RBAC policies (network `shared`, `router:external`). */
export interface RbacFlag {
  /** Attribute name on the object: `shared`. */
  attribute: string;
  /** The action a `*` policy grants when the flag is set: `access_as_shared`. */
  action: string;
  /**
   * true: the flag is true while any policy of the action exists (router:external stays
   * set while the network is external to anyone); false (default): only while a `*` one does.
   */
  anyTarget?: boolean;
  /** The 409 for clearing the flag while a project depends on it (default InvalidSharedSetting). */
  inUse?: (object: Record<string, any>) => NeutronError;
}

export interface RbacObjectType {
  /** object_type in the API: `network`. */
  type: string;
  /** Collection holding the objects: `networks`. */
  collection: string;
  /** Actions policies of this type may grant: `access_as_shared`, ... */
  actions: string[];
  /** Attributes backed by `*` policies (default: `shared` ↔ access_as_shared when the resource has `shared`). */
  flags?: RbacFlag[];
  /**
   * Projects other than the owner that use the object through an action (ports on a
   * network, ...). A policy whose removal would cut one of them off is refused
   * (RbacPolicyInUse). Without it, policies of this type are never in use.
   */
  usersOf?: (trx: Tx, objectId: string, action: string) => Promise<string[]>;
}

export class RbacObjectTypes {
  private readonly byType = new Map<string, RbacObjectType>();
  private readonly listeners: ((type: RbacObjectType) => void)[] = [];

  register(type: RbacObjectType): void {
    if (this.byType.has(type.type)) throw new Error(`RBAC object type ${type.type} registered twice`);
    this.byType.set(type.type, type);
    for (const listener of this.listeners) listener(type);
  }

  /** Calls fn for every type registered so far and every one registered later. */
  onRegister(fn: (type: RbacObjectType) => void): void {
    this.listeners.push(fn);
    for (const type of this.byType.values()) fn(type);
  }

  get(type: string): RbacObjectType | undefined {
    return this.byType.get(type);
  }

  forCollection(collection: string): RbacObjectType | undefined {
    for (const t of this.byType.values()) if (t.collection === collection) return t;
    return undefined;
  }

  /** The type's flags; by default `shared` ↔ a `*` access_as_shared policy, when the resource has `shared`. */
  flagsOf(type: RbacObjectType, resource: Resource): RbacFlag[] {
    if (type.flags) return type.flags;
    return 'shared' in resource.attributes && type.actions.includes('access_as_shared') ? [{ attribute: 'shared', action: 'access_as_shared' }] : [];
  }

  all(): RbacObjectType[] {
    return [...this.byType.values()];
  }
}
