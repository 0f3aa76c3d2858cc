// A feature: one folder under src/extensions/ that brings everything one area of the API
// needs — its API definitions (one file per Neutron alias), its schema migrations, its
// default policy rules, the parents its policy rules read, its services and any routes
// that are not plain resources. Features are found by discovery.ts at start-up: adding
// one adds a folder and edits no central list. See docs/adding-an-extension.md.
import type { FastifyInstance } from 'fastify';
import type { Migration } from 'kysely';
import type { ServiceDeps, ServiceLookup } from './deps.ts';
import type { ExtensionDef, PolicyParent } from './definitions.ts';
import type { ListQuery, Item } from './repository.ts';
import type { ResourceService } from './resource-service.ts';
import type { Edge } from './wiring.ts';

/** Request helpers of the HTTP layer, given to a feature's routes (features do not import src/api). */
export interface HttpHelpers {
  /** A query parameter as a list (`?a=1&a=2` → ['1', '2']). */
  asList(value: string | string[] | undefined): string[];
  /** The item with only `fields` (all when undefined). */
  project(item: Item, fields?: string[]): Item;
  /** A resource list query (filters, fields, sorting, pagination) parsed for service. */
  parseListQuery(service: ResourceService, raw: Record<string, string | string[] | undefined>): ListQuery;
  /** Equality filters on `filters` keys and `fields` for small lists that are not stored resources. */
  filterStatic<T extends Record<string, unknown>>(items: T[], raw: Record<string, string | string[] | undefined>, filters: string[]): Record<string, unknown>[];
}

/** Registers a feature's non-resource routes (resources are served by the generic routes). */
export type RouteModule = (server: FastifyInstance, deps: ServiceDeps, http: HttpHelpers) => void;

/** The services a feature builds, by their name in ServiceLookup; ResourceServices also serve their collection. */
export type FeatureServices = Partial<Omit<ServiceLookup, 'get' | 'all'>> & Record<string, unknown>;

export interface Feature {
  /** The folder name under src/extensions/. */
  name: string;
  /**
   * Features whose services are built before this one's (they may look them up while
   * being built). Discovery orders features by this, then by name.
   */
  after?: string[];
  /** API extensions, one definition per Neutron alias. */
  extensions?: ExtensionDef[];
  /** Schema versions by name (`0030_l3`); the runner merges every feature's and runs them in name order. */
  migrations?: Record<string, Migration>;
  /** Neutron's default policy rules for the feature's actions (rule name → check string). */
  policy?: Record<string, string>;
  /** Parents this feature owns whose fields its children's policy rules read. */
  policyParents?: PolicyParent[];
  /** Builds the feature's services. Resources of the feature without one get the generic ResourceService. */
  services?: (deps: ServiceDeps) => FeatureServices;
  /**
   * The feature's edges in the wiring graph: how it reacts to, vetoes, extends or filters
   * other resources (its table in wiring.ts, one line per edge; see src/framework/wiring.ts).
   */
  wiring?: Edge[];
  /** Routes that are not plain resources (quotas, availability lists, scheduling). */
  routes?: RouteModule[];
  /** The feature's resources that foreign-key cascades delete with a parent (for the change feed). */
  cascades?: CascadedDelete[];
}

/**
 * Objects a database cascade (foreign keys ON DELETE CASCADE) deletes with another one,
 * without their service: the change feed records their deletions when the parent's delete
 * starts (a refused delete rolls back the records with it).
 */
export interface CascadedDelete {
  /** The parent collection (`security_groups`). */
  parent: string;
  /** The child collection the cascade deletes (`security_group_rules`). */
  resource: string;
  /** The child's column holding the parent's id. */
  column: string;
}

/** Declares a feature (the default export of src/extensions/<name>/index.ts). */
export function defineFeature(feature: Feature): Feature {
  return feature;
}
