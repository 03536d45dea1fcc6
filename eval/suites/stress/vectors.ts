/** Seeded random unit vectors: a stand-in for embeddings when only scale matters. */
import type { Rng } from '../../metrics/random';

/** A standard normal sample (Box–Muller). */
export function gaussian(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** A vector uniformly distributed on the unit sphere (normalised Gaussian). */
export function randomUnitVector(rng: Rng, dims: number): Float32Array {
  const v = new Float32Array(dims);
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    const x = gaussian(rng);
    v[i] = x;
    norm += x * x;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < dims; i++) v[i] = (v[i] as number) / norm;
  return v;
}
