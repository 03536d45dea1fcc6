/**
 * Retries seen from both ends: the simulator's records (one per upstream attempt, carrying the last
 * user message) are linked to client requests by their unique message text.
 *
 * - retry success rate = client requests with ≥ 2 upstream attempts that succeeded / client requests
 *   with ≥ 2 upstream attempts.
 * - 429s: of the client requests that met at least one upstream 429, the share *absorbed* (the client
 *   still got its answer, thanks to retries) and the share *seen* (the client failed).
 */
import type { ChatResult } from '../../client/chat';
import { effectiveStatus } from './outcome';

export interface UpstreamAttempt {
  lastUserMessage: string;
  status: number;
  outcome: string;
}

export interface ClientRequest {
  message: string;
  result: Pick<ChatResult, 'ok' | 'status' | 'errorCode'>;
}

export interface RetryAccounting {
  requests: number;
  upstreamAttempts: number;
  /** requests that never reached the upstream (refused by the breaker or the queue, or failed before) */
  withoutUpstream: number;
  retried: number;
  retriedOk: number;
  retrySuccessRate: number;
  upstream429: number;
  hit429: number;
  absorbed429: number;
  seen429: number;
  share429Absorbed: number;
  share429Seen: number;
  /** client requests failing with an effective 429, or 503 llm_rate_limited */
  clientRateLimited: number;
  /** client requests refused with 503 llm_unavailable (circuit open) */
  clientBreakerRefused: number;
}

export function accountRetries(clients: readonly ClientRequest[], attempts: readonly UpstreamAttempt[]): RetryAccounting {
  const byMessage = new Map<string, UpstreamAttempt[]>();
  for (const a of attempts) {
    const list = byMessage.get(a.lastUserMessage);
    if (list) list.push(a);
    else byMessage.set(a.lastUserMessage, [a]);
  }
  const acc: RetryAccounting = {
    requests: clients.length, upstreamAttempts: 0, withoutUpstream: 0, retried: 0, retriedOk: 0, retrySuccessRate: Number.NaN,
    upstream429: 0, hit429: 0, absorbed429: 0, seen429: 0, share429Absorbed: Number.NaN, share429Seen: Number.NaN, clientRateLimited: 0, clientBreakerRefused: 0,
  };
  for (const c of clients) {
    const mine = byMessage.get(c.message) ?? [];
    acc.upstreamAttempts += mine.length;
    if (mine.length === 0) acc.withoutUpstream++;
    if (mine.length >= 2) {
      acc.retried++;
      if (c.result.ok) acc.retriedOk++;
    }
    const n429 = mine.filter((a) => a.status === 429).length;
    acc.upstream429 += n429;
    if (n429 > 0) {
      acc.hit429++;
      if (c.result.ok) acc.absorbed429++;
      else acc.seen429++;
    }
    if (!c.result.ok) {
      const eff = effectiveStatus({ ...c.result, sentAt: 0, endAt: 0, chunks: [], outputTokens: 0, keepAlives: 0, bytes: 0 });
      if (eff === 429 || c.result.errorCode === 'llm_rate_limited') acc.clientRateLimited++;
      if (c.result.errorCode === 'llm_unavailable') acc.clientBreakerRefused++;
    }
  }
  acc.retrySuccessRate = acc.retried ? acc.retriedOk / acc.retried : Number.NaN;
  if (acc.hit429) {
    acc.share429Absorbed = acc.absorbed429 / acc.hit429;
    acc.share429Seen = acc.seen429 / acc.hit429;
  }
  return acc;
}
