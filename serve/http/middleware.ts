import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { AppError } from '../errors';

/** `receivedAt`: performance.now() when the request reached the first middleware (Server-Timing, TTFT). */
export type State = { requestId: string; userId: string; log: Logger; receivedAt: number };

/** Request id, one access-log line per request, and the JSON error envelope. Goes first. */
export function requestContext(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    const started = performance.now();
    const requestId = sanitizeId(ctx.get('x-request-id')) ?? randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.receivedAt = started;
    ctx.state.log = logger.child({ requestId });
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
      if (ctx.status === 404 && ctx.body == null && ctx.respond !== false) {
        throw new AppError(404, 'not_found', `No route for ${ctx.method} ${ctx.path}`);
      }
    } catch (err) {
      renderError(ctx, err);
    } finally {
      const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? ctx.path;
      const line = { method: ctx.method, route, status: ctx.respond === false ? ctx.res.statusCode : ctx.status, durationMs: Math.round((performance.now() - started) * 100) / 100 };
      (ctx.state.log as Logger)[ctx.status >= 500 ? 'error' : 'info'](line, 'request');
    }
  };
}

export function renderError(ctx: Context, err: unknown) {
  const log = ctx.state.log as Logger;
  if (ctx.respond === false || ctx.headerSent) {
    log.error({ err }, 'error after the response started');
    return;
  }
  if (err instanceof AppError) {
    ctx.status = err.status;
    for (const [k, v] of Object.entries(err.headers)) ctx.set(k, v);
    ctx.body = { error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) } };
    return;
  }
  log.error({ err }, 'unhandled error');
  ctx.status = 500;
  ctx.body = { error: { code: 'internal_error', message: 'Internal server error' } };
}

export const USER_ID = /^[A-Za-z0-9_.@-]{1,128}$/;

/** Until authentication exists, the caller names itself with X-Memocha-User (or acts as the default user). */
export function resolveUser(defaultUserId: string, ensure: (id: string) => Promise<void>) {
  const known = new Set<string>();
  return async (ctx: Context, next: Next) => {
    const header = ctx.get('x-memocha-user');
    const userId = header === '' ? defaultUserId : header;
    if (!USER_ID.test(userId)) {
      throw new AppError(400, 'invalid_user', 'X-Memocha-User must be 1-128 characters of letters, digits, _ . @ -');
    }
    if (!known.has(userId)) {
      await ensure(userId);
      known.add(userId);
    }
    ctx.state.userId = userId;
    await next();
  };
}

function sanitizeId(value: string): string | undefined {
  return /^[A-Za-z0-9_.:-]{1,128}$/.test(value) ? value : undefined;
}
