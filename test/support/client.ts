import { readSse, type SseItem } from '../../eval/client/sse';

export interface ParsedEvent {
  event: string;
  data: Record<string, unknown>;
}

/** POST JSON and parse the SSE answer into events (data JSON-decoded) and keep-alive comments. */
export async function postSse(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify(body),
    signal,
  });
  const events: ParsedEvent[] = [];
  const comments: string[] = [];
  if (res.headers.get('content-type')?.startsWith('text/event-stream') && res.body) {
    for await (const item of readSse(res.body) as AsyncGenerator<SseItem>) {
      if (item.kind === 'comment') comments.push(item.text);
      else events.push({ event: item.event.event, data: JSON.parse(item.event.data) as Record<string, unknown> });
    }
    return { status: res.status, headers: res.headers, events, comments, json: undefined };
  }
  return { status: res.status, headers: res.headers, events, comments, json: (await res.json()) as Record<string, unknown> };
}

export async function api(url: string, init: { method?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {}) {
  const res = await fetch(url, {
    method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'),
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.raw ?? (init.body !== undefined ? JSON.stringify(init.body) : undefined),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test helper: bodies are checked field by field
  const json = (text ? JSON.parse(text) : undefined) as any;
  return { status: res.status, headers: res.headers, json };
}
