// The request context: who is calling (project, user, roles). Services see only this,
// never HTTP headers or tokens, so the authentication strategy (noauth, embedded identity,
// external Keystone) is chosen in one place: the Authenticator the server is built with.
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

export interface RequestContext {
  requestId: string;
  userId: string | null;
  projectId: string | null;
  /** Lower-case role names. */
  roles: string[];
  isAdmin: boolean;
  /** Set by authenticators that know it (token expiry, domain, ...). */
  extra?: Record<string, unknown>;
}

export type Authenticator = (request: FastifyRequest) => Promise<RequestContext>;

export function makeContext(fields: Partial<RequestContext> & { roles?: string[] }): RequestContext {
  const roles = (fields.roles ?? []).map((r) => r.toLowerCase());
  return {
    requestId: fields.requestId ?? `req-${randomUUID()}`,
    userId: fields.userId ?? null,
    projectId: fields.projectId ?? null,
    roles,
    isAdmin: fields.isAdmin ?? roles.includes('admin'),
    extra: fields.extra,
  };
}

/** An admin context for internal work (bootstrap, agents, tests' setup). */
export const adminContext = (projectId: string | null = null) => makeContext({ projectId, roles: ['admin'], isAdmin: true });

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * No authentication: trust X-Project-Id (or X-Tenant-Id), X-User-Id and X-Roles, as
 * Neutron's noauth pipeline does. Without a project the caller is admin.
 * For tests, benchmarks and deployments behind a trusted proxy only.
 */
export const noauthAuthenticator: Authenticator = async (req) => {
  const projectId = header(req, 'x-project-id') ?? header(req, 'x-tenant-id') ?? null;
  const rolesHeader = header(req, 'x-roles');
  const roles = rolesHeader !== undefined ? rolesHeader.split(',').map((r) => r.trim()).filter(Boolean) : projectId ? ['member', 'reader'] : ['admin'];
  return makeContext({ projectId, userId: header(req, 'x-user-id') ?? null, roles });
};
