import Router from '@koa/router';
import { z } from 'zod';
import type { Repos } from '../db/repos';
import { NotFoundError } from '../errors';
import { parseWith, readJson, requireUuid } from '../http/body';

// PostgreSQL text cannot hold NUL: refuse it here instead of failing in the driver.
const title = () => z.string().max(200).refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');
const createBody = z.object({ title: title().optional() }).strict();
const renameBody = z.object({ title: title().nullable() }).strict();
const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});
const listQuery = pageQuery.extend({ q: title().optional() });

/**
 * `forgetSession` removes what else belongs to a deleted session (its long-term memories);
 * `cancelTurns` stops the session's running turns first, so none writes into it after the delete.
 */
export function sessionRoutes(
  repos: Repos,
  maxBodyBytes: number,
  forgetSession?: (userId: string, sessionId: string) => Promise<unknown>,
  cancelTurns?: (userId: string, sessionId: string) => void,
) {
  const router = new Router();

  router.post('/v1/sessions', async (ctx) => {
    const body = parseWith(createBody, await readJson(ctx, maxBodyBytes));
    ctx.status = 201;
    ctx.body = await repos.sessions.create({ userId: ctx.state.userId, title: body.title });
  });

  router.get('/v1/sessions', async (ctx) => {
    const q = parseWith(listQuery, ctx.query, 'query');
    const titleContains = q.q?.trim() || undefined;
    ctx.body = await repos.sessions.list({ userId: ctx.state.userId, limit: q.limit, cursor: q.cursor, titleContains });
  });

  router.get('/v1/sessions/:id', async (ctx) => {
    const id = requireUuid(ctx.params.id, 'session id');
    const session = await repos.sessions.get(ctx.state.userId, id);
    if (!session) throw new NotFoundError('session', id);
    ctx.body = session;
  });

  router.patch('/v1/sessions/:id', async (ctx) => {
    const id = requireUuid(ctx.params.id, 'session id');
    const body = parseWith(renameBody, await readJson(ctx, maxBodyBytes));
    const session = await repos.sessions.rename(ctx.state.userId, id, body.title?.trim() || null);
    if (!session) throw new NotFoundError('session', id);
    ctx.body = session;
  });

  router.delete('/v1/sessions/:id', async (ctx) => {
    const id = requireUuid(ctx.params.id, 'session id');
    cancelTurns?.(ctx.state.userId, id);
    if (!(await repos.sessions.remove(ctx.state.userId, id))) throw new NotFoundError('session', id);
    await forgetSession?.(ctx.state.userId, id);
    ctx.status = 204;
  });

  router.get('/v1/sessions/:id/messages', async (ctx) => {
    const id = requireUuid(ctx.params.id, 'session id');
    const q = parseWith(pageQuery, ctx.query, 'query');
    if (!(await repos.sessions.get(ctx.state.userId, id))) throw new NotFoundError('session', id);
    ctx.body = await repos.messages.list({ sessionId: id, userId: ctx.state.userId, limit: q.limit, cursor: q.cursor });
  });

  return router;
}
