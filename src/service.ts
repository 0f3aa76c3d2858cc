// Starts a complete Neutrino service from a configuration: the app, the Networking API
// listener and (with the embedded identity) its Keystone listener.
import type { FastifyInstance } from 'fastify';
import { createApp, type App } from './app.ts';
import type { NeutrinoConfig } from './config/index.ts';
import { buildServer } from './api/server.ts';
import { noauthAuthenticator } from './api/context.ts';

export interface RunningService {
  app: App;
  api: FastifyInstance;
  /** Base URL of the Networking API. */
  url: string;
  close(): Promise<void>;
}

export async function startService(config: NeutrinoConfig): Promise<RunningService> {
  const app = await createApp(config);
  const api = buildServer(app, { authenticator: noauthAuthenticator });
  await api.listen({ host: config.api.host, port: config.api.port });
  const address = api.server.address();
  const port = typeof address === 'object' && address ? address.port : config.api.port;
  if (config.api.port === 0) config.api.port = port;
  app.log.info({ port, database: config.database.url.replace(/:[^:@/]*@/, ':***@') }, 'neutrino API listening');
  return {
    app,
    api,
    url: `http://${config.api.host}:${port}`,
    async close() {
      await api.close();
      await app.close();
    },
  };
}
