/** Per-request fault decisions. Four uniforms are always drawn, in a fixed order, so decisions are reproducible. */
import type { Rng } from './delays';
import type { FaultSpec } from './types';

export const DEFAULT_CUT_AFTER_TOKENS = 3;
export const DEFAULT_RETRY_AFTER_S = 1;

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'error'; status: 429 | 500 | 503; retryAfterS?: number }
  | { kind: 'hang' }
  /** Destroy the socket once this many content tokens have been written. */
  | { kind: 'cut'; afterTokens: number }
  /** Write one `data: {not json` line after the first content chunk, then carry on normally. */
  | { kind: 'malformed' };

export function decideFault(faults: FaultSpec | undefined, rng: Rng, stream: boolean): FaultDecision {
  const uError = rng();
  const uHang = rng();
  const uCut = rng();
  const uMalformed = rng();
  if (!faults) return { kind: 'none' };
  if (uError < (faults.errorRate ?? 0)) {
    const status = faults.errorStatus ?? 503;
    return status === 500 ? { kind: 'error', status } : { kind: 'error', status, retryAfterS: faults.retryAfterS ?? DEFAULT_RETRY_AFTER_S };
  }
  if (uHang < (faults.hangRate ?? 0)) return { kind: 'hang' };
  if (stream && uCut < (faults.cutRate ?? 0)) return { kind: 'cut', afterTokens: faults.cutAfterTokens ?? DEFAULT_CUT_AFTER_TOKENS };
  if (stream && uMalformed < (faults.malformedRate ?? 0)) return { kind: 'malformed' };
  return { kind: 'none' };
}

/** OpenAI-style error body of an injected error. */
export function faultErrorBody(status: number): { error: { message: string; type: string; param: null; code: string } } {
  if (status === 429) {
    return { error: { message: 'Rate limit reached (simulated).', type: 'requests', param: null, code: 'rate_limit_exceeded' } };
  }
  if (status === 503) {
    return { error: { message: 'The server is overloaded (simulated).', type: 'server_error', param: null, code: 'overloaded' } };
  }
  return { error: { message: 'The server had an error while processing your request (simulated).', type: 'server_error', param: null, code: 'server_error' } };
}
