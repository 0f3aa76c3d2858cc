// Keystone's JSON forms of identity entities, tokens and role assignments.
import type { Assignment } from '../directory.ts';
import type { CatalogService } from '../catalog.ts';
import type { Row } from '../store.ts';
import type { ValidToken } from '../tokens.ts';

/** Keystone's timestamps: microsecond precision, Z suffix. */
export const keystoneTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class Renderer {
  /** base: the identity service's URL, without /v3. */
  constructor(private readonly base: () => string) {}

  url(path: string): string {
    return `${this.base()}/v3/${path}`;
  }

  /** A list with Keystone's links (self; no pagination). */
  collection(name: string, items: unknown[], selfPath: string): Record<string, unknown> {
    return { [name]: items, links: { self: this.url(selfPath), previous: null, next: null } };
  }

  domain(d: Row) {
    return { id: d.id, name: d.name, description: d.description, enabled: d.enabled, tags: [], options: {}, links: { self: this.url(`domains/${d.id}`) } };
  }

  project(p: Row) {
    return {
      id: p.id,
      name: p.name,
      domain_id: p.domain_id,
      description: p.description,
      enabled: p.enabled,
      parent_id: p.parent_id,
      is_domain: false,
      tags: [],
      options: {},
      ...p.extra,
      links: { self: this.url(`projects/${p.id}`) },
    };
  }

  user(u: Row) {
    const out: Record<string, unknown> = { id: u.id, name: u.name, domain_id: u.domain_id, enabled: u.enabled, password_expires_at: null, options: {} };
    for (const k of ['default_project_id', 'description', 'email']) if (u[k] !== null && u[k] !== undefined) out[k] = u[k];
    return { ...out, ...u.extra, links: { self: this.url(`users/${u.id}`) } };
  }

  role(r: Row) {
    return { id: r.id, name: r.name, domain_id: null, description: r.description ?? null, options: {}, links: { self: this.url(`roles/${r.id}`) } };
  }

  /** A role assignment; with names when given lookup maps (include_names). */
  assignment(a: Assignment, names?: { users: Map<string, Row>; roles: Map<string, Row>; projects: Map<string, Row>; domains: Map<string, Row> }) {
    const domainRef = (id: string) => (names ? { id, name: names.domains.get(id)?.name } : { id });
    const role: Record<string, unknown> = { id: a.role_id };
    const user: Record<string, unknown> = { id: a.user_id };
    let scope: Record<string, unknown>;
    let target: string;
    if (a.target_type === 'system') {
      scope = { system: { all: true } };
      target = 'system';
    } else {
      const entity: Record<string, unknown> = { id: a.target_id };
      if (names) {
        const row = (a.target_type === 'project' ? names.projects : names.domains).get(a.target_id);
        entity.name = row?.name;
        if (a.target_type === 'project' && row) entity.domain = domainRef(row.domain_id);
      }
      scope = { [a.target_type]: entity };
      target = `${a.target_type}s/${a.target_id}`;
    }
    if (names) {
      role.name = names.roles.get(a.role_id)?.name;
      const u = names.users.get(a.user_id);
      user.name = u?.name;
      if (u) user.domain = domainRef(u.domain_id);
    }
    const links: Record<string, string> = { assignment: this.url(`${target}/users/${a.user_id}/roles/${a.prior_role_id ?? a.role_id}`) };
    if (a.prior_role_id) links.prior_role = this.url(`roles/${a.prior_role_id}/implies/${a.role_id}`);
    return { role, scope, user, links };
  }

  /** The token body of POST/GET /v3/auth/tokens. */
  token(t: ValidToken, catalog: CatalogService[] | null) {
    const ref = (e: Row) => ({ id: e.id, name: e.name });
    const token: Record<string, unknown> = {
      methods: t.methods,
      user: { domain: ref(t.userDomain), id: t.user.id, name: t.user.name, password_expires_at: null },
      audit_ids: t.auditIds,
      expires_at: keystoneTime(t.expiresAt),
      issued_at: keystoneTime(t.issuedAt),
    };
    if (t.project) {
      token.project = { domain: ref(t.projectDomain!), id: t.project.id, name: t.project.name };
      token.is_domain = false;
    } else if (t.domain) {
      token.domain = ref(t.domain);
    } else if (t.scope.type === 'system') {
      token.system = { all: true };
    }
    if (t.scope.type !== 'unscoped') {
      token.roles = t.roles;
      if (catalog) token.catalog = catalog;
    }
    return { token };
  }
}
