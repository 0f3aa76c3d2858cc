// Tokens: random bearer values (32 bytes, base64url) whose state lives in the database
// under the SHA-256 of the value. Validation re-reads that state: the token must be
// unexpired and present (revocation and deleting its user or scope target delete the
// row), its user, domain and project enabled, and its user must still hold a role on
// the scope; roles are recomputed, so role changes apply at once.
//
// A small in-process cache keeps validations from hitting the database on every API
// call. Any identity write on this node clears it (Identity.write), so on one node a
// revocation, disable or role change is never served stale. Other API servers sharing
// the database may keep accepting a revoked token for at most `token_cache_seconds`.
import { createHash, randomBytes } from 'node:crypto';
import type { Tx } from '../db/index.ts';
import type { Directory, RoleRef, TargetType } from './directory.ts';
import { unauthorized } from './errors.ts';
import { TABLES, type IdentityStore, type Row } from './store.ts';

export type Scope = { type: TargetType; id: string } | { type: 'unscoped' };

export interface ValidToken {
  user: Row;
  userDomain: Row;
  scope: Scope;
  /** The scope's project (project scope) or domain (domain scope), with its domain. */
  project?: Row;
  projectDomain?: Row;
  domain?: Row;
  roles: RoleRef[];
  methods: string[];
  auditIds: string[];
  issuedAt: number;
  expiresAt: number;
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

const CACHE_LIMIT = 10_000;

export class TokenProvider {
  private cache = new Map<string, { value: ValidToken; until: number }>();
  /** Bumped by forget(): a validation that overlapped a change is not cached. */
  private generation = 0;

  constructor(
    private readonly store: IdentityStore,
    private readonly directory: Directory,
    /** Read at each use, so configuration changes apply to new tokens at once. */
    private readonly options: () => { ttlSeconds: number; cacheSeconds: number },
  ) {}

  /**
   * Issues a token for userId on scope. Re-scoped tokens keep the expiry and extend the
   * audit chain of the token they come from. 401 when the user has no role on the scope.
   */
  async issue(
    q: Tx,
    request: { userId: string; scope: Scope; methods: string[]; expiresAt?: number; parentAuditIds?: string[] },
  ): Promise<{ token: string; info: ValidToken }> {
    const token = randomBytes(32).toString('base64url');
    const issuedAt = Date.now();
    const auditId = randomBytes(16).toString('base64url').slice(0, 22);
    const scope = request.scope;
    // Expired tokens of this user are of no further use: drop them as we go.
    await q.deleteFrom(TABLES.token).where('user_id', '=', request.userId).where('expires_at', '<=', issuedAt).execute();
    await this.store.insert(q, TABLES.token, {
      token_hash: hashToken(token),
      user_id: request.userId,
      project_id: scope.type === 'project' ? scope.id : null,
      domain_id: scope.type === 'domain' ? scope.id : null,
      system: scope.type === 'system',
      methods: request.methods,
      audit_ids: [auditId, ...(request.parentAuditIds ?? []).slice(-1)],
      issued_at: issuedAt,
      expires_at: request.expiresAt ?? issuedAt + this.options().ttlSeconds * 1000,
    });
    const info = await this.resolve(q, hashToken(token));
    if (!info) throw unauthorized(`User ${request.userId} has no access to ${scope.type} ${'id' in scope ? scope.id : ''}.`);
    return { token, info };
  }

  /** The token's current state, or null when it is unknown, expired, revoked or no longer valid. */
  async validate(q: Tx, token: string): Promise<ValidToken | null> {
    const hash = hashToken(token);
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) return cached.value;
    const generation = this.generation;
    const value = await this.resolve(q, hash);
    const { cacheSeconds } = this.options();
    if (value && cacheSeconds > 0 && generation === this.generation) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(hash, { value, until: Math.min(now + cacheSeconds * 1000, value.expiresAt) });
    }
    return value;
  }

  private async resolve(q: Tx, hash: string): Promise<ValidToken | null> {
    const row = await this.store.find(q, TABLES.token, { token_hash: hash });
    if (!row || row.expires_at <= Date.now()) return null;
    const user = await this.store.find(q, TABLES.user, { id: row.user_id });
    const userDomain = user && (await this.store.find(q, TABLES.domain, { id: user.domain_id }));
    if (!user?.enabled || !userDomain?.enabled) return null;
    const base = { user, userDomain, methods: row.methods, auditIds: row.audit_ids, issuedAt: Number(row.issued_at), expiresAt: Number(row.expires_at) };
    if (row.project_id) {
      const project = await this.store.find(q, TABLES.project, { id: row.project_id });
      const projectDomain = project && (await this.store.find(q, TABLES.domain, { id: project.domain_id }));
      if (!project?.enabled || !projectDomain?.enabled) return null;
      const roles = await this.directory.effectiveRoles(q, user.id, 'project', project.id);
      return roles.length ? { ...base, scope: { type: 'project', id: project.id }, project, projectDomain, roles } : null;
    }
    if (row.domain_id) {
      const domain = await this.store.find(q, TABLES.domain, { id: row.domain_id });
      if (!domain?.enabled) return null;
      const roles = await this.directory.effectiveRoles(q, user.id, 'domain', domain.id);
      return roles.length ? { ...base, scope: { type: 'domain', id: domain.id }, domain, roles } : null;
    }
    if (row.system) {
      const roles = await this.directory.effectiveRoles(q, user.id, 'system', 'all');
      return roles.length ? { ...base, scope: { type: 'system', id: 'all' }, roles } : null;
    }
    return { ...base, scope: { type: 'unscoped' }, roles: [] };
  }

  /** Revokes one token; false when it was not valid. */
  async revoke(q: Tx, token: string): Promise<boolean> {
    this.forget();
    return (await this.store.remove(q, TABLES.token, { token_hash: hashToken(token) })) > 0;
  }

  /** Revokes every token of a user (password change). */
  async revokeUser(q: Tx, userId: string): Promise<void> {
    this.forget();
    await this.store.remove(q, TABLES.token, { user_id: userId });
  }

  /** Drops cached validations (after any identity change on this node). */
  forget(): void {
    this.generation++;
    this.cache.clear();
  }
}
