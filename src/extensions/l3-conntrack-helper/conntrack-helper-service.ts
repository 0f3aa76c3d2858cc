// Conntrack helpers of a router (/routers/{id}/conntrack_helpers): a helper must be one the
// deployment allows, for a protocol it supports (Neutron's ConntrackHelperNotAllowed,
// InvalidProtocolForHelper); the same (protocol, port, helper) twice on one router is
// Neutron's duplicate-entry BadRequest, held by the table's unique key under concurrency.
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { NeutronError } from '../../foundation/errors.ts';
import { isUniqueViolation, type Tx } from '../../db/index.ts';
import { ResourceService, type CreateOptions, type Item } from '../../framework/resource-service.ts';
import type { CreateOp, Operation, UpdateOp } from '../../framework/operation.ts';
import { ALLOWED_HELPERS } from './protocols.ts';

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    conntrackHelpers?: ConntrackHelperService;
  }
}

const KEY = ['protocol', 'port', 'helper'] as const;

export class ConntrackHelperService extends ResourceService {
  constructor(deps: ServiceDeps) {
    super(deps, 'conntrack_helpers');
  }

  protected override notFound(id: string): NeutronError {
    return new NeutronError(404, 'ConntrackHelperNotFound', `Conntrack Helper ${id} could not be found.`);
  }

  protected override async beforeCreate({ trx, item }: CreateOp): Promise<void> {
    checkAllowed(item);
    // Held while the helper is added, so the router cannot be deleted under it.
    await this.app.database.lock(trx, 'routers', 'id', item.router_id);
    const router = await this.app.services.routers.get(trx, item.router_id);
    item.project_id = router.project_id; // the router's owner owns its helpers
    await this.checkUnique(trx, item);
  }

  protected override async beforeUpdate({ trx, item }: UpdateOp): Promise<void> {
    checkAllowed(item);
    await this.checkUnique(trx, item);
  }

  /** Another helper of the router with the same protocol, port and helper: Neutron's BadRequest. */
  private async checkUnique(trx: Tx, item: Item): Promise<void> {
    const same = await this.repo.findWhere(trx, { router_id: item.router_id, protocol: item.protocol, port: item.port, helper: item.helper });
    if (same.some((other) => other.id !== item.id)) throw duplicate(item);
  }

  override async createIn(trx: Transaction<any>, ctx: RequestContext, body: Item, options?: CreateOptions): Promise<Item> {
    return raceSafe(body, () => super.createIn(trx, ctx, body, options));
  }

  override async updateIn(trx: Transaction<any>, ctx: RequestContext, id: string, body: Item, options?: CreateOptions): Promise<Item> {
    return raceSafe(body, () => super.updateIn(trx, ctx, id, body, options));
  }

  /** Wiring (routers beforeDelete): a router's helpers go with it. */
  async deleteForRouter(op: Operation): Promise<void> {
    for (const helper of await this.repo.findWhere(op.trx, { router_id: op.item.id })) {
      await this.repo.deleteById(op.trx, helper.id);
      this.app.feed.record(op.trx, 'conntrack_helpers', helper.id, 'deleted', this.app.feed.before('conntrack_helpers', helper)); // change feed
    }
  }

  /** Wiring (routers render): `conntrack_helpers`, each router's helpers without their ids (expose-l3-conntrack-helper). */
  async extendRouters(q: Tx, routers: Item[]): Promise<void> {
    const ids = routers.map((r) => r.id);
    const rows = ids.length ? await this.repo.findWhere(q, { router_id: ids }) : [];
    rows.sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port || a.helper.localeCompare(b.helper));
    for (const router of routers) {
      router.conntrack_helpers = rows.filter((h) => h.router_id === router.id).map((h) => ({ protocol: h.protocol, port: h.port, helper: h.helper }));
    }
  }
}

/** Neutron's allowed_conntrack_helpers: the helper is known and supports the protocol. */
function checkAllowed(item: Item): void {
  const protocols = ALLOWED_HELPERS[item.helper];
  if (!Object.hasOwn(ALLOWED_HELPERS, item.helper)) throw new NeutronError(400, 'ConntrackHelperNotAllowed', `Conntrack Helper ${item.helper} is not allowed.`);
  if (!protocols.includes(item.protocol)) {
    throw new NeutronError(400, 'InvalidProtocolForHelper', `Conntrack Helper ${item.helper} does not support: ${item.protocol}. Supported protocols are: ${protocols.join(', ')}`);
  }
}

/** Neutron's message names the conflicting values as a Python dict. */
function duplicate(item: Item): NeutronError {
  const values = [`'router_id': '${item.router_id}'`, ...KEY.map((k) => `'${k}': ${typeof item[k] === 'number' ? item[k] : `'${item[k]}'`}`)].join(', ');
  return new NeutronError(400, 'BadRequest', `Bad conntrack_helper request: A duplicate conntrack helper entry with same attributes already exists, conflicting values are {${values}}.`);
}

/** A concurrent twin that passed the check first: the unique key answers, with the same error. */
async function raceSafe<T>(body: Item, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicate(body);
    throw err;
  }
}
