import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from '@vigil/shared';
import type { ApiDeps } from './deps.js';
import { installAuth } from './auth.js';
import type { HttpListener, RequestHandler } from './listener.js';
import { frameworkErrors, installErrorHandler } from './errors.js';
import { installConsole } from './routes/console.js';
import { eventRoutes } from './routes/events.js';
import { diagnoseRoutes } from './routes/diagnose.js';
import { incidentRoutes } from './routes/incidents.js';
import { silenceRoutes } from './routes/silences.js';
import { predictionRoutes } from '../predictions/index.js';
import { healthRoutes } from './routes/health.js';
import { hostRoutes } from './routes/hosts.js';
import { metricsRoutes } from './routes/metrics.js';
import { installOpenApi, openApiRoutes } from './routes/openapi.js';
import { serviceRoutes } from './routes/services.js';
import { seriesRoutes } from './routes/series.js';

export interface AppOptions {
  logger?: Logger;
  /** PEM key and certificate: the API is served over HTTPS when given. */
  https?: { key: Buffer; cert: Buffer };
  /**
   * A listener bound already (http/listener.ts): the app hands it its request handler and
   * is never listened itself (`https` is the listener's business then); the caller opens
   * the listener once the app is ready.
   */
  listener?: HttpListener;
}

/** Builds the API without listening, so tests can use inject() and main can listen. */
export async function buildApp(deps: ApiDeps, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger,
    bodyLimit: 64 * 1024,
    // Request lines would drown the log under load; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors,
    ...(opts.listener
      ? {
          serverFactory: (handler: RequestHandler) => {
            opts.listener!.handle(handler);
            return opts.listener!.server;
          },
        }
      : opts.https
        ? { https: opts.https }
        : {}),
  }) as unknown as FastifyInstance;
  installErrorHandler(app, deps.storeGuard);
  installConsole(app); // before the token hook: the page's files load without a token, its API calls carry one
  installAuth(app, deps.tokens, deps.now);
  // Before any route: the document is built from the routes as they are registered.
  await installOpenApi(app, deps.version);
  await app.register(healthRoutes, { deps });
  await app.register(hostRoutes, { deps });
  await app.register(incidentRoutes, { deps });
  await app.register(silenceRoutes, { deps });
  await app.register(diagnoseRoutes, { deps });
  await app.register(serviceRoutes, { deps });
  await app.register(seriesRoutes, { deps });
  await app.register(predictionRoutes, { predictor: deps.predictor });
  await app.register(eventRoutes, { feed: deps.eventFeed });
  await app.register(metricsRoutes, { deps });
  await app.register(openApiRoutes);
  return app;
}
