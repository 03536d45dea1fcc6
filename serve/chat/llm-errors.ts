import { LlmError } from '../llm/types';

export interface ClientError {
  status: number;
  code: string;
  message: string;
  retryAfterS?: number;
}

/** How an LLM failure is shown to the client (HTTP status for JSON, `error` event for SSE). */
export function toClientError(err: unknown): ClientError {
  if (!(err instanceof LlmError)) {
    return { status: 500, code: 'internal_error', message: 'Internal error while answering' };
  }
  const retryAfterS = err.opts.retryAfterMs !== undefined ? Math.max(1, Math.ceil(err.opts.retryAfterMs / 1000)) : undefined;
  switch (err.kind) {
    case 'breaker_open':
      return { status: 503, code: 'llm_unavailable', message: 'The language model is unavailable (circuit open); retry later', retryAfterS: retryAfterS ?? 5 };
    case 'queue_full':
      return { status: 503, code: 'llm_overloaded', message: 'Too many requests waiting for the language model; retry later', retryAfterS: retryAfterS ?? 1 };
    case 'rate_limited':
      return { status: 503, code: 'llm_rate_limited', message: 'The language model provider is rate limiting; retry later', retryAfterS: retryAfterS ?? 5 };
    case 'timeout':
    case 'deadline':
      return { status: 504, code: 'llm_timeout', message: `The language model did not answer in time (${err.kind})` };
    case 'aborted':
      return { status: 499, code: 'client_closed', message: 'The client closed the request' };
    case 'client':
      return { status: 502, code: 'llm_rejected', message: `The language model provider rejected the request: ${err.message}` };
    default:
      return { status: 502, code: 'llm_error', message: `The language model failed: ${err.message}` };
  }
}
