// The vocabulary of resource definitions. One file per API extension (like neutron-lib's
// api/definitions) describes its alias, its resources and the attributes it adds to other
// resources; the generic API layer (src/api/) serves every resource from these.

import { validateAttribute, type AttrType, type ValueSpec } from '../foundation/validation.ts';

export type { AttrType, ValueSpec };

export interface AttributeDef extends ValueSpec {
  /** May be given on create (POST). */
  allowPost?: boolean;
  /** May be changed on update (PUT). */
  allowPut?: boolean;
  /** Shown in responses (default true). */
  visible?: boolean;
  /** Must be given on create. */
  required?: boolean;
  /** Value on create when absent; a function is called per create. */
  default?: unknown | ((ctx: { projectId: string | null }) => unknown);
  /**
   * Where the value lives:
   * - column: a column of the resource's table (filterable and sortable in SQL)
   * - json: a text column holding JSON (lists and dicts)
   * - computed: filled by the service when rendering (no column)
   * Default: column for scalars, json for list/dict.
   */
  storage?: 'column' | 'json' | 'computed';
  /** Column name; default is the attribute name with ':' replaced by '_'. */
  column?: string;
  /** Accepted as a list filter (default true for column storage). */
  filter?: boolean;
  /** Accepted as sort_key (default true for column storage). */
  sort?: boolean;
  /**
   * Guarded by a policy rule `<action>:<attribute>` (Neutron's enforce_policy), e.g.
   * provider:* and binding:* are admin only.
   */
  enforcePolicy?: boolean;
  /**
   * For dict attributes: keys other extensions add to the dict (ExtensionDef.extendKeys),
   * with how to validate each. The feature owning the attribute accepts these besides its
   * own keys and leaves their values in the request for the adding feature's edges.
   */
  keys?: Record<string, ValueSpec>;
}

export interface ActionDef {
  /** HTTP method (Neutron uses PUT for member actions such as add_router_interface). */
  method: 'PUT' | 'POST' | 'GET' | 'DELETE';
  /** Service method name called with (ctx, id, body). */
  handler: string;
}

export interface ResourceDef {
  /** Plural response key (and URL segment unless `path` is given): `networks`. */
  collection: string;
  /** URL segment when it differs from the response key: `security-groups`. */
  path?: string;
  /** Singular body key: `network`. */
  member: string;
  /** Table that holds it. */
  table: string;
  /** Attributes other than the standard ones (id, project_id, tenant_id, description, timestamps, revision, tags). */
  attributes: Record<string, AttributeDef>;
  /** Standard attributes the resource has (default all). `name` is opt-out for nameless resources. */
  standard?: { name?: boolean; description?: boolean; tags?: boolean; timestamps?: boolean; revision?: boolean; project?: boolean };
  /**
   * Writes the resource supports (default all); the others answer 405, as Neutron does for
   * a plugin without that handler (metering labels are never updated, agents never created).
   */
  operations?: ('create' | 'update' | 'delete')[];
  /** Member actions: PUT /networks/{id}/<name>. */
  actions?: Record<string, ActionDef>;
  /** Sub-resource under a parent: /floatingips/{id}/port_forwardings. */
  parent?: { collection: string; member: string; column: string };
  /** Quota resource name when creates count against a quota. */
  quota?: string;
  /** Collection-level actions other than CRUD are not part of the generic layer. */
  allowBulk?: boolean;
}

/**
 * A parent whose fields policy rules read on its children as `<prefix>:<attribute>`
 * (Neutron's `%(network:tenant_id)s`): children that hold the parent's id in `column`.
 */
export interface PolicyParent {
  prefix: string;
  column: string;
  collection: string;
}

export interface ExtensionDef {
  /** Core resources (networks, subnets, ports, subnetpools) are served but not listed in /extensions. */
  core?: boolean;
  alias: string;
  name: string;
  description: string;
  updated: string;
  /** New resources this extension serves. */
  resources?: ResourceDef[];
  /** Attributes this extension adds to other resources, by collection. */
  extendAttributes?: Record<string, Record<string, AttributeDef>>;
  /** Keys this extension adds to other resources' dict attributes: collection → attribute → key → spec. */
  extendKeys?: Record<string, Record<string, Record<string, ValueSpec>>>;
  /** Aliases this one needs. */
  requires?: string[];
}

export function columnOf(name: string, def: AttributeDef): string {
  return def.column ?? name.replace(/:/g, '_');
}

export function storageOf(def: AttributeDef): 'column' | 'json' | 'computed' {
  return def.storage ?? (def.type === 'list' || def.type === 'dict' ? 'json' : 'column');
}

/**
 * For the owner of a dict attribute: validates (and converts, in place) the keys of value
 * that extensions added to it (def.keys) and returns the keys neither the owner (ownKeys)
 * nor an extension knows, which the owner refuses.
 */
export function checkAddedKeys(name: string, def: AttributeDef, value: Record<string, unknown>, ownKeys: readonly string[]): string[] {
  const unknown: string[] = [];
  for (const key of Object.keys(value)) {
    if (ownKeys.includes(key)) continue;
    const spec = def.keys && Object.hasOwn(def.keys, key) ? def.keys[key] : undefined;
    if (spec) value[key] = validateAttribute(`${name}:${key}`, spec, value[key]);
    else unknown.push(key);
  }
  return unknown;
}
