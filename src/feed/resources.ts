// Which resources the feed describes, from the resolved definitions: every served resource,
// with its binding host when it has one (ports' binding:host_id, agents' host), and the
// children foreign-key cascades delete with it (features declare them: Feature.cascades).
import type { Registry, Resource } from '../framework/registry.ts';
import type { CascadedDelete } from '../framework/feature.ts';
import { columnOf } from '../framework/definitions.ts';
import type { FeedResource } from './feed.ts';

/** Attributes naming the host an object is realized on, by preference. */
const HOST_ATTRIBUTES = ['binding:host_id', 'host'];

export function feedResourceOf(resource: Resource): FeedResource {
  const hostAttribute = HOST_ATTRIBUTES.find((name) => name in resource.attributes);
  return {
    collection: resource.collection,
    table: resource.table,
    hasRevision: resource.hasRevision,
    hasProject: resource.hasProject,
    hostAttribute,
    hostColumn: hostAttribute ? columnOf(hostAttribute, resource.attributes[hostAttribute]) : undefined,
  };
}

/** A lookup of the feed's view of every resource registry serves. */
export function feedResources(registry: Registry, cascades: CascadedDelete[] = []): (collection: string) => FeedResource | undefined {
  const cache = new Map<string, FeedResource>();
  for (const [collection, resource] of registry.resources) cache.set(collection, feedResourceOf(resource));
  // A cascade counts only where both its parent and its child are served.
  for (const { parent, resource, column } of cascades) {
    const r = cache.get(parent);
    if (r && cache.has(resource)) (r.cascades ??= []).push({ resource, column });
  }
  return (collection) => cache.get(collection);
}
