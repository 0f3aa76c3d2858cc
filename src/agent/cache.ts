// The agent's cache of the desired state (filled by src/agent/informer.ts) and the change it hands to reconcilers.

export type Obj = Record<string, any>;

/** One change of the cache: from the feed, a relist, or a reconciler's own write (touch). */
export interface Change {
  /** The collection as the watch API names it: networks, ports, security_groups, ... */
  resource: string;
  id: string;
  kind: string;
  /** The object now, null when deleted. */
  object: Obj | null;
  /** The object as the cache held it before this change. */
  before: Obj | undefined;
}

/** The desired state as last seen: collection → id → object (as the API shows it to the agent). */
export class Cache {
  private readonly maps = new Map<string, Map<string, Obj>>();

  of(resource: string): Map<string, Obj> {
    let map = this.maps.get(resource);
    if (!map) this.maps.set(resource, (map = new Map()));
    return map;
  }

  get(resource: string, id: string): Obj | undefined {
    return this.maps.get(resource)?.get(id);
  }

  get networks(): Map<string, Obj> {
    return this.of('networks');
  }

  get subnets(): Map<string, Obj> {
    return this.of('subnets');
  }

  get ports(): Map<string, Obj> {
    return this.of('ports');
  }

  /** Applies a change and answers it with the object the cache held before. */
  apply(resource: string, id: string, kind: string, object: Obj | null): Change {
    const map = this.of(resource);
    const before = map.get(id);
    if (object) map.set(id, object);
    else map.delete(id);
    return { resource, id, kind, object, before };
  }

  clear(): void {
    for (const map of this.maps.values()) map.clear();
  }
}

