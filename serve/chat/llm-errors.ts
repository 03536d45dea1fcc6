import { LlmError } from '../llm/types';

export interface ClientError {
  status: number;
  code: string;
  message: string;
  retryAfterS?: number;
}

/** The longest Retry-After passed on to clients, s: an upstream asking for more is not taken at its word. */
export const MAX_RETRY_AFTER_S = 300;

/**
 * How an LLM failure is shown to the client (HTTP status for JSON, `error` event for SSE): a code and a
 * fixed message per code. Upstream text (error bodies, HTML pages, addresses, keys echoed back) never
 * reaches the client; it is in the server log only (with secrets redacted: serve/logger.ts).
 */
export function toClientError(err: unknown): ClientError {
  if (!(err instanceof LlmError)) {
    return { status: 500, code: 'internal_error', message: 'Internal error while answering' };
  }
  const ms = err.opts.retryAfterMs;
  const retryAfterS = ms !== undefined && Number.isFinite(ms) ? Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil(ms / 1000))) : undefined;
  const after = retryAfterS !== undefined ? { retryAfterS } : {};
  switch (err.kind) {
    case 'breaker_open':
      return { status: 503, code: 'llm_unavailable', message: 'The language model is unavailable (circuit open); retry later', retryAfterS: retryAfterS ?? 5 };
    case 'queue_full':
      return { status: 503, code: 'llm_overloaded', message: 'Too many requests waiting for the language model; retry later', retryAfterS: retryAfterS ?? 1 };
    case 'rate_limited':
      return { status: 503, code: 'llm_rate_limited', message: 'The language model provider is rate limiting; retry later', retryAfterS: retryAfterS ?? 5 };
    case 'timeout':
      return { status: 504, code: 'llm_timeout', message: 'The language model did not answer in time (timeout)' };
    case 'deadline':
      return { status: 504, code: 'llm_timeout', message: 'The language model did not answer in time (deadline)' };
    case 'aborted':
      return { status: 499, code: 'client_closed', message: 'The client closed the request' };
    case 'client':
      return { status: 502, code: 'llm_rejected', message: 'The language model provider rejected the request' };
    case 'bad_response':
      return { status: 502, code: 'llm_error', message: 'The language model sent a broken or incomplete answer', ...after };
    default:
      return { status: 502, code: 'llm_error', message: 'The language model failed', ...after };
  }
}
