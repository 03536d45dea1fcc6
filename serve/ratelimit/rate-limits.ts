/**
 * Per-user admission against the limits (RATE_LIMIT_RPM, _TPM, _CONCURRENT) and the lease an admitted request
 * holds until its answer ends. Redis failing never refuses anyone: that limit fails open, counted and logged.
 *
 * Tokens per minute, the rule (OpenAI's): admission charges an estimate, the prompt the client sent plus the
 * answer's reserve (maxTokens, else LLM_MAX_TOKENS), capped at the whole minute's budget so that any request fits
 * an unused minute; the turn's real usage (prompt + completion, as its ledger row records it, also for a partial
 * or failed answer) then replaces the estimate: the difference is given back or charged. A request that never
 * reached the LLM gives its whole estimate back.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { throttledWarn } from '../redis/throttled-warn';
import { rateLimitHeaders, retryAfterS, type LimitState } from './headers';
import { createLimiters, type LimitKind, type Limiter, type LimitSettings } from './limiters';

export interface RateLimitHooks {
  /** The limiter's own time for one admission, s. */
  onCheck?(seconds: number): void;
  /** A limit skipped because its store failed. */
  onFailOpen?(kind: LimitKind): void;
  onRefused?(kind: LimitKind): void;
}

export interface Lease {
  /** The turn's real token usage (prompt + completion); the first call counts. */
  settle(usedTokens: number): void;
  /** The answer ended, in any way: gives the slot back and settles the tokens. Safe to call twice. */
  release(): Promise<void>;
}

export type Admission =
  | { admitted: true; headers: Record<string, string>; lease: Lease }
  | { admitted: false; headers: Record<string, string>; retryAfterS: number; refusedBy: LimitKind; message: string };

export interface RateLimits {
  admit(userId: string, tokenEstimate: number): Promise<Admission>;
  /** Resolves once Redis is reachable, or after `timeoutMs` (start-up does not wait on a Redis that is down). */
  ready(timeoutMs: number): Promise<void>;
  close(): void;
}

export interface RateLimitOptions extends LimitSettings {
  redis?: Redis;
  logger: Logger;
  hooks?: RateLimitHooks;
  /** At most one warning per this many ms while Redis fails (default 30 s). */
  warnEveryMs?: number;
}

/**
 * ioredis' commandTimeout: the command was written and Redis almost surely ran it (a busy event loop runs the
 * timer before it reads the reply). Its points are then given back like a taken one's, or they would leak.
 */
const sentButTimedOut = (err: unknown) => err instanceof Error && err.message === 'Command timed out';

const NOUN: Record<LimitKind, string> = { rpm: 'requests per minute', tpm: 'tokens per minute', concurrent: 'answers at once' };

/** null when every limit is 0 (off). */
export function createRateLimits(o: RateLimitOptions): RateLimits | null {
  const limiters = createLimiters(o, o.redis);
  if (limiters.list.length === 0) return null;
  const hooks = o.hooks ?? {};
  const warn = throttledWarn(o.logger, 'rate limit store failed: requests admitted without this limit', { everyMs: o.warnEveryMs ?? 30_000 });

  const failOpen = (l: Limiter, err: unknown) => {
    hooks.onFailOpen?.(l.kind);
    warn(err instanceof Error ? err : new Error(String(err)), { limit: l.kind });
  };
  const quietly = (p: Promise<void>, what: string) => p.catch((err: unknown) => o.logger.debug({ err, what }, 'rate limit store failed; the key expires on its own'));

  return {
    async admit(userId, tokenEstimate) {
      const t0 = performance.now();
      const wants = (l: Limiter) => (l.kind === 'tpm' ? Math.max(1, Math.min(Math.ceil(tokenEstimate), l.limit)) : 1);
      // All limits at once: one round trip's time, not three.
      const results = await Promise.all(
        limiters.list.map(async (l) => {
          const points = wants(l);
          try {
            return { l, points, taken: await l.take(userId, points), sent: true };
          } catch (err) {
            failOpen(l, err);
            return { l, points, taken: null, sent: sentButTimedOut(err) };
          }
        }),
      );
      const states: LimitState[] = results.flatMap(({ l, taken }) => (taken ? [{ kind: l.kind, limit: l.limit, windowS: l.windowS, remaining: taken.remaining, resetMs: taken.resetMs }] : []));
      const refused = results.filter((r) => r.taken && !r.taken.admitted);
      if (refused.length > 0) {
        // Nothing is kept for a refused request: what the other limits admitted (or timed out taking) goes back.
        await Promise.all(results.filter((r) => (r.taken ? r.taken.admitted : r.sent)).map((r) => quietly(r.l.give(userId, r.points), `give back ${r.l.kind}`)));
        const refusedStates = states.filter((s) => refused.some((r) => r.l.kind === s.kind));
        const worst = refusedStates.reduce((a, b) => (retryAfterS(b) > retryAfterS(a) ? b : a));
        for (const r of refused) hooks.onRefused?.(r.l.kind);
        hooks.onCheck?.((performance.now() - t0) / 1000);
        const wait = retryAfterS(worst);
        return { admitted: false, headers: rateLimitHeaders(states), retryAfterS: wait, refusedBy: worst.kind, message: `Rate limit reached: ${worst.limit} ${NOUN[worst.kind]}; retry after ${wait} s` };
      }
      hooks.onCheck?.((performance.now() - t0) / 1000);
      const tpm = results.find((r) => r.l.kind === 'tpm' && r.sent);
      const slot = results.find((r) => r.l.kind === 'concurrent' && r.sent);
      let used: number | undefined;
      let released = false;
      const lease: Lease = {
        settle(usedTokens) {
          used ??= Math.max(0, Math.round(usedTokens));
        },
        async release() {
          if (released) return;
          released = true;
          const work: Promise<void>[] = [];
          if (slot) work.push(quietly(slot.l.give(userId, 1), 'release slot'));
          if (tpm) {
            const delta = (used ?? 0) - tpm.points;
            if (delta > 0) work.push(quietly(tpm.l.charge(userId, delta), 'charge tokens'));
            else if (delta < 0) work.push(quietly(tpm.l.give(userId, -delta), 'refund tokens'));
          }
          await Promise.all(work);
        },
      };
      return { admitted: true, headers: rateLimitHeaders(states), lease };
    },
    ready: (timeoutMs) => limiters.ready(timeoutMs),
    close: () => limiters.close(),
  };
}
