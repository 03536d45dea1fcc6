import Router from '@koa/router';
import { z } from 'zod';
import type { FullMemoryService } from '../memory/service';
import { AppError, NotFoundError } from '../errors';
import type { Repos } from '../db/repos';
import { parseWith, requireUuid } from '../http/body';

const isoDate = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO date or date-time')
  .transform((s) => new Date(s));

const searchQuery = z.object({
  q: z.string().min(1, 'is required').max(4_000),
  sessionId: z.string().optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  k: z.coerce.number().int().min(1).max(100).default(10),
});

/** Search and clear the caller's long-term memories. */
export function memoryRoutes(repos: Repos, memory: FullMemoryService | undefined) {
  const router = new Router();
  const need = () => {
    if (!memory) throw new AppError(404, 'memory_disabled', 'Long-term memory is disabled (MEMORY_ENABLED=false)');
    return memory;
  };

  router.get('/v1/memories', async (ctx) => {
    const q = parseWith(searchQuery, ctx.query, 'query');
    const sessionId = q.sessionId === undefined ? undefined : requireUuid(q.sessionId, 'sessionId');
    const memories = await need()
      .search({ userId: ctx.state.userId, query: q.q, sessionId, from: q.from, to: q.to, k: q.k })
      .catch((err: unknown) => {
        throw new AppError(503, 'memory_unavailable', `Memory search failed: ${err instanceof Error ? err.message : String(err)}`);
      });
    ctx.body = { items: memories };
  });

  router.delete('/v1/memories', async (ctx) => {
    ctx.body = { deleted: await need().clear(ctx.state.userId) };
  });

  router.delete('/v1/sessions/:id/memories', async (ctx) => {
    const id = requireUuid(ctx.params.id, 'session id');
    if (!(await repos.sessions.get(ctx.state.userId, id))) throw new NotFoundError('session', id);
    ctx.body = { deleted: await need().clear(ctx.state.userId, id) };
  });

  return router;
}
