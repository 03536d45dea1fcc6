/** The rate limits on a chat request: after the user is known, before anything is stored. */
import type { Context } from 'koa';
import { AppError } from '../errors';
import type { LlmUsage } from '../llm/types';
import type { RateLimits } from './rate-limits';

/**
 * Admits the request against the user's limits (429 `rate_limited` with Retry-After and the rate-limit fields
 * when refused), runs `answer` with a usage callback for the turn, and gives the slot back however it ends.
 * The fields are set on the response before `answer` runs, so a stream carries them in its headers.
 * `tokenEstimate` is only called when there are limits.
 */
export async function rateLimited(ctx: Context, limits: RateLimits | null | undefined, tokenEstimate: () => number, answer: (onUsage?: (u: LlmUsage) => void) => Promise<void>): Promise<void> {
  if (!limits) return answer();
  const a = await limits.admit(ctx.state.userId as string, tokenEstimate());
  if (!a.admitted) {
    throw new AppError(429, 'rate_limited', a.message, { limit: a.refusedBy, retryAfterS: a.retryAfterS }, { ...a.headers, 'Retry-After': String(a.retryAfterS) });
  }
  for (const [k, v] of Object.entries(a.headers)) ctx.set(k, v);
  try {
    await answer((u) => a.lease.settle(u.promptTokens + u.completionTokens));
  } finally {
    await a.lease.release();
  }
}
