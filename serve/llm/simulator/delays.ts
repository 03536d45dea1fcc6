/** Seeded randomness and delay sampling. Everything here is pure and deterministic under its seed. */
import type { DelaySpec } from './types';

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/** z-score of the 99th percentile of the standard normal distribution. */
export const Z99 = 2.3263478740408408;

/** mulberry32: a tiny 32-bit PRNG, good enough for simulation and fully reproducible. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** murmur3's 32-bit finaliser: spreads nearby inputs far apart. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Independent stream of a request: `purpose` keeps e.g. fault draws from shifting delay draws. */
export function requestRng(seed: number, seq: number, purpose: number): Rng {
  const mixed = fmix32(fmix32(seed >>> 0) ^ Math.imul(seq + 1, 0x9e3779b9) ^ Math.imul(purpose + 1, 0x7feb352d));
  return mulberry32(mixed);
}

/** Standard normal sample (Box–Muller). */
export function standardNormal(rng: Rng): number {
  const u1 = 1 - rng(); // (0, 1]: log(0) is avoided
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Parameters of the lognormal whose median and 99th percentile are the given values. */
export function lognormalParams(medianMs: number, p99Ms: number): { mu: number; sigma: number } {
  const mu = Math.log(medianMs);
  return { mu, sigma: (Math.log(p99Ms) - mu) / Z99 };
}

/** One delay in ms (never negative). */
export function sampleDelay(spec: DelaySpec, rng: Rng): number {
  switch (spec.kind) {
    case 'fixed':
      return Math.max(0, spec.ms);
    case 'uniform':
      return Math.max(0, spec.minMs + (spec.maxMs - spec.minMs) * rng());
    case 'lognormal': {
      if (spec.medianMs <= 0) return 0;
      const { mu, sigma } = lognormalParams(spec.medianMs, Math.max(spec.p99Ms, spec.medianMs));
      return Math.exp(mu + sigma * standardNormal(rng));
    }
  }
}

/** Parse the CLI/env shorthand: `20` fixed, `10..30` uniform, `20:80` lognormal median:p99. */
export function parseDelay(text: string): DelaySpec {
  const num = (s: string | undefined): number => {
    const n = Number(s);
    if (s === undefined || s.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`bad delay "${text}"`);
    return n;
  };
  const range = text.split('..');
  if (range.length === 2) return { kind: 'uniform', minMs: num(range[0]), maxMs: num(range[1]) };
  const ln = text.split(':');
  if (ln.length === 2) return { kind: 'lognormal', medianMs: num(ln[0]), p99Ms: num(ln[1]) };
  return { kind: 'fixed', ms: num(text) };
}
