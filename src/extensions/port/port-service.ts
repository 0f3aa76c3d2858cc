// Ports: MAC addresses (generated from base_mac, unique per network), fixed IPs through
// IPAM (ipallocations is the truth; ports.fixed_ips is its denormalized copy, written in
// the same transaction and used by every read), port security, allowed address pairs,
// extra DHCP options, bindings and DNS assignment.
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { conflict, NeutronError } from '../../foundation/errors.ts';
import type { Tx } from '../../db/index.ts';
import { ResourceService, type CreateOptions, type Item } from '../../framework/resource-service.ts';
import type { CreateOp, UpdateOp } from '../../framework/operation.ts';
import { isForeignKeyViolation, isUniqueViolation, RetryTransaction } from '../../db/index.ts';
import type { Query } from '../../framework/repository.ts';
import { PortAddresses, parseFixedIpRequests, type AddressedPort, type FixedIp, type PlannedIp, type PortSubnet } from '../ipam/port-addresses.ts';
import { macAddressInUse } from '../ipam/errors.ts';
import { addressPairsNeedPortSecurity, macFromProfile, mergeDhcpOpts, randomMac, validateAddressPairs, validateCreateTags, type DhcpOpt } from './port-attributes.ts';
import type { BackendDriver } from '../../backends/driver.ts';

/** Neutron's ROUTER_INTERFACE_OWNERS. */
const ROUTER_INTERFACE_OWNERS = new Set(['network:router_interface', 'network:ha_router_replicated_interface', 'network:router_interface_distributed']);

/** Ports the cloud makes for networks and routers (DHCP, router interfaces and gateways, distributed). */
const isNetworkOwned = (deviceOwner: string) => deviceOwner.startsWith('network:');

const deviceNotOwned = (deviceId: string) =>
  conflict('DeviceIDNotOwnedByTenant', `The following device_id ${deviceId} is not owned by your tenant or matches another tenants router.`);

declare module '../../framework/deps.ts' {
  interface ServiceDeps {
    /** Backend seam: the driver that binds ports (src/backends/). */
    readonly backend: BackendDriver;
  }
}

const MAC_GENERATION_TRIES = 16;

/** The unique key (network_id, mac_address) of ports was violated (SQLite names its columns, PostgreSQL the constraint). */
const isMacUniqueViolation = (err: unknown) =>
  isUniqueViolation(err) && /ports_network_mac|ports\.network_id, ports\.mac_address/.test(`${(err as { constraint?: string }).constraint ?? ''} ${(err as Error).message}`);
const BOUND_VIF_TYPES_EXCLUDED = ['unbound', 'binding_failed'];
/** Attributes whose change asks the backend to bind the port again. */
const BINDING_REQUEST = ['binding:host_id', 'binding:vnic_type', 'binding:profile'];

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    ports: PortService;
  }
}

export class PortService extends ResourceService {
  readonly addresses = new PortAddresses();

  constructor(app: ServiceDeps) {
    super(app, 'ports');
    this.customFilters.fixed_ips = (q, values) => this.fixedIpFilter(q, values);
  }

  /** Non-admins see their own ports and the ports on networks they own. */
  protected override scope(ctx: RequestContext, q: Query): Query {
    return q.where((eb: any) =>
      eb.or([
        eb('ports.project_id', '=', ctx.projectId),
        eb.exists(eb.selectFrom('networks').select('networks.id').whereRef('networks.id', '=', 'ports.network_id').where('networks.project_id', '=', ctx.projectId)),
      ]),
    );
  }

