// Starts a complete Neutrino service from a configuration: the app, the Networking API
// listener and (with the embedded identity) its Keystone listener, with the
// authentication strategy the configuration names.
import type { FastifyInstance } from 'fastify';
import { createApp, type App } from './app.ts';
import { identityUrl, type NeutrinoConfig } from './config/index.ts';
import { buildServer } from './api/server.ts';
import { noauthAuthenticator, type Authenticator } from './foundation/context.ts';
import { Identity } from './identity/identity.ts';
import { buildIdentityServer } from './identity/http/server.ts';
import { announceBootstrap, bootstrapIdentity, refreshCatalog, type BootstrapResult } from './identity/bootstrap.ts';
import { embeddedAuthenticator } from './identity/authenticators.ts';
import { KeystoneClient, keystoneAuthenticator } from './identity/keystone-client.ts';
import { startMetricsListener, type MetricsListener } from './api/observability/metrics.ts';
import { listenOrExplain } from './api/observability/listen.ts';
import { markServing } from './db/readiness.ts';

export interface RunningService {
  app: App;
  api: FastifyInstance;
  /** Base URL of the Networking API. */
  url: string;
  /** The embedded identity service (strategy `embedded`). */
  identity?: { service: Identity; server: FastifyInstance; url: string };
  /** The Prometheus listener (metrics.enabled). */
  metrics?: MetricsListener;
  close(): Promise<void>;
}

const boundPort = (server: FastifyInstance, fallback: number) => {
  const address = server.server.address();
  return typeof address === 'object' && address ? address.port : fallback;
};

export async function startService(config: NeutrinoConfig): Promise<RunningService> {
  const app = await createApp(config);
  const listeners: { close(): Promise<unknown> }[] = [];
  try {
    let authenticator: Authenticator = noauthAuthenticator;
    let identity: RunningService['identity'];
    // No listener opens before the database is migrated (createApp) and the identity is
    // bootstrapped: a client must never meet a service without its admin or schema.
    const dynamicPorts = config.auth.identity_port === 0 || config.api.port === 0;
    let bootstrapped: BootstrapResult | undefined;
    if (config.auth.strategy === 'embedded') {
      const service = new Identity(app);
      bootstrapped = await bootstrapIdentity(service);
      const server = buildIdentityServer(service);
      listeners.push(server);
      identity = { service, server, url: '' };
      authenticator = embeddedAuthenticator(service);
    } else if (config.auth.strategy === 'keystone') {
      authenticator = keystoneAuthenticator(new KeystoneClient(config.auth));
    }

    if (identity) {
      await listenOrExplain(identity.server, { listener: 'identity', host: config.auth.identity_host, port: config.auth.identity_port, setting: 'auth.identity_port' });
      config.auth.identity_port = boundPort(identity.server, config.auth.identity_port);
      identity.url = identityUrl(config);
    }
    const authUri = identity?.url ?? (config.auth.strategy === 'keystone' ? config.auth.keystone_url : undefined);
    const api = buildServer(app, { authenticator, authUri });
    listeners.push(api);
    await listenOrExplain(api, { listener: 'Networking API', host: config.api.host, port: config.api.port, setting: 'api.port' });
    const port = boundPort(api, config.api.port);
    await app.start(); // backend seam: feed wake-ups/compaction, backend driver
    if (config.api.port === 0) config.api.port = port;
    let metrics: MetricsListener | undefined;
    if (config.metrics.enabled) {
      metrics = await listenOrExplain(() => startMetricsListener(app), { listener: 'metrics', host: config.metrics.host, port: config.metrics.port, setting: 'metrics.port' });
      listeners.push({ close: () => metrics!.close() });
      app.log.info({ url: metrics.url }, 'neutrino metrics listening');
    }

    if (identity) {
      // Listeners on port 0 (tests) learn their ports only now: point the catalog at them.
      if (dynamicPorts) await refreshCatalog(identity.service);
      announceBootstrap(identity.service, bootstrapped!);
      identity.service.startExpiry();
      app.log.info({ url: identity.url }, 'neutrino identity listening');
    }
    app.log.info({ port, database: config.database.url.replace(/:[^:@/]*@/, ':***@'), auth: config.auth.strategy }, 'neutrino API listening');
    markServing(app.database);
    return {
      app,
      api,
      url: `http://${config.api.host}:${port}`,
      identity,
      metrics,
      async close() {
        identity?.service.stopExpiry();
        // Stop accepting and let requests in flight finish on every listener, then close the database.
        await Promise.all(listeners.map((l) => l.close()));
        await app.close();
      },
    };
  } catch (err) {
    for (const l of listeners) await l.close();
    await app.close();
    throw err;
  }
}
