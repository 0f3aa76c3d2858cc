// The identity directory: domains, projects, users, roles, implied roles and role
// assignments, with Keystone's rules (unique names per domain, 404s for unknown
// references, enabled domains cannot be deleted, leaves-only project deletion,
// effective roles through implied roles). Storage only through IdentityStore; callers
// pass the transaction they are in.
import { randomUUID } from 'node:crypto';
import type { Tx } from '../db/index.ts';
import { isUniqueViolation } from '../db/index.ts';
import { duplicate, KeystoneError, notFound, validationError } from './errors.ts';
import { hashPassword } from './passwords.ts';

const ID_LENGTH = 64;
const NAME_LENGTH = 255;

/**
 * A reference given by a client (`{"id": …}` / `{"name": …}`) must be a string (400
 * otherwise); one longer than its column cannot name anything (false: not found).
 */
function fits(value: unknown, field: string, max: number): value is string {
  if (typeof value !== 'string') throw validationError(`Invalid input for field '${field}': ${JSON.stringify(value)} is not of type 'string'.`);
  return value.length <= max;
}
import { IdentityStore, TABLES, type Row, type Table } from './store.ts';

export type TargetType = 'project' | 'domain' | 'system';

export interface RoleRef {
  id: string;
  name: string;
}

export interface Assignment {
  target_type: TargetType;
  target_id: string;
  user_id: string;
  role_id: string;
  /** Set on effective assignments that exist through an implied role. */
  prior_role_id?: string;
}

/** Keystone ids: UUID4 hex without dashes. */
export const newId = () => randomUUID().replace(/-/g, '');

/** Reference to an entity by id, or by name (+ domain for projects and users), as auth requests give them. */
export interface NameRef {
  id?: string;
  name?: string;
  domain?: { id?: string; name?: string };
}

const KINDS: Record<string, Table> = {
  domain: TABLES.domain,
  project: TABLES.project,
  user: TABLES.user,
  role: TABLES.role,
};

type Kind = keyof typeof KINDS;

function requireString(body: Row, field: string, max = 255): string {
  const v = body[field];
  if (typeof v !== 'string' || v.trim() === '') throw validationError(`Invalid input for field '${field}': '${field}' is a required property.`);
  if (v.length > max) throw validationError(`Invalid input for field '${field}': '${v}' is too long.`);
  return v;
}

function optional<T>(body: Row, field: string, type: 'string' | 'boolean'): T | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (v !== null && typeof v !== type) throw validationError(`Invalid input for field '${field}': ${JSON.stringify(v)} is not of type '${type}'.`);
  return v as T;
}

export class Directory {
  constructor(readonly store: IdentityStore) {}

  // ------------------------------------------------------------- generic

  async get(q: Tx, kind: Kind, id: string): Promise<Row> {
    const row = await this.store.find(q, KINDS[kind], { id });
    if (!row) throw notFound(kind, id);
    return row;
  }

  async list(q: Tx, kind: Kind, filters: Row = {}): Promise<Row[]> {
    return this.store.list(q, KINDS[kind], filters, 'name');
  }

  private async insertUnique(q: Tx, kind: Kind, row: Row, conflictDetail: string): Promise<Row> {
    try {
      await this.store.insert(q, KINDS[kind], row);
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate(kind, conflictDetail);
      throw err;
    }
    return this.get(q, kind, row.id);
  }

  private async updateUnique(q: Tx, kind: Kind, id: string, changes: Row, conflictDetail: string): Promise<Row> {
    try {
      await this.store.update(q, KINDS[kind], { id }, changes);
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate(kind, conflictDetail);
      throw err;
    }
    return this.get(q, kind, id);
  }

  // ------------------------------------------------------------- domains

  /** A domain by {id} or {name}; 401-free lookups for auth return undefined. */
  async findDomain(q: Tx, ref: { id?: string; name?: string }): Promise<Row | undefined> {
    if (ref.id !== undefined) return fits(ref.id, 'id', ID_LENGTH) ? this.store.find(q, TABLES.domain, { id: ref.id }) : undefined;
    if (ref.name !== undefined) return fits(ref.name, 'name', NAME_LENGTH) ? this.store.find(q, TABLES.domain, { name: ref.name }) : undefined;
    return undefined;
  }

  async createDomain(q: Tx, body: Row): Promise<Row> {
    const name = requireString(body, 'name', 64);
    const row = {
      id: typeof body.id === 'string' ? body.id : newId(),
      name,
      description: optional<string>(body, 'description', 'string') ?? '',
      enabled: optional<boolean>(body, 'enabled', 'boolean') ?? true,
    };
    return this.insertUnique(q, 'domain', row, `Duplicate entry found with name ${name}`);
  }

