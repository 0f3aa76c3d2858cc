// What the identity routes share: the caller's token on the request, the authorization
// guard, the route context and body helpers.
import type { FastifyRequest } from 'fastify';
import type { Identity } from '../identity.ts';
import { forbidden, unauthorized, validationError } from '../errors.ts';
import type { ValidToken } from '../tokens.ts';
import type { Renderer } from './render.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's valid token, or null (none given or invalid). */
    caller: ValidToken | null;
  }
}

/** Authorization checks shared by the identity routes (Keystone's legacy admin_required rules). */
export class Guard {
  /** The caller's token; 401 without a valid one. */
  token(req: FastifyRequest): ValidToken {
    if (!req.caller) throw unauthorized();
    return req.caller;
  }

  isAdmin(t: ValidToken): boolean {
    return t.roles.some((r) => r.name === 'admin');
  }

  /** The caller, who must hold the admin role (or pass `alsoAllowed`); 403 otherwise. */
  admin(req: FastifyRequest, action: string, alsoAllowed?: (t: ValidToken) => boolean): ValidToken {
    const t = this.token(req);
    if (!this.isAdmin(t) && !alsoAllowed?.(t)) throw forbidden(`identity:${action}`);
    return t;
  }
}

export interface RouteContext {
  identity: Identity;
  render: Renderer;
  guard: Guard;
}

/** The body's member object (`{"project": {...}}` → {...}); 400 when missing. */
export function member(req: FastifyRequest, name: string): Record<string, any> {
  const body = req.body as Record<string, unknown> | undefined;
  const value = body?.[name];
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw validationError(`Invalid input for field '${name}': '${name}' is a required property.`);
  return value as Record<string, any>;
}