  /**
   * `fixed_ips=ip_address=…`, `fixed_ips=subnet_id=…`, `fixed_ips=ip_address_substr=…`:
   * ports with one allocation matching every given condition (a repeated key means any of).
   */
  private fixedIpFilter(q: Query, values: unknown[]): Query {
    const wanted: Record<string, string[]> = {};
    for (const v of values) {
      const m = /^(ip_address|subnet_id|ip_address_substr)=(.*)$/.exec(String(v));
      if (!m) throw new NeutronError(400, 'HTTPBadRequest', `Invalid input for fixed_ips. Reason: '${String(v)}' is not a valid fixed_ips filter.`);
      (wanted[m[1]] ??= []).push(m[2]);
    }
    return q.where((eb: any) => {
      let sub = eb.selectFrom('ipallocations').select('ipallocations.port_id').whereRef('ipallocations.port_id', '=', 'ports.id');
      if (wanted.ip_address) sub = sub.where('ipallocations.ip_address', 'in', wanted.ip_address);
      if (wanted.subnet_id) sub = sub.where('ipallocations.subnet_id', 'in', wanted.subnet_id);
      for (const s of wanted.ip_address_substr ?? []) sub = sub.where('ipallocations.ip_address', 'like', `%${s.replace(/[%_\\]/g, '')}%`);
      return eb.exists(sub);
    });
  }

  // ------------------------------------------------------------------ create

  /**
   * A duplicate (network, MAC) on insert: 409 MacAddressInUse for a MAC the client chose;
   * a generated MAC that a concurrent request took meanwhile reruns the transaction.
   * So does an address claim on a subnet deleted meanwhile (PostgreSQL).
   */
  override async createIn(trx: Transaction<any>, ctx: RequestContext, body: Item, options: CreateOptions = {}): Promise<Item> {
    try {
      const created = await super.createIn(trx, ctx, body, options);
      // tag-ports-during-bulk-creation: the tags written by afterCreate (the generic render
      // answers a new item's tags as empty).
      if (Array.isArray(body.tags) && 'tags' in created) created.tags = validateCreateTags(body.tags, this.app.config.api.max_tags_per_resource);
      return created;
    } catch (err) {
      // A subnet deleted while this port was being addressed: address it again without it.
      if (isForeignKeyViolation(err)) throw new RetryTransaction('subnet deleted concurrently');
      if (!isMacUniqueViolation(err)) throw err;
      if (typeof body.mac_address === 'string') throw macAddressInUse(body.network_id, body.mac_address.toLowerCase().replace(/-/g, ':'));
      throw new RetryTransaction('generated MAC address collided');
    }
  }

  /**
   * A non-admin may not label a port as an interface of another project's router (it would
   * attach to their router): 409 DeviceIDNotOwnedByTenant, as Neutron. An unknown router id
   * is allowed (Neutron looks the router up and lets a missing one pass).
   */
  private async checkRouterDevice(trx: Tx, ctx: RequestContext, deviceOwner: unknown, deviceId: unknown, projectId: unknown): Promise<void> {
    if (ctx.isAdmin || !ROUTER_INTERFACE_OWNERS.has(deviceOwner as string) || typeof deviceId !== 'string' || !deviceId) return;
    if (!this.app.registry.resources.has('routers')) throw deviceNotOwned(deviceId);
    const router = await trx.selectFrom('routers').select('project_id').where('id', '=', deviceId).executeTakeFirst();
    if (router && router.project_id !== projectId) throw deviceNotOwned(deviceId);
  }

