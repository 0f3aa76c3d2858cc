// Token validation against an external Keystone, as keystonemiddleware's auth_token does:
// a service token (from the configured service credentials, renewed before it expires)
// validates each user token with GET /v3/auth/tokens; answers are cached for
// `keystone_cache_seconds` (never past the token's expiry), so a revocation in Keystone
// reaches this service within that bound.
import { createHash } from 'node:crypto';
import type { Authenticator } from '../foundation/context.ts';
import { NeutronError } from '../foundation/errors.ts';
import type { NeutrinoConfig } from '../config/index.ts';
import { authenticationRequired, contextOf, tokenOf, type TokenSubject } from './authenticators.ts';

const CACHE_LIMIT = 10_000;

export class KeystoneClient {
  private serviceToken: { value: string; expiresAt: number } | null = null;
  private cache = new Map<string, { subject: TokenSubject | null; at: number }>();

  constructor(private readonly config: NeutrinoConfig['auth']) {
    if (!config.keystone_url) throw new Error('auth.strategy keystone needs auth.keystone_url');
  }

  private get base(): string {
    const url = this.config.keystone_url.replace(/\/+$/, '');
    return url.endsWith('/v3') ? url : `${url}/v3`;
  }

  private async getServiceToken(renew = false): Promise<string> {
    if (!renew && this.serviceToken && this.serviceToken.expiresAt - 60_000 > Date.now()) return this.serviceToken.value;
    const domain = { id: this.config.keystone_service_domain };
    const res = await fetch(`${this.base}/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: this.config.keystone_service_user, domain, password: this.config.keystone_service_password } } },
          scope: { project: { name: this.config.keystone_service_project, domain } },
        },
      }),
    });
    const value = res.headers.get('x-subject-token');
    if (res.status !== 201 || !value) throw new Error(`Keystone refused the service credentials (${res.status})`);
    const body = (await res.json()) as { token: { expires_at: string } };
    this.serviceToken = { value, expiresAt: Date.parse(body.token.expires_at) };
    return value;
  }

  /** The token's subject, or null when Keystone does not accept it. */
  async validate(token: string): Promise<TokenSubject | null> {
    const key = createHash('sha256').update(token).digest('hex');
    const now = Date.now();
    const maxAge = this.config.keystone_cache_seconds * 1000;
    const cached = this.cache.get(key);
    if (cached && now - cached.at < maxAge && (!cached.subject || now < cached.subject.expiresAt)) return cached.subject;
    const subject = await this.fetchSubject(token);
    if (maxAge > 0) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, { subject, at: now });
    }
    return subject;
  }

  private async fetchSubject(token: string, retried = false): Promise<TokenSubject | null> {
    let res: Response;
    try {
      res = await fetch(`${this.base}/auth/tokens?nocatalog`, {
        headers: { accept: 'application/json', 'x-auth-token': await this.getServiceToken(retried), 'x-subject-token': token },
      });
    } catch (err) {
      throw new NeutronError(503, 'ServiceUnavailable', `The identity service is unavailable: ${(err as Error).message}`);
    }
    // Our service token expired or was revoked: get a new one once.
    if (res.status === 401 && !retried) return this.fetchSubject(token, true);
    if (res.status === 404 || res.status === 401) return null;
    if (res.status !== 200) throw new NeutronError(503, 'ServiceUnavailable', `The identity service answered ${res.status} to token validation`);
    const { token: t } = (await res.json()) as { token: Record<string, any> };
    return {
      userId: t.user.id,
      userName: t.user.name,
      userDomainId: t.user.domain?.id,
      projectId: t.project?.id ?? null,
      projectName: t.project?.name,
      projectDomainId: t.project?.domain?.id,
      roles: (t.roles ?? []).map((r: { name: string }) => r.name),
      expiresAt: Date.parse(t.expires_at),
    };
  }
}

export function keystoneAuthenticator(client: KeystoneClient): Authenticator {
  return async (req) => {
    const token = tokenOf(req);
    if (!token) throw authenticationRequired();
    const subject = await client.validate(token);
    if (!subject) throw authenticationRequired();
    return contextOf(subject);
  };
}
