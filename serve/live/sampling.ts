import { createHash } from 'node:crypto';

/**
 * Whether a turn is in the sampled share: a hash of its id mapped to [0, 1) against `rate`, so the same
 * answer is sampled on every instance and in every replay (Math.random would not be reproducible).
 */
export function isSampled(id: string, rate: number): boolean {
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  return createHash('sha256').update(id).digest().readUInt32BE(0) / 2 ** 32 < rate;
}
