/**
 * The rate-limit response fields, pure. IETF draft-ietf-httpapi-ratelimit-headers (structured fields: a policy
 * per limit in `RateLimit-Policy`, its state in `RateLimit`) and OpenAI's `x-ratelimit-*` trios.
 */
import type { LimitKind } from './limiters';

export interface LimitState {
  kind: LimitKind;
  limit: number;
  /** Seconds; null for slots (concurrent streams), which have no window. */
  windowS: number | null;
  remaining: number;
  /** ms until the window starts again (slots: 0). */
  resetMs: number;
}

/** Quota units of the draft's registry; tokens have none there, so they are named as what they count. */
const UNIT: Record<LimitKind, string | null> = { rpm: null, tpm: 'tokens', concurrent: 'concurrent-requests' };
/** OpenAI's fields per limit: limit, remaining, reset. */
const OPENAI: Partial<Record<LimitKind, readonly [string, string, string]>> = {
  rpm: ['x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'],
  tpm: ['x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'],
};

/** Whole seconds, at least 1 when anything is left to wait (delay-seconds never promise a wait of 0). */
export const seconds = (ms: number) => (ms > 0 ? Math.max(1, Math.ceil(ms / 1000)) : 0);

/** OpenAI's reset format: `20ms`, `1s`, `6m0s`, `1h2m3s`. */
export function openAiDuration(ms: number): string {
  const t = Math.max(0, Math.ceil(ms));
  if (t < 1000) return `${t}ms`;
  const total = Math.ceil(t / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

export function policyField(states: readonly LimitState[]): string {
  return states
    .map((l) => {
      const unit = UNIT[l.kind];
      return `"${l.kind}";q=${l.limit}${l.windowS !== null ? `;w=${l.windowS}` : ''}${unit ? `;qu="${unit}"` : ''}`;
    })
    .join(', ');
}

export function rateLimitField(states: readonly LimitState[]): string {
  return states.map((l) => `"${l.kind}";r=${l.remaining}${l.windowS !== null ? `;t=${seconds(l.resetMs)}` : ''}`).join(', ');
}

/** Every field for the limits checked (a limit whose store failed is left out: nothing is known of it). */
export function rateLimitHeaders(states: readonly LimitState[]): Record<string, string> {
  if (states.length === 0) return {};
  const h: Record<string, string> = { 'RateLimit-Policy': policyField(states), RateLimit: rateLimitField(states) };
  for (const l of states) {
    const fields = OPENAI[l.kind];
    if (!fields) continue;
    const [limit, remaining, reset] = fields;
    h[limit] = String(l.limit);
    h[remaining] = String(l.remaining);
    h[reset] = openAiDuration(l.resetMs);
  }
  return h;
}

/** Retry-After for a refusal by `l`: the window's end; for a slot, one second (a stream may end any moment). */
export function retryAfterS(l: LimitState): number {
  return l.windowS === null ? 1 : Math.max(1, seconds(l.resetMs));
}