  /** Plans the port's addresses (op.plan); afterCreate claims them once the port row exists. */
  protected override async beforeCreate(op: CreateOp<PlannedIp[]>): Promise<void> {
    const { trx, ctx, item } = op;
    await this.checkRouterDevice(trx, ctx, item.device_owner, item.device_id, item.project_id);
    const network = this.createdParent(op, 'networks', item.network_id) ?? (await this.app.services.networks.getVisible(trx, ctx, item.network_id));
    // A generated MAC is checked against the network's ports before use: with 24 random
    // bits, a network of 50,000 ports makes a collision within one 500-port bulk request
    // likely, and rerunning the whole transaction would hit another. The unique key
    // (see createIn) remains the guard against concurrent requests.
    const profileMac = macFromProfile(item);
    if (profileMac) item.mac_address = await this.checkMacFree(trx, item.network_id, profileMac);
    item.mac_address ??= await this.generateMac(trx, item.network_id);
    if ('tags' in item) item.tags = validateCreateTags(item.tags, this.app.config.api.max_tags_per_resource);
    item.port_security_enabled ??= network.port_security_enabled ?? true;
    if ('allowed_address_pairs' in item) {
      item.allowed_address_pairs = validateAddressPairs(item.allowed_address_pairs, item.mac_address);
      if (item.allowed_address_pairs.length && !item.port_security_enabled) throw addressPairsNeedPortSecurity();
    }
    if ('extra_dhcp_opts' in item) item.extra_dhcp_opts = mergeDhcpOpts([], item.extra_dhcp_opts);
    item.id ??= randomUUID(); // drivers derive device names from the port id
    const requested = item.fixed_ips === undefined ? undefined : parseFixedIpRequests(item.fixed_ips);
    // The network's subnets, read once per request (bulk siblings on one network share them:
    // creating ports changes no subnet; the ipallocations key still decides every address).
    const subnets = requested?.length === 0 ? [] : await op.batch.shared(`port-subnets:${item.network_id}`, () => this.addresses.subnetsOf(trx, item.network_id));
    // Routed networks: automatic addresses come from the host's segment, or wait for a host.
    const routed = requested === undefined ? await this.routedSubnets(trx, subnets, item.network_id, item['binding:host_id'] ?? '', item.device_owner ?? '') : undefined;
    const planned = requested?.length === 0 || routed === null ? [] : await this.addresses.plan(trx, this.addressed(item), requested, routed, subnets);
    op.plan = planned;
    item.fixed_ips = PortAddresses.guessed(planned);
    item.ip_allocation = requested?.length === 0 ? 'none' : routed === null ? 'deferred' : 'immediate';
    if (requested?.length && !isNetworkOwned(item.device_owner ?? '')) await this.app.services.segments?.checkHostReaches(trx, item.network_id, item.id, item['binding:host_id'] ?? '', item.fixed_ips);
    item.status = 'DOWN';
    if ('binding:vif_type' in this.resource.attributes) Object.assign(item, await this.bind(trx, item)); // backend seam
  }

  /** The backend driver decides the binding (binding:vif_type/vif_details, maybe status) in this transaction. */
  private async bind(trx: Tx, port: Item, current?: Item): Promise<Item> {
    const binding = await this.app.backend.bindPort({
      trx,
      port,
      host: port['binding:host_id'] ?? '',
      vnicType: port['binding:vnic_type'] ?? 'normal',
      profile: port['binding:profile'] ?? {},
      previous: current && { host: current['binding:host_id'] ?? '', vifType: current['binding:vif_type'] ?? 'unbound', vifDetails: current['binding:vif_details'] ?? {} },
    });
    const out: Item = { 'binding:vif_type': binding.vifType, 'binding:vif_details': binding.vifDetails };
    if (binding.status) out.status = binding.status;
    return out;
  }

  /**
   * The port row was written with the planned addresses; claiming them needs the row
   * (ipallocations references it). Only when a guess was taken meanwhile does the row's
   * copy change.
   */
  protected override async afterCreate(op: CreateOp<PlannedIp[]>): Promise<void> {
    const { trx, item } = op;
    const planned = op.plan ?? [];
    const fixed = await this.addresses.claim(trx, this.addressed(item), planned);
    if (JSON.stringify(fixed) !== JSON.stringify(item.fixed_ips)) await this.storeFixedIps(trx, item.id, fixed);
    item.fixed_ips = fixed;
    const tags = item.tags as string[] | undefined;
    if (tags?.length) await trx.insertInto('tags').values(tags.map((tag) => ({ resource_id: item.id, resource_type: 'ports', tag }))).execute();
  }

  private addressed(item: Item): AddressedPort {
    return { id: item.id, network_id: item.network_id, mac_address: item.mac_address, device_owner: item.device_owner ?? '' };
  }

  private async storeFixedIps(trx: Tx, portId: string, fixed: FixedIp[]): Promise<void> {
    await trx.updateTable('ports').set({ fixed_ips: JSON.stringify(fixed) }).where('id', '=', portId).execute();
  }

  /**
   * For MAC updates: a lock on (network, MAC) before the uniqueness check, so two
   * transactions that pick the same MAC are serialized and the second sees the first's
   * row (PostgreSQL; SQLite is serialized anyway).
   */
  private async macTaken(trx: Tx, networkId: string, mac: string): Promise<boolean> {
    await this.app.database.lockKey(trx, `mac:${networkId}:${mac}`);
    const [row] = await this.repo.prepared.run(trx, 'macHolder', [networkId, mac], (q, arg) => q.selectFrom('ports').select('id').where('network_id', '=', arg(0)).where('mac_address', '=', arg(1)));
    return row !== undefined;
  }

