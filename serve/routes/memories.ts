import Router from '@koa/router';
import { z } from 'zod';
import type { FullMemoryService } from '../memory/service';
import { AppError, NotFoundError } from '../errors';
import type { Repos } from '../db/repos';
import { parseWith, requireUuid } from '../http/body';
import { decodeCursor, encodeCursor, isRealTimestamp } from '../db/repos/util';
import type { StoredMemory } from '../memory/store/types';
import type { Logger } from 'pino';

const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** A real calendar date (no Feb 31) in years 1-9999: PostgreSQL rejects year 0 and JS Date rolls over bad days. */
function isoInstant(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m || !isRealTimestamp(`${m[1]}T00:00:00Z`)) return false;
  const t = Date.parse(s);
  if (Number.isNaN(t)) return false;
  const year = new Date(t).getUTCFullYear();
  return year >= 1 && year <= 9999;
}

const isoDate = z
  .string()
  .refine(isoInstant, 'must be an ISO date or date-time (YYYY-MM-DD[THH:MM[:SS[.fff]][Z|±HH:MM]]) in years 0001-9999')
  .transform((s) => new Date(s));

const searchQuery = z.object({
  q: z.string().min(1, 'is required').max(4_000).refine((s) => !s.includes('\u0000'), 'must not contain NUL characters'),
  sessionId: z.string().optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  k: z.coerce.number().int().min(1).max(100).default(10),
});

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
  sessionId: z.string().optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
});

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The last memory of a page, as an opaque cursor: [createdAt ISO, id]. */
function parseListCursor(cursor: string): { createdAt: Date; id: string } {
  return decodeCursor(cursor, ([at, id]) =>
    typeof at === 'string' && CURSOR_TIME.test(at) && isRealTimestamp(at) && typeof id === 'string' && id.length > 0 && id.length <= 256
      ? { createdAt: new Date(at), id }
      : null,
  );
}

/** List, search and clear the caller's long-term memories. */
/** `cancelTurns` stops the user's running turns (of one session) before their memories are deleted. */
export function memoryRoutes(repos: Repos, memory: FullMemoryService | undefined, cancelTurns?: (userId: string, sessionId?: string) => void) {
  const router = new Router();
  const need = () => {
    if (!memory) throw new AppError(404, 'memory_disabled', 'Long-term memory is disabled (MEMORY_ENABLED=false)');
    return memory;
  };

  router.get('/v1/memories', async (ctx) => {
    // Without `q` the manager's list: newest first, a page at a time.
    if (ctx.query.q === undefined) {
      const l = parseWith(listQuery, ctx.query, 'query');
      const sessionId = l.sessionId === undefined ? undefined : requireUuid(l.sessionId, 'sessionId');
      const after = l.cursor === undefined ? undefined : parseListCursor(l.cursor);
      const m = need();
      const rows = await m.list({ userId: ctx.state.userId, sessionId, from: l.from, to: l.to, limit: l.limit + 1, after }).catch((err: unknown) => {
        (ctx.state.log as Logger).error({ err }, 'memory list failed');
        throw new AppError(503, 'memory_unavailable', 'Listing memories is unavailable; try again later');
      });
      const page = rows.slice(0, l.limit);
      const last = page.at(-1);
      ctx.body = {
        items: await withTitles(repos, ctx.state.userId, page),
        nextCursor: rows.length > l.limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
      };
      return;
    }
    const q = parseWith(searchQuery, ctx.query, 'query');
    const sessionId = q.sessionId === undefined ? undefined : requireUuid(q.sessionId, 'sessionId');
    const memories = await need()
      .search({ userId: ctx.state.userId, query: q.q, sessionId, from: q.from, to: q.to, k: q.k })
      .catch((err: unknown) => {
        // The cause (often SQL text) goes to the log only.
        (ctx.state.log as Logger).error({ err }, 'memory search failed');
        throw new AppError(503, 'memory_unavailable', 'Memory search is unavailable; try again later');
      });
    ctx.body = { items: memories };
  });

  router.delete('/v1/memories', async (ctx) => {
    const m = need();
    cancelTurns?.(ctx.state.userId);
    ctx.body = { deleted: await m.clear(ctx.state.userId) };
  });

  router.delete('/v1/memories/:id', async (ctx) => {
    const id = requireUuid(ctx.params.id, 'memory id');
    const m = need();
    if (!(await m.forgetOne(ctx.state.userId, id))) throw new NotFoundError('memory', id);
    ctx.status = 204;
  });

  router.delete('/v1/sessions/:id/memories', async (ctx) => {
    const id = requireUuid(ctx.params.id, 'session id');
    if (!(await repos.sessions.get(ctx.state.userId, id))) throw new NotFoundError('session', id);
    const m = need();
    cancelTurns?.(ctx.state.userId, id);
    ctx.body = { deleted: await m.clear(ctx.state.userId, id) };
  });

  return router;
}

/** The page's memories as the API shows them, with their chat's title (one lookup per distinct chat). */
async function withTitles(repos: Repos, userId: string, page: StoredMemory[]) {
  const sessionIds = [...new Set(page.map((m) => m.sessionId).filter((id): id is string => id !== null))];
  const titles = new Map(await Promise.all(sessionIds.map(async (id) => [id, (await repos.sessions.get(userId, id))?.title ?? null] as const)));
  return page.map((m) => ({
    id: m.id,
    text: m.text,
    role: m.role,
    sessionId: m.sessionId,
    sessionTitle: m.sessionId ? (titles.get(m.sessionId) ?? null) : null,
    createdAt: m.createdAt.toISOString(),
  }));
}
