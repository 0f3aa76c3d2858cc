// Authenticators of the Networking API for the two token strategies: the embedded
// identity (validated in-process) and an external Keystone (keystone-client.ts). Both
// answer 401 "Authentication required" for a missing, unknown, expired or revoked
// token, as Neutron behind keystonemiddleware does.
import type { FastifyRequest } from 'fastify';
import { makeContext, type Authenticator, type RequestContext } from '../foundation/context.ts';
import { NeutronError } from '../foundation/errors.ts';
import type { Identity } from './identity.ts';

export const authenticationRequired = () => new NeutronError(401, 'HTTPUnauthorized', 'Authentication required');

export function tokenOf(req: FastifyRequest): string | undefined {
  const h = req.headers['x-auth-token'];
  return (Array.isArray(h) ? h[0] : h) || undefined;
}

/** The context of a Keystone token body (its roles, user, and project when project-scoped). */
export interface TokenSubject {
  userId: string;
  userName?: string;
  userDomainId?: string;
  projectId: string | null;
  projectName?: string;
  projectDomainId?: string;
  roles: string[];
  expiresAt: number;
}

export function contextOf(subject: TokenSubject): RequestContext {
  return makeContext({
    userId: subject.userId,
    projectId: subject.projectId,
    roles: subject.roles,
    extra: {
      userName: subject.userName,
      userDomainId: subject.userDomainId,
      projectName: subject.projectName,
      projectDomainId: subject.projectDomainId,
      tokenExpiresAt: subject.expiresAt,
    },
  });
}

export function embeddedAuthenticator(identity: Identity): Authenticator {
  return async (req) => {
    const token = tokenOf(req);
    if (!token) throw authenticationRequired();
    const t = await identity.tokens.validate(identity.db, token);
    if (!t) throw authenticationRequired();
    return contextOf({
      userId: t.user.id,
      userName: t.user.name,
      userDomainId: t.user.domain_id,
      projectId: t.project?.id ?? null,
      projectName: t.project?.name,
      projectDomainId: t.project?.domain_id,
      roles: t.roles.map((r) => r.name),
      expiresAt: t.expiresAt,
    });
  };
}
