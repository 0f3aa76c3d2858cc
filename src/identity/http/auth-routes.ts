// /v3/auth: issuing tokens (password and token methods; project, domain, system or no
// scope), validating, checking and revoking them, and what a token may reach (projects,
// domains, system, catalog).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Tx } from '../../db/index.ts';
import { KeystoneError, unauthorized, validationError } from '../errors.ts';
import { TABLES, type Row } from '../store.ts';
import type { Scope, ValidToken } from '../tokens.ts';
import type { Identity } from '../identity.ts';
import type { RouteContext } from './route-context.ts';

interface Authenticated {
  userId: string;
  methods: string[];
  /** Set for the token method: the new token keeps the old one's expiry and audit chain. */
  from?: ValidToken;
  defaultProjectId?: string | null;
}

const isObject = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * The password method. Runs outside any transaction: the hash takes tens of milliseconds on
 * the thread pool (LoginGuard bounds how many at once) and must not hold a connection.
 */
async function checkPassword(identity: Identity, q: Tx, password: Record<string, any>, source: string): Promise<Row> {
  const ref = password.user;
  if (!isObject(ref) || typeof ref.password !== 'string') throw validationError(`Invalid input for field 'user': a user with a password is required.`);
  if (ref.id === undefined && (ref.name === undefined || !isObject(ref.domain))) {
    throw validationError('Expecting to find domain in user. The user is given by name, so its domain is needed.');
  }
  await identity.logins.checkSource(source);
  const user = await identity.directory.findUser(q, ref);
  identity.logins.checkLockout(user?.id);
  // One answer, after the same work, for unknown users and wrong passwords, as Keystone gives.
  if (!(await identity.logins.verify(ref.password, user?.password_hash ?? null)) || !user) {
    identity.logins.failed(source, user?.id);
    throw unauthorized();
  }
  identity.logins.succeeded(source, user.id);
  if (!user.enabled) throw unauthorized(`The account is disabled for user: ${user.id}.`);
  const domain = await identity.store.find(q, TABLES.domain, { id: user.domain_id });
  if (!domain?.enabled) throw unauthorized(`The account is disabled for user: ${user.id}.`);
  return user;
}

async function authenticate(identity: Identity, q: Tx, auth: Record<string, any>, source: string): Promise<Authenticated> {
  const id = auth.identity;
  if (!isObject(id) || !Array.isArray(id.methods) || id.methods.length === 0) throw validationError(`Invalid input for field 'identity': 'methods' is a required property.`);
  const methods = id.methods as unknown[];
  if (methods.some((m) => m !== 'password' && m !== 'token')) throw unauthorized('Attempted to authenticate with an unsupported method.');
  let result: Authenticated | undefined;
  if (methods.includes('token')) {
    const tokenId = isObject(id.token) ? id.token.id : undefined;
    if (typeof tokenId !== 'string') throw validationError(`Invalid input for field 'token': 'id' is a required property.`);
    const from = await identity.tokens.validate(q, tokenId);
    if (!from) throw unauthorized('Could not find token.');
    result = { userId: from.user.id, methods: [...new Set(['token', ...from.methods])], from, defaultProjectId: null };
  }
  if (methods.includes('password')) {
    if (!isObject(id.password)) throw validationError(`Invalid input for field 'password': 'password' is a required property.`);
    const user = await checkPassword(identity, q, id.password, source);
    if (result && result.userId !== user.id) throw unauthorized('User IDs do not match.');
    result = { userId: user.id, methods: result ? [...new Set([...result.methods, 'password'])] : ['password'], from: result?.from, defaultProjectId: user.default_project_id };
  }
  return result!;
}

/** The requested scope (401 for unknown or disabled targets, as Keystone answers). */
async function resolveScope(identity: Identity, q: Tx, scope: unknown, who: Authenticated): Promise<Scope> {
  const { directory } = identity;
  if (scope === undefined) {
    // No scope: the user's default project if it is usable, otherwise unscoped.
    const project = who.defaultProjectId ? await directory.findProject(q, { id: who.defaultProjectId }) : undefined;
    if (project?.enabled && (await directory.effectiveRoles(q, who.userId, 'project', project.id)).length) return { type: 'project', id: project.id };
    return { type: 'unscoped' };
  }
  if (scope === 'unscoped') return { type: 'unscoped' };
  if (!isObject(scope)) throw validationError(`Invalid input for field 'scope': ${JSON.stringify(scope)} is not of type 'object'.`);
  const kinds = ['project', 'domain', 'system', 'OS-TRUST:trust'].filter((k) => k in scope);
  if (kinds.length !== 1) throw validationError('Exactly one of project, domain or system must be given in scope.');
  if (isObject(scope.project)) {
    const ref = scope.project;
    if (ref.id === undefined && (ref.name === undefined || !isObject(ref.domain))) throw validationError('Expecting to find domain in project.');
    const project = await directory.findProject(q, ref);
    if (!project) throw unauthorized(`Could not find project: ${ref.id ?? ref.name}.`);
    if (!project.enabled) throw unauthorized(`Project is disabled: ${project.id}.`);
    return { type: 'project', id: project.id };
  }
  if (isObject(scope.domain)) {
    const domain = await directory.findDomain(q, scope.domain);
    if (!domain) throw unauthorized(`Could not find domain: ${scope.domain.id ?? scope.domain.name}.`);
    if (!domain.enabled) throw unauthorized(`Domain is disabled: ${domain.id}.`);
    return { type: 'domain', id: domain.id };
  }
  if (isObject(scope.system) && scope.system.all === true) return { type: 'system', id: 'all' };
  throw validationError(`Invalid input for field 'scope': unsupported scope.`);
}

