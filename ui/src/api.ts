import { readSse } from './sse';
import type { ListedMemory, MessageRow, Page, Session, TurnDone, TurnError, TurnMeta, UsedMemory } from './types';

/** An API answer that is not 2xx: its envelope's code and message ({"error": {code, message}}). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** How requests name their user: an API key (AUTH on) or the X-Memocha-User header (AUTH off). */
export interface Credentials {
  apiKey?: string;
  user?: string;
}

export interface StreamHandlers {
  meta(m: TurnMeta): void;
  token(text: string): void;
  done(d: TurnDone): void;
  error(e: TurnError): void;
}

export class Api {
  constructor(private readonly credentials: () => Credentials) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const c = this.credentials();
    const h: Record<string, string> = { ...extra };
    if (c.apiKey) h.authorization = `Bearer ${c.apiKey}`;
    else if (c.user) h['x-memocha-user'] = c.user;
    return h;
  }

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const res = await fetch(path, {
      method,
      headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    if (!res.ok) throw await toApiError(res);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  listSessions(q: { query?: string; cursor?: string | null; limit?: number } = {}): Promise<Page<Session>> {
    const p = new URLSearchParams({ limit: String(q.limit ?? 30) });
    if (q.query) p.set('q', q.query);
    if (q.cursor) p.set('cursor', q.cursor);
    return this.request('GET', `/v1/sessions?${p}`);
  }
  createSession(title?: string): Promise<Session> {
    return this.request('POST', '/v1/sessions', title ? { title } : {});
  }
  renameSession(id: string, title: string): Promise<Session> {
    return this.request('PATCH', `/v1/sessions/${id}`, { title });
  }
  deleteSession(id: string): Promise<void> {
    return this.request('DELETE', `/v1/sessions/${id}`);
  }
  /** Every message of the session, oldest first (all pages). */
  async messages(sessionId: string, signal?: AbortSignal): Promise<MessageRow[]> {
    const all: MessageRow[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<MessageRow> = await this.request('GET', `/v1/sessions/${sessionId}/messages?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, undefined, signal);
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }
  /** The user's memories, newest first, a page at a time. */
  listMemories(q: { cursor?: string | null; limit?: number } = {}): Promise<Page<ListedMemory>> {
    const p = new URLSearchParams({ limit: String(q.limit ?? 20) });
    if (q.cursor) p.set('cursor', q.cursor);
    return this.request('GET', `/v1/memories?${p}`);
  }
  searchMemories(query: string, k = 20): Promise<{ items: UsedMemory[] }> {
    return this.request('GET', `/v1/memories?${new URLSearchParams({ q: query, k: String(k) })}`);
  }
  deleteMemory(id: string): Promise<void> {
    return this.request('DELETE', `/v1/memories/${id}`);
  }
  forgetAll(): Promise<{ deleted: number }> {
    return this.request('DELETE', '/v1/memories');
  }

  /**
   * Sends a message and streams the answer. Resolves when the stream ends; rejects with ApiError when
   * the request is refused, with the fetch error on network loss, with an AbortError when stopped.
   */
  async send(sessionId: string, content: string, on: StreamHandlers, signal: AbortSignal): Promise<void> {
    const res = await fetch(`/v1/sessions/${sessionId}/messages`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json', accept: 'text/event-stream' }),
      body: JSON.stringify({ content }),
      signal,
    });
    if (!res.ok || !res.body) throw await toApiError(res);
    for await (const ev of readSse(res.body)) {
      if (ev.event === 'token') on.token((JSON.parse(ev.data) as { text: string }).text);
      else if (ev.event === 'meta') on.meta(JSON.parse(ev.data) as TurnMeta);
      else if (ev.event === 'done') on.done(JSON.parse(ev.data) as TurnDone);
      else if (ev.event === 'error') on.error(JSON.parse(ev.data) as TurnError);
    }
  }
}

async function toApiError(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  return new ApiError(res.status, body?.error?.code ?? `http_${res.status}`, body?.error?.message ?? `${res.status} ${res.statusText}`);
}
