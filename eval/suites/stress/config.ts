/**
 * The stress suite's --config (all optional; quick values in brackets):
 *   {"parts": ["long", "memories", "irrelevant", "context"],
 *    "checkpoints": [10, 100, 500, 1000] [[10, 50, 100]], "reps": 50 [20], "measuredTurns": 3 [2],
 *    "flatMaxRatio": 2, "flatToleranceMs": 1,
 *    "memories": 100000 [10000], "lightUsers": 100 [20], "queries": 40 [12], "vectorIndex": "exact" | "hnsw",
 *    "contextTokens": 512, "reserveTokens": 64, "limitTurns": 4 [2]}
 */
import type { JsonValue } from '../../report/schema';
import { asObject, int, intList, num, str } from '../../lib/config';

export const PARTS = ['long', 'memories', 'irrelevant', 'context'] as const;
export type Part = (typeof PARTS)[number];

export interface StressConfig {
  parts: Part[];
  checkpoints: number[];
  reps: number;
  measuredTurns: number;
  flatMaxRatio: number;
  flatToleranceMs: number;
  memories: number;
  lightUsers: number;
  queries: number;
  vectorIndex: 'exact' | 'hnsw';
  contextTokens: number;
  reserveTokens: number;
  limitTurns: number;
}

export function readStressConfig(c: JsonValue, quick: boolean): StressConfig {
  const o = asObject(c);
  const parts = o.parts === undefined ? [...PARTS] : o.parts;
  if (!Array.isArray(parts) || !parts.every((p): p is Part => typeof p === 'string' && (PARTS as readonly string[]).includes(p))) {
    throw new Error(`config parts must be a list of ${PARTS.join(', ')}, got ${JSON.stringify(parts)}`);
  }
  const vectorIndex = str(o, 'vectorIndex') ?? 'exact';
  if (vectorIndex !== 'exact' && vectorIndex !== 'hnsw') throw new Error(`config vectorIndex must be "exact" or "hnsw", got ${vectorIndex}`);
  const checkpoints = intList(o, 'checkpoints', quick ? [10, 50, 100] : [10, 100, 500, 1000]);
  if (checkpoints.some((x, i) => i > 0 && x <= (checkpoints[i - 1] as number))) throw new Error('config checkpoints must increase');
  return {
    parts,
    checkpoints,
    reps: int(o, 'reps', quick ? 20 : 50, 1),
    measuredTurns: int(o, 'measuredTurns', quick ? 2 : 3, 1),
    flatMaxRatio: num(o, 'flatMaxRatio', 2, { min: 1 }),
    flatToleranceMs: num(o, 'flatToleranceMs', 1, { min: 0 }),
    memories: int(o, 'memories', quick ? 10_000 : 100_000, 1),
    lightUsers: int(o, 'lightUsers', quick ? 20 : 100, 1),
    queries: int(o, 'queries', quick ? 12 : 40, 1),
    vectorIndex,
    contextTokens: int(o, 'contextTokens', 512, 256),
    reserveTokens: int(o, 'reserveTokens', 64, 1),
    limitTurns: int(o, 'limitTurns', quick ? 2 : 4, 1),
  };
}
