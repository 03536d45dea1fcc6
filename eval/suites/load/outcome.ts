/**
 * How a request ended, as a client sees it. Memocha answers SSE requests with 200 and then reports a
 * failure as an `error` event; the status a JSON client would have got for it (serve/chat/llm-errors.ts)
 * is the request's *effective status*, so 503s count the same whatever the transport.
 */
import type { ChatResult } from '../../client/chat';

const CODE_STATUS: Readonly<Record<string, number>> = {
  llm_unavailable: 503,
  llm_overloaded: 503,
  llm_rate_limited: 503,
  server_shutting_down: 503,
  llm_timeout: 504,
  llm_error: 502,
  llm_rejected: 502,
  internal_error: 500,
  client_closed: 499,
  session_deleted: 410,
  memories_forgotten: 409,
};

/** 200 when ok; the HTTP status when it was not 200; the mapped code of an SSE error event; 0 for a transport failure. */
export function effectiveStatus(r: ChatResult): number {
  if (r.ok) return 200;
  if (r.status !== 200 && r.status !== 0) return r.status;
  if (r.errorCode !== undefined) return CODE_STATUS[r.errorCode] ?? 500;
  return 0;
}

/** The client was told its message was stored: the SSE `meta` event arrived (it carries the ids) or the answer completed. */
export function acknowledged(r: ChatResult): boolean {
  return r.ok || r.messageId !== undefined;
}

/** The text the client received, as it would show it. */
export function receivedText(r: ChatResult): string {
  return r.chunks.map((c) => c.text).join('');
}
