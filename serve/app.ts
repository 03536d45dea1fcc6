import type { Redis } from 'ioredis';
import Koa from 'koa';
import { instanceName } from './config';
import type { Db } from './db';
import { AppError } from './errors';
import { requireApiKey } from './http/auth';
import { requestContext, resolveUser } from './http/middleware';
import { chatRoutes, type ChatRouteDeps } from './routes/chat';
import { healthRoutes, type Readiness } from './routes/health';
import { memoryRoutes } from './routes/memories';
import { metricsRoutes } from './routes/metrics';
import { isOpenAiPath, openAiRoutes } from './routes/openai';
import { openAiErrors } from './openai/shape';
import { reportRoutes } from './routes/reports';
import type { Prometheus } from './observability/prometheus';
import type { Tracing } from './observability/tracing';
import { sessionRoutes } from './routes/sessions';
import { uiRoutes } from './routes/ui';
import type { FullMemoryService } from './memory/service';

export interface AppDeps extends ChatRouteDeps {
  db: Db;
  readiness: Readiness;
  /** Present when long-term memory is enabled. */
  memoryService?: FullMemoryService;
  /** Prometheus metrics (GET /metrics) when present. */
  prometheus?: Prometheus;
  /** OpenTelemetry, when on: the incoming `traceparent` becomes the parent of the request's spans. */
  tracing?: Tracing;
  /** The shared Redis connection when REDIS_URL is set (rate limits, caches). */
  redis?: Redis;
}

/** The HTTP app: error envelope and logging first, then health and metrics (no user, no key), then the API. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true; // errors are logged by requestContext
  // Which instance answered, for the spread across instances behind a load balancer.
  const instance = instanceName(deps.config);
  app.use((ctx, next) => {
    ctx.set('X-Memocha-Instance', instance);
    return next();
  });
  if (deps.prometheus) app.use(deps.prometheus.http());
  if (deps.tracing) app.use(deps.tracing.hooks.traceContextMiddleware());
  app.use(requestContext(deps.logger));

  const health = healthRoutes(deps.readiness);
  app.use(health.routes());
  if (deps.prometheus) app.use(metricsRoutes(deps.prometheus).routes());
  // The web UI's pages and assets (no user, no key: the page asks for the key itself).
  app.use(uiRoutes(deps.logger));

  // The OpenAI-compatible routes answer every error, 401s included, in OpenAI's shape.
  app.use(openAiErrors(isOpenAiPath));
  // AUTH on: the API key names the user (X-Memocha-User is ignored); off: the header does.
  app.use(deps.config.authRequired ? requireApiKey(deps.repos.apiKeys) : resolveUser(deps.config.DEFAULT_USER_ID, (id) => deps.repos.users.ensure(id)));
  const memory = deps.memoryService;
  const forget = memory
    ? (userId: string, sessionId: string) =>
        memory.clear(userId, sessionId).catch((err: unknown) => deps.logger.error({ err, sessionId }, 'could not delete the memories of a deleted session'))
    : undefined;
  // Forgetting wins: a delete first stops the matching running turns (their streams end with an error event).
  const cancelForSession = (userId: string, sessionId: string) => void deps.turns.cancel({ userId, sessionId }, 'session_deleted');
  const cancelForMemories = (userId: string, sessionId?: string) => void deps.turns.cancel({ userId, ...(sessionId ? { sessionId } : {}) }, 'memories_forgotten');
  // A method no route knows (PROPFIND) is the client's mistake: 405, not koa-router's 501.
  for (const router of [sessionRoutes(deps.repos, deps.config.MAX_BODY_BYTES, forget, cancelForSession), chatRoutes(deps), memoryRoutes(deps.repos, memory, cancelForMemories), openAiRoutes(deps), reportRoutes(deps.config.REPORTS_DIR)]) {
    app.use(router.routes());
    app.use(router.allowedMethods({ throw: true, notImplemented: () => new AppError(405, 'method_not_allowed', 'Method not supported'), methodNotAllowed: () => new AppError(405, 'method_not_allowed', 'Method not allowed') }));
  }
  return app;
}