  async updateDomain(q: Tx, id: string, body: Row): Promise<Row> {
    await this.get(q, 'domain', id);
    const changes = {
      name: body.name !== undefined ? requireString(body, 'name', 64) : undefined,
      description: optional<string>(body, 'description', 'string'),
      enabled: optional<boolean>(body, 'enabled', 'boolean'),
    };
    return this.updateUnique(q, 'domain', id, changes, `Duplicate entry found with name ${body.name}`);
  }

  async deleteDomain(q: Tx, id: string): Promise<void> {
    const domain = await this.get(q, 'domain', id);
    if (domain.enabled) throw new KeystoneError(403, 'Cannot delete a domain that is enabled, please disable it first.');
    // Keystone deletes the domain's projects and users with it.
    for (const project of await this.store.list(q, TABLES.project, { domain_id: id })) await this.removeProjectRows(q, project.id);
    await this.store.remove(q, TABLES.user, { domain_id: id });
    await this.store.remove(q, TABLES.assignment, { target_type: 'domain', target_id: id });
    await this.store.remove(q, TABLES.domain, { id });
  }

  // ------------------------------------------------------------- projects

  async findProject(q: Tx, ref: NameRef): Promise<Row | undefined> {
    return this.findInDomain(q, TABLES.project, ref);
  }

  /** A project or user by id, or by name within a domain given by id or name. */
  private async findInDomain(q: Tx, table: Table, ref: NameRef): Promise<Row | undefined> {
    if (ref.id !== undefined) return fits(ref.id, 'id', ID_LENGTH) ? this.store.find(q, table, { id: ref.id }) : undefined;
    if (ref.name === undefined || !ref.domain) return undefined;
    if (!fits(ref.name, 'name', NAME_LENGTH)) return undefined;
    const domain = await this.findDomain(q, ref.domain);
    return domain ? this.store.find(q, table, { name: ref.name, domain_id: domain.id }) : undefined;
  }

  async createProject(q: Tx, body: Row, defaultDomainId: string): Promise<Row> {
    const name = requireString(body, 'name', 64);
    if (body.is_domain === true) throw validationError(`Invalid input for field 'is_domain': projects acting as domains are not supported.`);
    let domainId = optional<string>(body, 'domain_id', 'string') ?? undefined;
    const parentId = optional<string>(body, 'parent_id', 'string') ?? undefined;
    if (parentId) {
      const parent = await this.store.find(q, TABLES.project, { id: parentId });
      if (!parent) throw notFound('project', parentId);
      if (domainId && domainId !== parent.domain_id) throw validationError(`Cannot create project, the parent (${parentId}) is acting in a different domain.`);
      domainId = parent.domain_id;
    }
    domainId ??= defaultDomainId;
    await this.get(q, 'domain', domainId);
    const known = new Set(['id', 'name', 'domain_id', 'parent_id', 'description', 'enabled', 'is_domain', 'tags', 'options', 'links']);
    const row = {
      id: newId(),
      name,
      domain_id: domainId,
      // Keystone gives top-level projects their domain as parent.
      parent_id: parentId ?? domainId,
      description: optional<string>(body, 'description', 'string') ?? '',
      enabled: optional<boolean>(body, 'enabled', 'boolean') ?? true,
      extra: Object.fromEntries(Object.entries(body).filter(([k]) => !known.has(k))),
    };
    return this.insertUnique(q, 'project', row, `it is not permitted to have two projects with the same name in the same domain : ${name}`);
  }

  async updateProject(q: Tx, id: string, body: Row): Promise<Row> {
    const current = await this.get(q, 'project', id);
    const fixed: Row = { domain_id: current.domain_id, parent_id: current.parent_id, is_domain: false };
    for (const [field, value] of Object.entries(fixed)) {
      if (body[field] !== undefined && body[field] !== value) throw validationError(`Update of \`${field}\` is not allowed.`);
    }
    const changes = {
      name: body.name !== undefined ? requireString(body, 'name', 64) : undefined,
      description: optional<string>(body, 'description', 'string'),
      enabled: optional<boolean>(body, 'enabled', 'boolean'),
    };
    return this.updateUnique(q, 'project', id, changes, `it is not permitted to have two projects with the same name in the same domain : ${body.name}`);
  }

