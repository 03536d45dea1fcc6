/** What the server holds and reports, read back after a run: stored messages, and breaker states from /readyz. */
import type { Repos } from '../../../serve';
import type { BreakerState } from '../reliability/breaker-timeline';
import type { StoredMessage } from './ledger';

interface PageLike {
  items: { id: string; sessionId: string; role: string; content: string; status: string }[];
  nextCursor: string | null;
}

const toStored = (p: PageLike): StoredMessage[] => p.items.map((m) => ({ id: m.id, sessionId: m.sessionId, role: m.role, content: m.content, status: m.status }));

/** Every message of a session through the repos (in-process target). */
export async function messagesFromRepos(repos: Repos, sessionId: string, userId: string): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  let cursor: string | undefined;
  do {
    const page: PageLike = await repos.messages.list({ sessionId, userId, limit: 200, ...(cursor ? { cursor } : {}) });
    out.push(...toStored(page));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** Every message of a session through GET /v1/sessions/:id/messages (child or URL target). */
export async function messagesOverHttp(baseUrl: string, sessionId: string, userId: string): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  let cursor: string | undefined;
  do {
    const q = new URLSearchParams({ limit: '200', ...(cursor ? { cursor } : {}) });
    const res = await fetch(`${baseUrl}/v1/sessions/${encodeURIComponent(sessionId)}/messages?${q}`, { headers: { 'x-memocha-user': userId } });
    if (res.status === 404) return out;
    if (!res.ok) throw new Error(`GET messages of session ${sessionId}: HTTP ${res.status}`);
    const page = (await res.json()) as PageLike;
    out.push(...toStored(page));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** The state of the primary provider's breaker, from /readyz (null when unreadable). */
export async function readBreakerState(baseUrl: string): Promise<BreakerState | null> {
  try {
    const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(1_000) });
    const body = (await res.json()) as { llm?: { breakers?: { state?: string }[] } };
    const s = body.llm?.breakers?.[0]?.state;
    return s === 'open' || s === 'halfOpen' || s === 'closed' ? s : null;
  } catch {
    return null;
  }
}

/** Poll /readyz every `intervalMs` until stopped; the polls carry epoch ms. */
export function pollBreaker(baseUrl: string, intervalMs = 100): { stop(): Promise<{ at: number; state: BreakerState }[]> } {
  const polls: { at: number; state: BreakerState }[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      const state = await readBreakerState(baseUrl);
      if (state) polls.push({ at, state });
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return polls;
    },
  };
}
