// The Neutron objects the ovn backend translates, held in memory by id, with the few indexes
// translation needs to find an object's dependents without scanning everything (a network's
// ports, a security group's members and rules, a router's ports and floating IPs...). Each
// index entry is a function of one object alone, so putting or removing an object updates
// them exactly; what depends on another object's presence is decided at translation time.
export type Item = Record<string, any>;

/** The Neutron objects the translation reads, by id. */
export interface IntentState {
  networks: Map<string, Item>;
  subnets: Map<string, Item>;
  ports: Map<string, Item>;
  security_groups: Map<string, Item>;
  security_group_rules: Map<string, Item>;
  address_groups: Map<string, Item>;
  routers: Map<string, Item>;
  floatingips: Map<string, Item>;
}

export type Collection = keyof IntentState;

export const INTENT_COLLECTIONS: Collection[] = ['networks', 'subnets', 'ports', 'security_groups', 'security_group_rules', 'address_groups', 'routers', 'floatingips'];

export const ROUTER_INTERFACE_OWNERS = new Set(['network:router_interface', 'network:router_interface_distributed', 'network:ha_router_replicated_interface']);
export const ROUTER_GATEWAY = 'network:router_gateway';
export const DHCP_OWNER = 'network:dhcp';

export function isRouterPort(port: Item): boolean {
  return ROUTER_INTERFACE_OWNERS.has(port.device_owner) || port.device_owner === ROUTER_GATEWAY;
}

/** Whether a port is filtered (member of its groups' port groups and of the drop group). */
export function isSecured(port: Item): boolean {
  return port.port_security_enabled !== false && !isRouterPort(port) && port.device_owner !== DHCP_OWNER;
}

/** key → ids. */
export class Index {
  private readonly sets = new Map<string, Set<string>>();

  get(key: string | undefined | null): ReadonlySet<string> {
    return (key != null && this.sets.get(key)) || EMPTY;
  }

  add(key: string, id: string): void {
    let s = this.sets.get(key);
    if (!s) this.sets.set(key, (s = new Set()));
    s.add(id);
  }

  delete(key: string, id: string): void {
    const s = this.sets.get(key);
    if (!s) return;
    s.delete(id);
    if (!s.size) this.sets.delete(key);
  }

  clear(): void {
    this.sets.clear();
  }
}

const EMPTY: ReadonlySet<string> = new Set();

export class Intent implements IntentState {
  readonly networks = new Map<string, Item>();
  readonly subnets = new Map<string, Item>();
  readonly ports = new Map<string, Item>();
  readonly security_groups = new Map<string, Item>();
  readonly security_group_rules = new Map<string, Item>();
  readonly address_groups = new Map<string, Item>();
  readonly routers = new Map<string, Item>();
  readonly floatingips = new Map<string, Item>();

  /** network id → its ports. */
  readonly portsByNetwork = new Index();
  /** subnet id → ports with an address on it. */
  readonly portsBySubnet = new Index();
  /** network id → its subnets. */
  readonly subnetsByNetwork = new Index();
  /** security group id → its secured member ports. */
  readonly membersBySg = new Index();
  /** The secured ports (members of the drop group). */
  readonly securedPorts = new Set<string>();
  /** security group id → its rules. */
  readonly rulesBySg = new Index();
  /** router id → its interface and gateway ports. */
  readonly portsByRouter = new Index();
  /** router id → its floating IPs. */
  readonly fipsByRouter = new Index();

  /** Builds an intent from plain maps (tests). */
  static from(state: Partial<IntentState>): Intent {
    const intent = new Intent();
    for (const c of INTENT_COLLECTIONS) for (const item of state[c]?.values() ?? []) intent.put(c, item);
    return intent;
  }

  /** Stores item (replacing the one with its id); returns the one replaced. */
  put(collection: Collection, item: Item): Item | undefined {
    const old = this[collection].get(item.id);
    if (old) this.unindex(collection, old);
    this[collection].set(item.id, item);
    this.index(collection, item);
    return old;
  }

  /** Drops an object; returns it. */
  remove(collection: Collection, id: string): Item | undefined {
    const old = this[collection].get(id);
    if (!old) return undefined;
    this.unindex(collection, old);
    this[collection].delete(id);
    return old;
  }

  clear(): void {
    for (const c of INTENT_COLLECTIONS) this[c].clear();
    for (const i of [this.portsByNetwork, this.portsBySubnet, this.subnetsByNetwork, this.membersBySg, this.rulesBySg, this.portsByRouter, this.fipsByRouter]) i.clear();
    this.securedPorts.clear();
  }

  private index(collection: Collection, item: Item): void {
    this.entries(collection, item, (index, key) => index.add(key, item.id));
    if (collection === 'ports' && isSecured(item)) this.securedPorts.add(item.id);
  }

  private unindex(collection: Collection, item: Item): void {
    this.entries(collection, item, (index, key) => index.delete(key, item.id));
    if (collection === 'ports') this.securedPorts.delete(item.id);
  }

  /** The index entries of one object. */
  private entries(collection: Collection, item: Item, each: (index: Index, key: string) => void): void {
    switch (collection) {
      case 'ports':
        if (item.network_id) each(this.portsByNetwork, item.network_id);
        for (const f of (item.fixed_ips ?? []) as Item[]) if (f.subnet_id) each(this.portsBySubnet, f.subnet_id);
        if (isSecured(item)) for (const sg of (item.security_groups ?? []) as string[]) each(this.membersBySg, sg);
        if (isRouterPort(item) && item.device_id) each(this.portsByRouter, item.device_id);
        break;
      case 'subnets':
        if (item.network_id) each(this.subnetsByNetwork, item.network_id);
        break;
      case 'security_group_rules':
        if (item.security_group_id) each(this.rulesBySg, item.security_group_id);
        break;
      case 'floatingips':
        if (item.router_id) each(this.fipsByRouter, item.router_id);
        break;
      default:
        break;
    }
  }
}