  async deleteProject(q: Tx, id: string): Promise<void> {
    await this.get(q, 'project', id);
    const child = await this.store.find(q, TABLES.project, { parent_id: id });
    if (child) {
      throw new KeystoneError(403, `Cannot delete the project ${id} since it is not a leaf in the hierarchy. Use the cascade option if you want to delete a whole subtree.`);
    }
    await this.removeProjectRows(q, id);
  }

  /** The project, its role assignments and (by foreign key) its tokens. */
  private async removeProjectRows(q: Tx, id: string): Promise<void> {
    await this.store.remove(q, TABLES.assignment, { target_type: 'project', target_id: id });
    await this.store.remove(q, TABLES.project, { id });
  }

  // ------------------------------------------------------------- users

  async findUser(q: Tx, ref: NameRef): Promise<Row | undefined> {
    return this.findInDomain(q, TABLES.user, ref);
  }

  async createUser(q: Tx, body: Row, defaultDomainId: string): Promise<Row> {
    const name = requireString(body, 'name');
    const domainId = optional<string>(body, 'domain_id', 'string') ?? defaultDomainId;
    await this.get(q, 'domain', domainId);
    const password = optional<string>(body, 'password', 'string');
    const known = new Set(['id', 'name', 'domain_id', 'password', 'enabled', 'default_project_id', 'description', 'email', 'options', 'links']);
    const row = {
      id: newId(),
      name,
      domain_id: domainId,
      enabled: optional<boolean>(body, 'enabled', 'boolean') ?? true,
      password_hash: password ? await hashPassword(password) : null,
      default_project_id: optional<string>(body, 'default_project_id', 'string') ?? null,
      description: optional<string>(body, 'description', 'string') ?? null,
      email: optional<string>(body, 'email', 'string') ?? null,
      extra: Object.fromEntries(Object.entries(body).filter(([k]) => !known.has(k))),
    };
    return this.insertUnique(q, 'user', row, `Duplicate entry found with name ${name} at domain ID ${domainId}`);
  }

  /** Updates a user; returns it and whether the password changed (the caller then revokes its tokens). */
  async updateUser(q: Tx, id: string, body: Row): Promise<{ user: Row; passwordChanged: boolean }> {
    const current = await this.get(q, 'user', id);
    if (body.domain_id !== undefined && body.domain_id !== current.domain_id) throw validationError('Update of `domain_id` is not allowed.');
    const password = optional<string>(body, 'password', 'string');
    const known = new Set(['id', 'name', 'domain_id', 'password', 'enabled', 'default_project_id', 'description', 'email', 'options', 'links']);
    const extra = { ...current.extra, ...Object.fromEntries(Object.entries(body).filter(([k]) => !known.has(k))) };
    const changes = {
      name: body.name !== undefined ? requireString(body, 'name') : undefined,
      enabled: optional<boolean>(body, 'enabled', 'boolean'),
      default_project_id: optional<string>(body, 'default_project_id', 'string'),
      description: optional<string>(body, 'description', 'string'),
      email: optional<string>(body, 'email', 'string'),
      password_hash: password ? await hashPassword(password) : undefined,
      extra,
    };
    const user = await this.updateUnique(q, 'user', id, changes, `Duplicate entry found with name ${body.name} at domain ID ${current.domain_id}`);
    return { user, passwordChanged: !!password };
  }

  async deleteUser(q: Tx, id: string): Promise<void> {
    await this.get(q, 'user', id);
    // Assignments and tokens go with it (foreign keys, on delete cascade).
    await this.store.remove(q, TABLES.user, { id });
  }

  // ------------------------------------------------------------- roles

  async createRole(q: Tx, body: Row): Promise<Row> {
    const name = requireString(body, 'name');
    const row = { id: typeof body.id === 'string' ? body.id : newId(), name, description: optional<string>(body, 'description', 'string') ?? null };
    return this.insertUnique(q, 'role', row, `Duplicate entry found with name ${name}`);
  }

  async updateRole(q: Tx, id: string, body: Row): Promise<Row> {
    await this.get(q, 'role', id);
    const changes = { name: body.name !== undefined ? requireString(body, 'name') : undefined, description: optional<string>(body, 'description', 'string') };
    return this.updateUnique(q, 'role', id, changes, `Duplicate entry found with name ${body.name}`);
  }

  async deleteRole(q: Tx, id: string): Promise<void> {
    await this.get(q, 'role', id);
    await this.store.remove(q, TABLES.role, { id });
  }