  private async checkMacFree(trx: Tx, networkId: string, mac: string): Promise<string> {
    if (await this.macTaken(trx, networkId, mac)) throw macAddressInUse(networkId, mac);
    return mac;
  }

  private async generateMac(trx: Tx, networkId: string): Promise<string> {
    for (let i = 0; i < MAC_GENERATION_TRIES; i++) {
      const mac = randomMac(this.app.config.network.base_mac);
      if (!(await this.macTaken(trx, networkId, mac))) return mac;
    }
    throw new NeutronError(503, 'MacAddressGenerationFailure', `Unable to generate unique mac on network ${networkId}.`);
  }

  // ------------------------------------------------------------------ update

  protected override async beforeUpdate(op: UpdateOp): Promise<void> {
    const { trx, ctx, current, changes } = op;
    if ('device_owner' in changes || 'device_id' in changes) {
      await this.checkRouterDevice(trx, ctx, changes.device_owner ?? current.device_owner, changes.device_id ?? current.device_id, current.project_id);
    }
    let port = this.addressed(current);
    // port-mac-override: a direct-physical port takes the MAC its binding profile names,
    // bound or not (the binding is what asks for it).
    const profileMac = ('binding:profile' in changes || 'binding:vnic_type' in changes) && macFromProfile({ ...current, ...changes });
    if (profileMac && profileMac !== current.mac_address) {
      changes.mac_address = await this.checkMacFree(trx, current.network_id, profileMac);
      port = { ...port, mac_address: profileMac };
    } else if ('mac_address' in changes) {
      if (changes.mac_address === null || changes.mac_address !== current.mac_address) {
        if (!BOUND_VIF_TYPES_EXCLUDED.includes(current['binding:vif_type'] ?? 'unbound')) {
          throw conflict('PortBound', `Unable to complete operation on port ${current.id}, port is already bound, port type: ${current['binding:vif_type']}, old_mac ${current.mac_address}, new_mac ${changes.mac_address}.`);
        }
        changes.mac_address = changes.mac_address === null ? await this.generateMac(trx, current.network_id) : await this.checkMacFree(trx, current.network_id, changes.mac_address);
      }
      port = { ...port, mac_address: changes.mac_address };
    }
    if ('device_owner' in changes) port.device_owner = changes.device_owner;
    let fixed: FixedIp[] = current.fixed_ips;
    if ('fixed_ips' in changes) {
      fixed = await this.addresses.update(trx, port, current.fixed_ips, parseFixedIpRequests(changes.fixed_ips));
      changes.fixed_ips = fixed;
    }
    if (port.mac_address !== current.mac_address) changes.fixed_ips = await this.addresses.renumberAuto(trx, port, fixed);
    const security = changes.port_security_enabled ?? current.port_security_enabled;
    if ('allowed_address_pairs' in changes) changes.allowed_address_pairs = validateAddressPairs(changes.allowed_address_pairs, port.mac_address);
    if (!security && (changes.allowed_address_pairs ?? current.allowed_address_pairs ?? []).length) throw addressPairsNeedPortSecurity();
    if ('extra_dhcp_opts' in changes) changes.extra_dhcp_opts = mergeDhcpOpts((current.extra_dhcp_opts ?? []) as DhcpOpt[], changes.extra_dhcp_opts);
    if ('fixed_ips' in changes && current.ip_allocation === 'deferred' && (changes.fixed_ips as FixedIp[]).length) changes.ip_allocation = 'immediate';
    if ('binding:host_id' in changes && changes['binding:host_id'] && changes['binding:host_id'] !== current['binding:host_id']) await this.placeOnHost(op, port);
    // backend seam: a changed binding request is bound again by the driver.
    if ('binding:vif_type' in this.resource.attributes && BINDING_REQUEST.some((k) => k in changes && JSON.stringify(changes[k]) !== JSON.stringify(current[k]))) {
      Object.assign(changes, await this.bind(trx, { ...current, ...changes }, current));
    }
  }

