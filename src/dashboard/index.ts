// The web dashboard on the Networking API's listener, at /dashboard/. It serves the front end
// bundled at build time (`npm run build` → dist/dashboard-ui/, see build.ts) without
// authentication; every piece of data the page shows comes from the public APIs with the
// signed-in user's own token. The identity service listens on another port, so the few
// identity calls the page makes (sign in, list projects, sign out) are passed through
// unchanged under /dashboard/identity/ to the identity endpoint this server already names in
// its 401 answers: same origin for the browser, no privileges added.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface DashboardOptions {
  /** Identity (Keystone v3) endpoint; without one (auth.strategy noauth) signing in is refused. */
  authUri?: string;
  /** Folder of the built front end; default dist/dashboard-ui/ of this checkout. */
  dir?: string;
}

/** Where `npm run build` puts the bundle (the same from src/dashboard/ and dist/dashboard/). */
export const DEFAULT_UI_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/dashboard-ui');

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
  br: Buffer;
  etag: string;
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

/** The built files, read and compressed once (re-read when the bundle's index changes). */
class AssetStore {
  private assets = new Map<string, Asset>();
  private loadedFrom = '';

  constructor(private readonly dir: string) {}

  get(name: string): Asset | undefined {
    this.refresh();
    return this.assets.get(name);
  }

  private refresh(): void {
    let stamp: string;
    try {
      const st = fs.statSync(path.join(this.dir, 'index.html'));
      stamp = `${st.mtimeMs}:${st.size}`;
    } catch {
      this.assets.clear();
      this.loadedFrom = '';
      return;
    }
    if (stamp === this.loadedFrom) return;
    const assets = new Map<string, Asset>();
    for (const name of fs.readdirSync(this.dir)) {
      const type = TYPES[path.extname(name)];
      if (!type || name.startsWith('.')) continue;
      let body: Buffer;
      try {
        body = fs.readFileSync(path.join(this.dir, name));
      } catch {
        continue; // removed by a newer build meanwhile
      }
      assets.set(name, {
        type,
        body,
        gzip: zlib.gzipSync(body, { level: 9 }),
        br: zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }),
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        // Bundled files carry a content hash in their names (app-XXXX.js) and never change.
        immutable: /-[A-Z0-9]{8,}\./i.test(name),
      });
    }
    this.assets = assets;
    this.loadedFrom = stamp;
  }
}

const CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

function sendAsset(req: FastifyRequest, reply: FastifyReply, asset: Asset) {
  reply.header('content-type', asset.type).header('etag', asset.etag).header('vary', 'accept-encoding');
  reply.header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  reply.header('x-content-type-options', 'nosniff');
  if (asset.type.startsWith('text/html')) reply.header('content-security-policy', CSP);
  if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  const accept = String(req.headers['accept-encoding'] ?? '');
  if (/\bbr\b/.test(accept)) return reply.header('content-encoding', 'br').send(asset.br);
  if (/\bgzip\b/.test(accept)) return reply.header('content-encoding', 'gzip').send(asset.gzip);
  return reply.send(asset.body);
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Neutrino dashboard</title>
<p>The dashboard has not been built. Run <code>npm run build</code> (or <code>npm start</code>, which builds it).</p>`;

/** Identity calls the page may make, passed through as they are (method, path under /v3). */
const IDENTITY_CALLS: Array<[string, string]> = [
  ['POST', 'auth/tokens'],
  ['DELETE', 'auth/tokens'],
  ['GET', 'auth/projects'],
  ['GET', 'projects'],
];

export function registerDashboard(server: FastifyInstance, options: DashboardOptions = {}): void {
  const store = new AssetStore(options.dir ?? DEFAULT_UI_DIR);
  const config = { public: true };

  server.get('/dashboard', { config }, async (req, reply) => {
    // With ignoreTrailingSlash, /dashboard and /dashboard/ are one route: the page's relative
    // asset URLs need the slash.
    if (!req.url.split('?')[0].endsWith('/')) return reply.redirect('/dashboard/', 301);
    const index = store.get('index.html');
    if (!index) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    return sendAsset(req, reply, index);
  });

  server.get('/dashboard/assets/:name', { config }, async (req, reply) => {
    const asset = store.get((req.params as { name: string }).name);
    if (!asset || (req.params as { name: string }).name === 'index.html') {
      return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    }
    return sendAsset(req, reply, asset);
  });

  const identity = options.authUri?.replace(/\/+$/, '').replace(/\/v3$/, '');
  for (const [method, call] of IDENTITY_CALLS) {
    server.route({
      method: method as 'GET',
      url: `/dashboard/identity/v3/${call}`,
      config,
      handler: async (req, reply) => {
        if (!identity) {
          return reply.code(501).send({ error: { code: 501, title: 'Not Implemented', message: 'This Neutrino has no identity service (auth.strategy is noauth): the dashboard cannot sign in.' } });
        }
        const headers: Record<string, string> = { accept: 'application/json' };
        for (const h of ['x-auth-token', 'x-subject-token', 'content-type']) {
          const v = req.headers[h];
          if (typeof v === 'string') headers[h] = v;
        }
        const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
        let res: Response;
        try {
          res = await fetch(`${identity}/v3/${call}${query}`, {
            method,
            headers,
            body: method === 'POST' ? JSON.stringify(req.body ?? {}) : undefined,
          });
        } catch {
          return reply.code(502).send({ error: { code: 502, title: 'Bad Gateway', message: `The identity service at ${identity} cannot be reached.` } });
        }
        const subject = res.headers.get('x-subject-token');
        if (subject) reply.header('x-subject-token', subject);
        reply.code(res.status).header('cache-control', 'no-store');
        const text = await res.text();
        if (!text) return reply.send();
        return reply.type(res.headers.get('content-type') ?? 'application/json').send(text);
      },
    });
  }
}
