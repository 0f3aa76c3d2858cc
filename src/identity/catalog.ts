// The service catalog: services and their endpoints, rendered as Keystone puts them in
// tokens and /v3/auth/catalog.
import type { Tx } from '../db/index.ts';
import { newId } from './directory.ts';
import { TABLES, type IdentityStore } from './store.ts';

export interface CatalogService {
  id: string;
  type: string;
  name: string;
  endpoints: { id: string; interface: string; region_id: string | null; region: string | null; url: string }[];
}

export const INTERFACES = ['public', 'internal', 'admin'] as const;

export class Catalog {
  constructor(private readonly store: IdentityStore) {}

  async render(q: Tx): Promise<CatalogService[]> {
    const services = await this.store.list(q, TABLES.service, { enabled: true }, 'type');
    const endpoints = await this.store.list(q, TABLES.endpoint, { enabled: true, service_id: services.map((s) => s.id) }, 'interface');
    return services.map((s) => ({
      endpoints: endpoints
        .filter((e) => e.service_id === s.id)
        .map((e) => ({ id: e.id, interface: e.interface, region_id: e.region_id, url: e.url, region: e.region_id })),
      id: s.id,
      type: s.type,
      name: s.name,
    }));
  }

  /**
   * Makes sure a service of this type exists with one endpoint per interface at url in
   * region (updating URLs that changed, as keystone-manage bootstrap does).
   */
  async ensureService(q: Tx, type: string, name: string, region: string, url: string): Promise<void> {
    let service = await this.store.find(q, TABLES.service, { type });
    if (!service) {
      service = { id: newId(), type, name, description: '', enabled: true };
      await this.store.insert(q, TABLES.service, service);
    }
    for (const iface of INTERFACES) {
      const existing = await this.store.find(q, TABLES.endpoint, { service_id: service.id, interface: iface, region_id: region });
      if (!existing) await this.store.insert(q, TABLES.endpoint, { id: newId(), service_id: service.id, interface: iface, region_id: region, url, enabled: true });
      else if (existing.url !== url) await this.store.update(q, TABLES.endpoint, { id: existing.id }, { url });
    }
  }
}