const subjectToken = (req: FastifyRequest): string => {
  const h = req.headers['x-subject-token'];
  const value = Array.isArray(h) ? h[0] : h;
  if (!value) throw validationError('X-Subject-Token header is required.');
  return value;
};

export function registerAuthRoutes(server: FastifyInstance, { identity, render, guard }: RouteContext): void {
  const catalogUnless = async (req: FastifyRequest) => ('nocatalog' in (req.query as object) ? null : identity.catalog.render(identity.db));

  server.post('/v3/auth/tokens', async (req, reply) => {
    const auth = (req.body as Record<string, any> | undefined)?.auth;
    if (!isObject(auth)) throw validationError(`Invalid input for field 'auth': 'auth' is a required property.`);
    // Authentication reads outside the transaction (the password hash must not hold it).
    const who = await authenticate(identity, identity.db, auth, req.ip);
    identity.logins.takeToken(who.userId);
    const { token, info } = await identity.app.transact(async (trx) => {
      const scope = await resolveScope(identity, trx, auth.scope, who);
      return identity.tokens.issue(trx, {
        userId: who.userId,
        scope,
        methods: who.methods,
        expiresAt: who.from?.expiresAt,
        parentAuditIds: who.from?.auditIds,
      });
    });
    reply.code(201).header('x-subject-token', token);
    return render.token(info, await catalogUnless(req));
  });

  // Validating another token: admins and services may; users may validate their own.
  const validateSubject = async (req: FastifyRequest) => {
    guard.token(req);
    const subject = subjectToken(req);
    const info = await identity.tokens.validate(identity.db, subject);
    guard.admin(req, 'validate_token', (t) => t.roles.some((r) => r.name === 'service') || (!!info && info.user.id === t.user.id));
    if (!info) throw new KeystoneError(404, `Could not find token: ${subject}.`);
    return { subject, info };
  };

  server.get('/v3/auth/tokens', { exposeHeadRoute: false }, async (req, reply) => {
    const { subject, info } = await validateSubject(req);
    reply.header('x-subject-token', subject);
    return render.token(info, await catalogUnless(req));
  });

  server.head('/v3/auth/tokens', async (req, reply) => {
    await validateSubject(req);
    reply.code(200);
    return reply.send();
  });

  server.delete('/v3/auth/tokens', async (req, reply) => {
    await validateSubject(req);
    await identity.write((trx) => identity.tokens.revoke(trx, subjectToken(req)));
    reply.code(204);
    return reply.send();
  });

  server.get('/v3/auth/projects', async (req) => {
    const caller = guard.token(req);
    const projects = (await identity.directory.userProjects(identity.db, caller.user.id)).filter((p) => p.enabled);
    return render.collection('projects', projects.map((p) => render.project(p)), 'auth/projects');
  });

  server.get('/v3/auth/domains', async (req) => {
    const caller = guard.token(req);
    const domains = (await identity.directory.userDomains(identity.db, caller.user.id)).filter((d) => d.enabled);
    return render.collection('domains', domains.map((d) => render.domain(d)), 'auth/domains');
  });

  server.get('/v3/auth/system', async (req) => {
    const caller = guard.token(req);
    const roles = await identity.directory.effectiveRoles(identity.db, caller.user.id, 'system', 'all');
    return { system: roles.length ? [{ all: true }] : [], links: { self: render.url('auth/system'), previous: null, next: null } };
  });

  server.get('/v3/auth/catalog', async (req) => {
    const caller = guard.token(req);
    if (caller.scope.type === 'unscoped') throw new KeystoneError(403, 'A project-scoped token is required to produce a service catalog.');
    return { catalog: await identity.catalog.render(identity.db), links: { self: render.url('auth/catalog'), previous: null, next: null } };
  });
}
