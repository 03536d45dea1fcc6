/** The hot queries of a chat turn and of the session list, as the server calls them through the repos. */
import { randomUUID } from 'node:crypto';
import type { Repos } from '../../../serve';
import { createRng } from '../../metrics/random';
import { filler } from '../../lib/filler';
import type { Seeded } from './seed';

export interface HotQuery {
  name: string;
  /** what it stands for, for the report */
  what: string;
  run(i: number): Promise<unknown>;
}

/** History window the server loads per turn (HISTORY_WINDOW default). */
export const HISTORY_N = 20;
export const PAGE_SIZE = 20;

/** The cursor of page `page` (1-based) of the user's session list: walks the pages once. */
export async function cursorOfPage(repos: Repos, userId: string, page: number): Promise<string | undefined> {
  let cursor: string | undefined;
  for (let p = 1; p < page; p++) {
    const res = await repos.sessions.list({ userId, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
    if (!res.nextCursor) return cursor;
    cursor = res.nextCursor;
  }
  return cursor;
}

export async function hotQueries(repos: Repos, s: Seeded, opts: { deepPage: number; seed: number }): Promise<HotQuery[]> {
  const out: HotQuery[] = [];
  for (const [size, ids] of s.history) {
    out.push({
      name: `history_${size}`,
      what: `messages.recent(session with ${size} messages, ${HISTORY_N})`,
      run: (i) => repos.messages.recent(ids[i % ids.length] as string, HISTORY_N),
    });
  }
  out.push({ name: 'sessions_page_1', what: `sessions.list(user with many sessions, limit ${PAGE_SIZE})`, run: () => repos.sessions.list({ userId: s.heavyUser, limit: PAGE_SIZE }) });
  const deep = await cursorOfPage(repos, s.heavyUser, opts.deepPage);
  if (deep) {
    out.push({
      name: `sessions_page_${opts.deepPage}`,
      what: `sessions.list(same user, limit ${PAGE_SIZE}, cursor of page ${opts.deepPage})`,
      run: () => repos.sessions.list({ userId: s.heavyUser, limit: PAGE_SIZE, cursor: deep }),
    });
  }
  const rng = createRng(opts.seed);
  const texts = Array.from({ length: 64 }, () => filler(rng, 300));
  out.push({
    name: 'message_insert',
    what: 'messages.insert(user message, ~300 chars)',
    run: (i) => repos.messages.insert({ sessionId: s.insertSession, userId: s.insertUser, role: 'user', content: texts[i % texts.length] as string, status: 'complete' }),
  });
  out.push({
    name: 'turn_start',
    what: `turns.start(session check, window of ${HISTORY_N}, user message ~300 chars, pending answer: a turn's one call before the LLM)`,
    run: (i) =>
      repos.turns.start({
        userId: s.insertUser,
        sessionId: s.insertSession,
        window: HISTORY_N,
        userMessage: { id: randomUUID(), content: texts[i % texts.length] as string },
        answer: { id: randomUUID(), model: 'bench', instanceId: 'bench' },
      }),
  });
  return out;
}
