import Koa from 'koa';
import type { Db } from './db';
import { AppError } from './errors';
import { requestContext, resolveUser } from './http/middleware';
import { chatRoutes, type ChatRouteDeps } from './routes/chat';
import { healthRoutes, type Readiness } from './routes/health';
import { memoryRoutes } from './routes/memories';
import { metricsRoutes } from './routes/metrics';
import type { Prometheus } from './observability/prometheus';
import { sessionRoutes } from './routes/sessions';
import type { FullMemoryService } from './memory/service';

export interface AppDeps extends ChatRouteDeps {
  db: Db;
  readiness: Readiness;
  /** Present when long-term memory is enabled. */
  memoryService?: FullMemoryService;
  /** Prometheus metrics (GET /metrics) when present. */
  prometheus?: Prometheus;
}

/** The HTTP app: error envelope and logging first, then health (no user), then the API. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true; // errors are logged by requestContext
  if (deps.prometheus) app.use(deps.prometheus.http());
  app.use(requestContext(deps.logger));

  const health = healthRoutes(deps.readiness);
  app.use(health.routes());
  if (deps.prometheus) app.use(metricsRoutes(deps.prometheus).routes());

  app.use(resolveUser(deps.config.DEFAULT_USER_ID, (id) => deps.repos.users.ensure(id)));
  const memory = deps.memoryService;
  const forget = memory
    ? (userId: string, sessionId: string) =>
        memory.clear(userId, sessionId).catch((err: unknown) => deps.logger.error({ err, sessionId }, 'could not delete the memories of a deleted session'))
    : undefined;
  for (const router of [sessionRoutes(deps.repos, deps.config.MAX_BODY_BYTES, forget), chatRoutes(deps), memoryRoutes(deps.repos, memory)]) {
    app.use(router.routes());
    app.use(router.allowedMethods({ throw: true, notImplemented: () => new AppError(501, 'not_implemented', 'Not implemented'), methodNotAllowed: () => new AppError(405, 'method_not_allowed', 'Method not allowed') }));
  }
  return app;
}
