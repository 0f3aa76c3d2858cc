// Resolves extension definitions into the set of resources a deployment serves: each
// resource with its own attributes, the standard attributes and every attribute other
// extensions add to it.
import type { AttributeDef, ExtensionDef, PolicyParent, ResourceDef } from './definitions.ts';

const NAME: AttributeDef = { type: 'string', allowPost: true, allowPut: true, maxLength: 255, default: '' };
const DESCRIPTION: AttributeDef = { type: 'string', allowPost: true, allowPut: true, maxLength: 255, default: '' };

/** Attributes every resource has unless its definition opts out (ResourceDef.standard). */
function standardAttributes(def: ResourceDef): Record<string, AttributeDef> {
  const s = def.standard ?? {};
  const attrs: Record<string, AttributeDef> = { id: { type: 'uuid' } };
  if (s.project !== false) {
    attrs.project_id = { type: 'string', allowPost: true, maxLength: 255 };
    attrs.tenant_id = { type: 'string', allowPost: true, maxLength: 255, column: 'project_id' };
  }
  if (s.name !== false) attrs.name = NAME;
  if (s.description !== false) attrs.description = DESCRIPTION;
  if (s.timestamps !== false) {
    attrs.created_at = { type: 'string', filter: true };
    attrs.updated_at = { type: 'string', filter: true };
  }
  if (s.revision !== false) attrs.revision_number = { type: 'integer' };
  if (s.tags !== false) attrs.tags = { type: 'list', storage: 'computed', filter: false, sort: false };
  return attrs;
}

export interface Resource extends ResourceDef {
  /** Standard + own + extension attributes. */
  attributes: Record<string, AttributeDef>;
  hasTags: boolean;
  hasRevision: boolean;
  hasProject: boolean;
  hasTimestamps: boolean;
}

export class Registry {
  readonly resources = new Map<string, Resource>();

  /**
   * extensions: every feature's API extensions; policyParents: the parents (declared by the
   * features owning them) whose fields children's policy rules read (`network:tenant_id`).
   */
  constructor(
    readonly extensions: ExtensionDef[],
    readonly policyParents: readonly PolicyParent[] = [],
  ) {
    const aliases = new Set(extensions.map((e) => e.alias));
    for (const ext of extensions) {
      for (const req of ext.requires ?? []) {
        if (!aliases.has(req)) throw new Error(`extension ${ext.alias} requires ${req}, which is not enabled`);
      }
      for (const def of ext.resources ?? []) {
        if (this.resources.has(def.collection)) throw new Error(`resource ${def.collection} defined twice`);
        const s = def.standard ?? {};
        this.resources.set(def.collection, {
          ...def,
          // Prototype-free: user input names attributes (filters, sort keys, body keys), and
          // `constructor` or `__proto__` must not find Object.prototype's members.
          attributes: Object.assign(Object.create(null) as Record<string, AttributeDef>, standardAttributes(def), def.attributes),
          hasTags: s.tags !== false,
          hasRevision: s.revision !== false,
          hasProject: s.project !== false,
          hasTimestamps: s.timestamps !== false,
        });
      }
    }
    for (const ext of extensions) {
      for (const [collection, attrs] of Object.entries(ext.extendAttributes ?? {})) {
        const resource = this.resources.get(collection);
        if (!resource) continue; // the extended resource is not served in this deployment
        Object.assign(resource.attributes, attrs);
      }
    }
    for (const ext of extensions) {
      for (const [collection, byAttribute] of Object.entries(ext.extendKeys ?? {})) {
        const attributes = this.resources.get(collection)?.attributes;
        for (const [name, keys] of Object.entries(byAttribute)) {
          const def = attributes?.[name];
          if (!attributes || !def) continue; // the extended attribute is not served in this deployment
          // A copy: definitions are shared objects (another deployment may not add the keys).
          attributes[name] = { ...def, keys: { ...def.keys, ...keys } };
        }
      }
    }
  }

  resource(collection: string): Resource {
    const r = this.resources.get(collection);
    if (!r) throw new Error(`unknown resource ${collection}`);
    return r;
  }

  has(alias: string): boolean {
    return this.extensions.some((e) => e.alias === alias);
  }
}
