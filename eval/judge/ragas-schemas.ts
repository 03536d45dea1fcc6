/**
 * The verdicts of the RAGAS judge steps (eval/judge/ragas.ts), as zod schemas. A reply that does
 * not match is retried with the validation error and, after the last attempt, recorded as an
 * error: 0/1 fields accept exactly 0 or 1 (as RAGAS's prompts ask), nothing is coerced.
 */
import { z } from 'zod';

const bit = z.union([z.literal(0), z.literal(1)]);

/** Statement generation (faithfulness step 1): an answer that makes no claim has none. */
export const statementsSchema = z.object({ statements: z.array(z.string().trim().min(1)) });

/** NLI (faithfulness step 2): exactly one verdict per statement, in order. */
export function nliSchema(statements: number) {
  return z.object({
    verdicts: z
      .array(z.object({ statement: z.string(), reason: z.string(), verdict: bit }))
      .length(statements, `expected exactly ${statements} verdict(s), one per statement`),
  });
}

/** Question generation (answer relevancy): one question and the non-committal flag. */
export const questionSchema = z.object({ question: z.string().trim().min(1), noncommittal: bit });

/** Usefulness of one retrieved context for the reference answer (context precision). */
export const usefulnessSchema = z.object({ reason: z.string(), verdict: bit });

/** Attribution of each reference statement to the context (context recall): at least one statement. */
export const attributionSchema = z.object({
  classifications: z.array(z.object({ statement: z.string().trim().min(1), reason: z.string(), attributed: bit })).min(1),
});
