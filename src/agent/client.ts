// The agent's HTTP client for the Networking API: JSON calls with the agent's credentials
// (a token, Keystone v3 password authentication renewed on 401, or noauth headers).
import type { AgentAuth } from './config.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: any,
    what: string,
  ) {
    super(`${what} answered ${status}: ${JSON.stringify(body?.NeutronError?.message ?? body).slice(0, 300)}`);
  }
}

/** An error as one log field: fetch's "fetch failed" says why only in its cause (ECONNRESET, ...). */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message}: ${(cause as { code?: string }).code ?? ''} ${cause.message}`.trim() : err.message;
}

export class AgentClient {
  private token: string | undefined;

  constructor(
    readonly server: string,
    private readonly auth: AgentAuth,
  ) {
    this.token = auth.token;
  }

  private async authenticate(): Promise<void> {
    const a = this.auth;
    if (a.token || a.noauth || !a.url) return;
    const res = await fetch(`${a.url.replace(/\/$/, '')}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: a.username, domain: { name: a.user_domain ?? 'Default' }, password: a.password } } },
          scope: { project: { name: a.project ?? 'service', domain: { name: a.project_domain ?? 'Default' } } },
        },
      }),
    });
    if (res.status !== 201) throw new ApiError(res.status, await res.json().catch(() => null), 'Keystone authentication');
    this.token = res.headers.get('x-subject-token') ?? undefined;
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json' };
    if (this.auth.noauth) h['x-roles'] = this.auth.roles ?? 'admin,service';
    else if (this.token) h['x-auth-token'] = this.token;
    return h;
  }

  async call(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<any> {
    if (!this.token && !this.auth.noauth && this.auth.url) await this.authenticate();
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${this.server.replace(/\/$/, '')}${path}`, { method, headers: this.headers(), body: body === undefined ? undefined : JSON.stringify(body), signal });
      const text = await res.text();
      const parsed = text ? JSON.parse(text) : null;
      if (res.status === 401 && attempt === 0 && this.auth.url && !this.auth.token) {
        this.token = undefined;
        await this.authenticate();
        continue;
      }
      if (res.status >= 400) throw new ApiError(res.status, parsed, `${method} ${path.split('?')[0]}`);
      return parsed;
    }
  }

  get = (path: string, signal?: AbortSignal) => this.call('GET', path, undefined, signal);
  post = (path: string, body: unknown) => this.call('POST', path, body);
  put = (path: string, body: unknown) => this.call('PUT', path, body);
  delete = (path: string) => this.call('DELETE', path);

  /** Every page of a collection. */
  async list(collection: string, query = ''): Promise<any[]> {
    const key = collection.replace(/-/g, '_');
    const out = await this.get(`/v2.0/${collection}${query ? `?${query}` : ''}`);
    return out[key] ?? [];
  }
}
