// A port's bindings by host (binding-extended), as Nova's live migration uses them: the
// ACTIVE binding is the port's own binding:host_id/vnic_type/profile/vif_type/vif_details;
// INACTIVE ones (port_bindings) are bound by the backend driver for their host but change
// nothing on the port until activated. Activating swaps them: the port moves to the host
// (rebound through the port service, so the change feed and agents see it) and the
// previously active binding stays as INACTIVE until deleted.
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { badRequest, conflict, NeutronError, notAuthorized } from '../../foundation/errors.ts';
import { display, validateAttribute } from '../../foundation/validation.ts';
import type { Item } from '../../framework/resource-service.ts';
import type { Tx } from '../../db/index.ts';
import { BINDING_REQUEST_ATTRIBUTES } from './definitions/binding-extended.ts';

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    portBindings?: PortBindingService;
  }
}

export interface Binding {
  host: string;
  vif_type: string;
  vif_details: Record<string, unknown>;
  vnic_type: string;
  profile: Record<string, unknown>;
  status: 'ACTIVE' | 'INACTIVE';
}

const bindingNotFound = (portId: string, host: string) => new NeutronError(404, 'PortBindingNotFound', `Binding for port ${portId} for host ${host} could not be found.`);
const alreadyExists = (portId: string, host: string) => conflict('PortBindingAlreadyExists', `Binding for port ${portId} on host ${host} already exists.`);
const alreadyActive = (portId: string, host: string) => conflict('PortBindingAlreadyActive', `Binding for port ${portId} on host ${host} is already active.`);
/** Neutron answers a binding the backend cannot make with 500 PortBindingError; the request changes nothing. */
const bindingError = (portId: string, host: string) => new NeutronError(500, 'PortBindingError', `Binding for port ${portId} on host ${host} could not be created or updated.`);

/** Only compute and shared filesystem ports move between hosts (Neutron's rule). */
const MULTIPLE_BINDING_OWNERS = /^(compute:|manila:)/;

const parseJson = (v: unknown): Record<string, unknown> => (typeof v === 'string' ? JSON.parse(v) : ((v as Record<string, unknown>) ?? {}));

function activeOf(port: Item): Binding {
  return {
    host: port['binding:host_id'] ?? '',
    vif_type: port['binding:vif_type'] ?? 'unbound',
    vif_details: port['binding:vif_details'] ?? {},
    vnic_type: port['binding:vnic_type'] ?? 'normal',
    profile: port['binding:profile'] ?? {},
    status: 'ACTIVE',
  };
}

function fromRow(row: Record<string, unknown>): Binding {
  return {
    host: String(row.host),
    vif_type: String(row.vif_type),
    vif_details: parseJson(row.vif_details),
    vnic_type: String(row.vnic_type),
    profile: parseJson(row.profile),
    status: row.status as Binding['status'],
  };
}

/** The `binding` object of a request, checked against the definition; `allowed` lists what may be given. */
function parseBody(body: unknown, verb: 'create' | 'update'): Record<string, unknown> {
  const binding = body && typeof body === 'object' ? (body as { binding?: unknown }).binding : undefined;
  if (!binding || typeof binding !== 'object' || Array.isArray(binding)) throw badRequest(`Resource body required`);
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(binding)) {
    const def = BINDING_REQUEST_ATTRIBUTES[name];
    if (!def) {
      if (['vif_type', 'vif_details', 'status'].includes(name)) throw badRequest(`Attribute '${name}' not allowed in ${verb === 'create' ? 'POST' : 'PUT'}`);
      throw badRequest(`Unrecognized attribute(s) '${name}'`);
    }
    if (verb === 'update' && !def.allowPut) throw badRequest(`Cannot update read-only attribute ${name}`);
    out[name] = validateAttribute(name, def, value);
  }
  if (out.profile === null) out.profile = {};
  return out;
}

export class PortBindingService {
  constructor(private readonly app: ServiceDeps) {}

