/**
 * The stress suite's --config (all optional; quick values in brackets):
 *   {"parts": ["long", "memories", "irrelevant", "context"],
 *    "checkpoints": [10, 100, 500, 1000] [[10, 50, 100]], "reps": 50 [20], "measuredTurns": 3 [2],
 *    "flatMaxRatio": 2, "flatToleranceMs": 1,
 *    "memories": 100000 [10000], "lightUsers": 100 [20], "queries": 40 [12], "vectorIndex": "exact" | "hnsw",
 *    "contextTokens": 512, "reserveTokens": 64, "limitTurns": 4 [2]}
 */
import { z } from 'zod';
import type { ConfigSpec } from '../../harness/config';

export const PARTS = ['long', 'memories', 'irrelevant', 'context'] as const;
export type Part = (typeof PARTS)[number];

const int = (min: number) => z.number().int().min(min);

const stressSchema = z.strictObject({
  parts: z.array(z.enum(PARTS)),
  /** conversation lengths (messages) measured, increasing */
  checkpoints: z
    .array(int(1))
    .min(1)
    .refine((xs) => xs.every((x, i) => i === 0 || x > (xs[i - 1] as number)), 'checkpoints must increase'),
  reps: int(1),
  measuredTurns: int(1),
  flatMaxRatio: z.number().min(1),
  flatToleranceMs: z.number().min(0),
  memories: int(1),
  lightUsers: int(1),
  queries: int(1),
  vectorIndex: z.enum(['exact', 'hnsw']),
  contextTokens: int(256),
  reserveTokens: int(1),
  limitTurns: int(1),
});

export type StressConfig = z.infer<typeof stressSchema>;

export const stressConfig: ConfigSpec<typeof stressSchema> = {
  config: stressSchema,
  defaults: {
    parts: [...PARTS],
    checkpoints: [10, 100, 500, 1000],
    reps: 50,
    measuredTurns: 3,
    flatMaxRatio: 2,
    flatToleranceMs: 1,
    memories: 100_000,
    lightUsers: 100,
    queries: 40,
    vectorIndex: 'exact',
    contextTokens: 512,
    reserveTokens: 64,
    limitTurns: 4,
  },
  quick: { checkpoints: [10, 50, 100], reps: 20, measuredTurns: 2, memories: 10_000, lightUsers: 20, queries: 12, limitTurns: 2 },
};
