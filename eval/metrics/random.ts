/** A small seeded PRNG (mulberry32): deterministic under its seed, for bootstraps and workloads. */

export type Rng = () => number;

/** A generator of uniform floats in [0, 1) from a 32-bit integer seed (any number; it is hashed). */
export function createRng(seed: number): Rng {
  let a = hashSeed(seed);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

function hashSeed(seed: number): number {
  // fold a float seed into 32 bits, then mix (splitmix32 finaliser) so that nearby seeds differ
  let h = (Math.trunc(seed) ^ Math.trunc(seed / 4294967296)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