  async addImpliedRole(q: Tx, priorId: string, impliedId: string): Promise<void> {
    await this.get(q, 'role', priorId);
    await this.get(q, 'role', impliedId);
    if (await this.store.find(q, TABLES.impliedRole, { prior_role_id: priorId, implied_role_id: impliedId })) return;
    await this.store.insert(q, TABLES.impliedRole, { prior_role_id: priorId, implied_role_id: impliedId });
  }

  /** prior role id → ids of the roles it implies directly. */
  private async impliedMap(q: Tx): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    for (const r of await this.store.list(q, TABLES.impliedRole, {}, 'prior_role_id')) {
      map.set(r.prior_role_id, [...(map.get(r.prior_role_id) ?? []), r.implied_role_id]);
    }
    return map;
  }

  /**
   * Expands assignments with the roles they imply (transitively), as Keystone's
   * effective assignments: each implied role appears once per target with its prior role.
   */
  async expandImplied(q: Tx, assignments: Assignment[]): Promise<Assignment[]> {
    const implied = await this.impliedMap(q);
    const out: Assignment[] = [];
    const seen = new Set<string>();
    const key = (a: Assignment) => `${a.user_id}|${a.target_type}|${a.target_id}|${a.role_id}`;
    const queue = [...assignments];
    while (queue.length) {
      const a = queue.shift()!;
      if (seen.has(key(a))) continue;
      seen.add(key(a));
      out.push(a);
      for (const next of implied.get(a.role_id) ?? []) queue.push({ ...a, role_id: next, prior_role_id: a.role_id });
    }
    return out;
  }

  // ------------------------------------------------------------- assignments

  /** Checks that the user, target and role of an assignment exist (404 otherwise). */
  async checkAssignmentParts(q: Tx, a: Assignment): Promise<void> {
    await this.get(q, 'user', a.user_id);
    if (a.target_type !== 'system') await this.get(q, a.target_type, a.target_id);
    await this.get(q, 'role', a.role_id);
  }

  async grant(q: Tx, a: Assignment): Promise<void> {
    await this.checkAssignmentParts(q, a);
    if (await this.store.find(q, TABLES.assignment, a)) return;
    await this.store.insert(q, TABLES.assignment, a);
  }

  async revoke(q: Tx, a: Assignment): Promise<void> {
    await this.checkAssignmentParts(q, a);
    const removed = await this.store.remove(q, TABLES.assignment, a);
    if (!removed) throw new KeystoneError(404, `Could not find role assignment with role: ${a.role_id}, user or group: ${a.user_id}, project, domain, or system: ${a.target_id}.`);
  }

  async hasAssignment(q: Tx, a: Assignment): Promise<boolean> {
    await this.checkAssignmentParts(q, a);
    return !!(await this.store.find(q, TABLES.assignment, a));
  }

  async assignments(q: Tx, filters: Partial<Assignment>, effective = false): Promise<Assignment[]> {
    // Filter by role after expansion, so effective lists include roles implied by others.
    const { role_id, ...rest } = filters;
    const direct = (await this.store.list(q, TABLES.assignment, effective ? rest : filters, 'user_id')) as Assignment[];
    const all = effective ? await this.expandImplied(q, direct) : direct;
    return role_id === undefined ? all : all.filter((a) => a.role_id === role_id);
  }

  /** The user's effective roles on a target (implied roles included), by id and name. */
  async effectiveRoles(q: Tx, userId: string, targetType: TargetType, targetId: string): Promise<RoleRef[]> {
    const effective = await this.assignments(q, { user_id: userId, target_type: targetType, target_id: targetId }, true);
    const ids = [...new Set(effective.map((a) => a.role_id))];
    const roles = await this.store.list(q, TABLES.role, { id: ids });
    const byId = new Map(roles.map((r) => [r.id, r]));
    return ids.filter((id) => byId.has(id)).map((id) => ({ id, name: byId.get(id)!.name }));
  }

  /** Projects where the user has any role. */
  async userProjects(q: Tx, userId: string): Promise<Row[]> {
    const rows = await this.store.list(q, TABLES.assignment, { user_id: userId, target_type: 'project' }, 'target_id');
    return this.store.list(q, TABLES.project, { id: [...new Set(rows.map((r) => r.target_id))] }, 'name');
  }

  /** Domains where the user has any role. */
  async userDomains(q: Tx, userId: string): Promise<Row[]> {
    const rows = await this.store.list(q, TABLES.assignment, { user_id: userId, target_type: 'domain' }, 'target_id');
    return this.store.list(q, TABLES.domain, { id: [...new Set(rows.map((r) => r.target_id))] }, 'name');
  }
}