  /** The port (404 PortNotFound when ctx cannot see it), locked when writing, and a port that may have several bindings. */
  private async port(trx: Tx, ctx: RequestContext, portId: string, lock: boolean): Promise<Item> {
    const ports = this.app.services.ports;
    let port = await ports.getVisible(trx, ctx, portId);
    if (lock) {
      await this.app.database.lock(trx, 'ports', 'id', portId);
      port = await ports.get(trx, portId);
    }
    if (!MULTIPLE_BINDING_OWNERS.test(String(port.device_owner ?? ''))) {
      throw badRequest(`Invalid port ${portId}. Operation only valid on compute and shared filesystem ports`);
    }
    return port;
  }

  private allowed(ctx: RequestContext, action: string, port: Item, extra: Record<string, unknown> = {}): boolean {
    return this.app.policy.enforce(ctx, action, { project_id: port.project_id, tenant_id: port.project_id, port_id: port.id, ...extra });
  }

  private async inactive(trx: Tx, portId: string): Promise<Binding[]> {
    const rows = await trx.selectFrom('port_bindings').selectAll().where('port_id', '=', portId).orderBy('host').execute();
    return rows.map(fromRow);
  }

  private async find(trx: Tx, port: Item, host: string): Promise<Binding | undefined> {
    const active = activeOf(port);
    if (active.host === host) return active;
    const row = await trx.selectFrom('port_bindings').selectAll().where('port_id', '=', port.id).where('host', '=', host).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** Asks the backend driver to bind port on host as a binding would (nothing of the port changes). */
  private async bind(trx: Tx, port: Item, host: string, vnicType: string, profile: Record<string, unknown>): Promise<Pick<Binding, 'vif_type' | 'vif_details'>> {
    const result = await this.app.backend.bindPort({
      trx,
      port: { ...port, 'binding:host_id': host, 'binding:vnic_type': vnicType, 'binding:profile': profile },
      host,
      vnicType,
      profile,
    });
    if (result.vifType === 'binding_failed') throw bindingError(port.id, host);
    return { vif_type: result.vifType, vif_details: result.vifDetails };
  }

  /** GET /ports/{id}/bindings: the active binding and the inactive ones, those ctx may see. */
  async list(ctx: RequestContext, portId: string): Promise<Binding[]> {
    const db = this.app.database.db;
    const port = await this.port(db, ctx, portId, false);
    if (!this.allowed(ctx, 'get_port_binding', port)) return [];
    return [activeOf(port), ...(await this.inactive(db, portId))];
  }

  async show(ctx: RequestContext, portId: string, host: string): Promise<Binding> {
    const db = this.app.database.db;
    const port = await this.port(db, ctx, portId, false);
    const binding = await this.find(db, port, host);
    if (!binding || !this.allowed(ctx, 'get_port_binding', port)) throw bindingNotFound(portId, host);
    return binding;
  }

  /** POST /ports/{id}/bindings: an INACTIVE binding on a host the port has none on. */
  async create(ctx: RequestContext, portId: string, body: unknown): Promise<Binding> {
    const attrs = parseBody(body, 'create');
    if (typeof attrs.host !== 'string') throw badRequest(`Failed to parse request. Required attribute 'host' not specified`);
    const host = attrs.host;
    return this.app.transact(async (trx) => {
      const port = await this.port(trx, ctx, portId, true);
      if (!this.allowed(ctx, 'create_port_binding', port, attrs)) throw notAuthorized('create_port_binding');
      if (attrs.project_id !== undefined && attrs.project_id !== port.project_id) throw badRequest(`Invalid input for project_id. Reason: '${display(attrs.project_id)}' is not the port's project.`);
      if (await this.find(trx, port, host)) throw alreadyExists(portId, host);
      const vnicType = (attrs.vnic_type as string | undefined) ?? 'normal';
      const profile = (attrs.profile as Record<string, unknown> | undefined) ?? {};
      const bound = await this.bind(trx, port, host, vnicType, profile);
      const binding: Binding = { host, ...bound, vnic_type: vnicType, profile, status: 'INACTIVE' };
      await this.insert(trx, portId, binding);
      return binding;
    });
  }

  private async insert(trx: Transaction<any>, portId: string, b: Binding): Promise<void> {
    await trx
      .insertInto('port_bindings')
      .values({ port_id: portId, host: b.host, vnic_type: b.vnic_type, profile: JSON.stringify(b.profile), vif_type: b.vif_type, vif_details: JSON.stringify(b.vif_details), status: b.status })
      .execute();
  }

  /** PUT /ports/{id}/bindings/{host}: new vnic_type/profile, bound again (the active one through the port). */
  async update(ctx: RequestContext, portId: string, host: string, body: unknown): Promise<Binding> {
    const attrs = parseBody(body, 'update');
    return this.app.transact(async (trx) => {
      const port = await this.port(trx, ctx, portId, true);
      const current = await this.find(trx, port, host);
      if (!current || !this.allowed(ctx, 'get_port_binding', port)) throw bindingNotFound(portId, host);
      if (!this.allowed(ctx, 'update_port_binding', port, attrs)) throw notAuthorized('update_port_binding');
      const vnicType = (attrs.vnic_type as string | undefined) ?? current.vnic_type;
      const profile = (attrs.profile as Record<string, unknown> | undefined) ?? current.profile;
      if (current.status === 'ACTIVE') return this.moveActive(trx, ctx, portId, { host, vnic_type: vnicType, profile });
      const bound = await this.bind(trx, port, host, vnicType, profile);
      const binding: Binding = { ...current, ...bound, vnic_type: vnicType, profile };
      await trx
        .updateTable('port_bindings')
        .set({ vnic_type: vnicType, profile: JSON.stringify(profile), vif_type: binding.vif_type, vif_details: JSON.stringify(binding.vif_details) })
        .where('port_id', '=', portId)
        .where('host', '=', host)
        .execute();
      return binding;
    });
  }

  /**
   * The port's active binding becomes (host, vnic_type, profile): a port update made by this
   * feature, so the port service binds it through the driver, bumps its revision and the
   * change feed tells the agents. A failed binding refuses the request.
   */
  private async moveActive(trx: Transaction<any>, ctx: RequestContext, portId: string, to: Pick<Binding, 'host' | 'vnic_type' | 'profile'>): Promise<Binding> {
    const ports = this.app.services.ports;
    const updated = await ports.updateIn(trx, ctx, portId, { 'binding:host_id': to.host, 'binding:vnic_type': to.vnic_type, 'binding:profile': to.profile }, { internal: true, by: 'binding-extended' });
    const stored = await ports.get(trx, portId);
    if (to.host && stored['binding:vif_type'] === 'binding_failed') throw bindingError(portId, to.host);
    return activeOf({ ...updated, ...stored });
  }

  /**
   * PUT /ports/{id}/bindings/{host}/activate: the INACTIVE binding on host becomes the
   * port's; the one active so far is kept INACTIVE (Nova deletes it once the migration is done).
   */
  async activate(ctx: RequestContext, portId: string, host: string): Promise<Binding> {
    return this.app.transact(async (trx) => {
      const port = await this.port(trx, ctx, portId, true);
      if (!this.allowed(ctx, 'activate', port)) throw notAuthorized('activate');
      const active = activeOf(port);
      if (active.host === host) throw alreadyActive(portId, host);
      const target = await this.find(trx, port, host);
      if (!target) throw bindingNotFound(portId, host);
      await trx.deleteFrom('port_bindings').where('port_id', '=', portId).where('host', '=', host).execute();
      if (active.host) await this.insert(trx, portId, { ...active, status: 'INACTIVE' });
      // The port goes DOWN until the destination's agent reports it (Neutron does the same).
      await trx.updateTable('ports').set({ status: 'DOWN' }).where('id', '=', portId).execute();
      return this.moveActive(trx, ctx, portId, target);
    });
  }

  /** DELETE /ports/{id}/bindings/{host}: an inactive binding goes; deleting the active one unbinds the port. */
  async delete(ctx: RequestContext, portId: string, host: string): Promise<void> {
    await this.app.transact(async (trx) => {
      const port = await this.port(trx, ctx, portId, true);
      const current = await this.find(trx, port, host);
      if (!current || !this.allowed(ctx, 'get_port_binding', port)) throw bindingNotFound(portId, host);
      if (!this.allowed(ctx, 'delete_port_binding', port)) throw notAuthorized('delete_port_binding');
      if (current.status === 'ACTIVE') await this.moveActive(trx, ctx, portId, { host: '', vnic_type: current.vnic_type, profile: {} });
      else await trx.deleteFrom('port_bindings').where('port_id', '=', portId).where('host', '=', host).execute();
    });
  }
}