  /**
   * Routed networks (subnets on segments; segment feature): the subnets automatic addresses
   * come from — those of the segment host reaches — or null while the host is unknown
   * (allocation deferred, ip_allocation `deferred`); undefined on other networks and for
   * the network's own ports (DHCP, router, distributed: they keep being addressed as before,
   * from every subnet or the ones they name).
   */
  private async routedSubnets(trx: Tx, subnets: PortSubnet[], networkId: string, host: string, deviceOwner: string): Promise<ReadonlySet<string> | null | undefined> {
    const segments = this.app.services.segments;
    // Routed: a subnet of the network is on a segment (what segments.isRouted asks the database).
    if (!segments || isNetworkOwned(deviceOwner) || !subnets.some((s) => s.segment_id !== null)) return undefined;
    if (!host) return null;
    return segments.subnetsForHost(trx, networkId, host);
  }

  /**
   * A port gets a (new) host: a deferred port is addressed now from the host's segment;
   * an addressed port's addresses must work on that segment.
   */
  private async placeOnHost(op: UpdateOp, port: AddressedPort): Promise<void> {
    const { trx, current, changes } = op;
    const host = changes['binding:host_id'] as string;
    if (current.ip_allocation === 'deferred' && !('fixed_ips' in changes) && (current.fixed_ips as FixedIp[]).length === 0) {
      const subnets = await this.addresses.subnetsOf(trx, current.network_id);
      const routed = await this.routedSubnets(trx, subnets, current.network_id, host, changes.device_owner ?? current.device_owner ?? '');
      const planned = await this.addresses.plan(trx, port, undefined, routed ?? undefined, subnets);
      changes.fixed_ips = await this.addresses.claim(trx, port, planned);
      changes.ip_allocation = 'immediate';
      return;
    }
    if (!isNetworkOwned(changes.device_owner ?? current.device_owner ?? '')) await this.app.services.segments?.checkHostReaches(trx, current.network_id, current.id, host, changes.fixed_ips ?? current.fixed_ips);
  }

  // ------------------------------------------------------------------ for other services

  /**
   * Binds again the ports on `host` whose binding failed (e.g. its agent was dead): called
   * when an agent reports there. Answers the ids of the ports now bound.
   */
  async rebindFailed(trx: Tx, host: string): Promise<string[]> {
    if (!('binding:vif_type' in this.resource.attributes) || !host) return [];
    const where = this.repo.toRow({ 'binding:host_id': host, 'binding:vif_type': 'binding_failed' });
    let q = trx.selectFrom('ports').select('id');
    for (const [column, value] of Object.entries(where)) q = q.where(column as any, '=', value);
    const bound: string[] = [];
    for (const { id } of (await q.execute()) as { id: string }[]) {
      const current = await this.get(trx, id);
      const binding = await this.bind(trx, current, current);
      if (binding['binding:vif_type'] === 'binding_failed') continue;
      await this.writeChanges(trx, id, binding);
      bound.push(id);
    }
    return bound;
  }

  /** Removes a deleted subnet's addresses from ports (DHCP ports, automatic IPv6 addresses). */
  async dropSubnetAddresses(trx: Tx, subnetId: string, portIds: string[]): Promise<void> {
    await trx.deleteFrom('ipallocations').where('subnet_id', '=', subnetId).execute();
    for (const id of portIds) {
      const port = await this.get(trx, id);
      await this.storeFixedIps(trx, id, (port.fixed_ips as FixedIp[]).filter((ip) => ip.subnet_id !== subnetId));
      await this.touch(trx, id);
    }
  }

  // ------------------------------------------------------------------ read

  protected override async extend(_q: Tx, _ctx: RequestContext, items: Item[]): Promise<void> {
    if (!('dns_assignment' in this.resource.attributes)) return;
    const domain = this.app.config.network.dns_domain;
    for (const item of items) {
      item.dns_assignment = (item.fixed_ips as FixedIp[]).map((ip) => {
        const hostname = item.dns_name || `host-${ip.ip_address.replace(/[.:]/g, '-')}`;
        return { hostname, ip_address: ip.ip_address, fqdn: `${hostname}.${domain}` };
      });
    }
  }
}
