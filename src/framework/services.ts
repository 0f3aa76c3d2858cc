// Builds every resource's service from the features: each feature builds its own (in
// feature order, see discovery.ts), and every defined resource without one is served by
// the plain ResourceService.
import type { ServiceDeps, ServiceLookup } from './deps.ts';
import type { Feature, FeatureServices } from './feature.ts';
import { ResourceService } from './resource-service.ts';

/**
 * Services by collection name, plus the typed names services call each other through
 * (ServiceLookup: each service's file declares its own name).
 */
export interface Services extends ServiceLookup {}

export class Services {
  private readonly byCollection = new Map<string, ResourceService>();

  add<T extends ResourceService>(service: T): T {
    if (this.byCollection.has(service.resource.collection)) throw new Error(`two services for ${service.resource.collection}`);
    this.byCollection.set(service.resource.collection, service);
    return service;
  }

  get(collection: string): ResourceService | undefined {
    return this.byCollection.get(collection);
  }

  all(): ResourceService[] {
    return [...this.byCollection.values()];
  }

  /** A feature's services: each under its name; ResourceServices also serve their collection. */
  install(feature: string, named: FeatureServices): void {
    for (const [name, value] of Object.entries(named)) {
      if (value === undefined) continue;
      if (name in this) throw new Error(`feature ${feature}: service name ${name} is taken`);
      (this as unknown as Record<string, unknown>)[name] = value;
      for (const service of Array.isArray(value) ? value : [value]) if (service instanceof ResourceService) this.add(service);
    }
  }
}

/**
 * Fills services (the lookup deps.services refers to) with every feature's services, then
 * the generic ones, and assembles the features' wiring tables into deps.wiring, in feature order.
 */
export function createServices(deps: ServiceDeps, services: Services, features: Feature[]): void {
  for (const feature of features) if (feature.services) services.install(feature.name, feature.services(deps));
  // Every other defined resource gets the generic service.
  for (const collection of deps.registry.resources.keys()) {
    if (!services.get(collection)) services.add(new ResourceService(deps, collection));
  }
  for (const feature of features) for (const edge of feature.wiring ?? []) deps.wiring.add(feature.name, edge);
}
