// A Neutrino as an operator runs it: the embedded identity (Keystone v3) on its own port,
// the Networking API on another, on a fresh SQLite database. For tests that drive real
// OpenStack clients, which authenticate against Keystone and find the API in the catalog.
import { randomBytes } from 'node:crypto';
import { loadConfig, type NeutrinoConfig } from '../../src/config/index.ts';
import { startService, type RunningService } from '../../src/service.ts';
import { freshDatabase } from './server.ts';
import { freePort } from './process.ts';

export interface EmbeddedIdentityServer {
  service: RunningService;
  config: NeutrinoConfig;
  /** Keystone v3 URL clients authenticate against (OS_AUTH_URL). */
  authUrl: string;
  adminPassword: string;
  close(): Promise<void>;
}

export async function startEmbeddedIdentityServer(overrides: Record<string, unknown> = {}): Promise<EmbeddedIdentityServer> {
  const db = await freshDatabase('sqlite');
  const adminPassword = randomBytes(12).toString('hex');
  const identityPort = await freePort();
  const apiPort = await freePort();
  const config = loadConfig({
    env: {},
    overrides: {
      'api.host': '127.0.0.1',
      'api.port': apiPort,
      'database.url': db.url,
      'auth.strategy': 'embedded',
      'auth.admin_password': adminPassword,
      'auth.identity_host': '127.0.0.1',
      'auth.identity_port': identityPort,
      'log.level': 'warn',
      ...overrides,
    },
  });
  const service = await startService(config);
  return {
    service,
    config,
    authUrl: `http://127.0.0.1:${identityPort}/v3`,
    adminPassword,
    async close() {
      await service.close();
      await db.drop();
    },
  };
}
