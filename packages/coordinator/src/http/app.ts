import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from '@vigil/shared';
import type { ApiDeps } from './deps.js';
import { installErrorHandler } from './errors.js';
import { healthRoutes } from './routes/health.js';
import { hostRoutes } from './routes/hosts.js';
import { metricsRoutes } from './routes/metrics.js';
import { openApiRoutes } from './routes/openapi.js';

export interface AppOptions {
  logger?: Logger;
  /** PEM key and certificate: the API is served over HTTPS when given. */
  https?: { key: Buffer; cert: Buffer };
}

/** Builds the API without listening, so tests can use inject() and main can listen. */
export async function buildApp(deps: ApiDeps, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger,
    bodyLimit: 64 * 1024,
    // Request lines would drown the log under load; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    ...(opts.https ? { https: opts.https } : {}),
  }) as unknown as FastifyInstance;
  installErrorHandler(app);
  await app.register(healthRoutes, { deps });
  await app.register(hostRoutes, { deps });
  await app.register(metricsRoutes, { deps });
  await app.register(openApiRoutes, { version: deps.version });
  return app;
}
