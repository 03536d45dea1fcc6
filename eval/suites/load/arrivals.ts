/**
 * Open-loop arrival processes, seeded. Inter-arrival times follow a gamma distribution with
 * shape = burstiness and scale θ = 1 / (rate · burstiness), exactly as vLLM's `bench serve`
 * (--request-rate, --burstiness): the mean gap is always 1 / rate; burstiness 1 is a Poisson
 * process (exponential gaps), < 1 is burstier (CV² = 1 / burstiness > 1), > 1 more regular.
 */
import type { Rng } from '../../metrics/random';
import { createRng } from '../../metrics/random';

/** A standard normal deviate (Box–Muller). */
export function normal(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** A Gamma(shape, scale) deviate (Marsaglia–Tsang 2000; shape < 1 through the U^(1/shape) boost). */
export function gamma(rng: Rng, shape: number, scale: number): number {
  if (!(shape > 0) || !(scale > 0)) throw new RangeError(`gamma needs shape > 0 and scale > 0, got ${shape}, ${scale}`);
  if (shape < 1) {
    let u = 0;
    while (u === 0) u = rng();
    return gamma(rng, shape + 1, scale) * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(rng);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = rng();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}

export interface ArrivalOptions {
  /** mean arrivals per second (> 0) */
  rate: number;
  /** gamma shape; 1 = Poisson (default) */
  burstiness?: number;
  seed: number;
}

/** Endless inter-arrival gaps in ms. */
export function* interArrivalsMs(o: ArrivalOptions): Generator<number> {
  if (!(o.rate > 0)) throw new RangeError(`rate must be > 0 requests/s, got ${o.rate}`);
  const k = o.burstiness ?? 1;
  const rng = createRng(o.seed);
  const meanMs = 1000 / o.rate;
  for (;;) {
    // burstiness 1: the exact exponential (inverse CDF), the same law as gamma(1, θ)
    yield k === 1 ? -Math.log(1 - rng()) * meanMs : gamma(rng, k, meanMs / k);
  }
}

/** Arrival offsets (ms from 0) up to `durationMs` (exclusive) and at most `maxCount` of them. */
export function arrivalOffsetsMs(o: ArrivalOptions & { durationMs: number; maxCount?: number }): number[] {
  const out: number[] = [];
  const max = o.maxCount ?? Number.POSITIVE_INFINITY;
  let t = 0;
  for (const gap of interArrivalsMs(o)) {
    t += gap;
    if (t >= o.durationMs || out.length >= max) break;
    out.push(t);
  }
  return out;
}
