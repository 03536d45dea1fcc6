/**
 * The judge suite's --config:
 *   {"criteria": ["relevance", …], "samples": 3, "temperature": 0.7, "maxAttempts": 3, "items": 24,
 *    "pairwise": true, "paraphrases": true, "paraphraseCriterion": "relevance", "locomoJ": true,
 *    "concurrency": 4, "judge": {"baseUrl": "https://…/v1", "model": "gpt-4o-mini", "timeoutMs": 60000, "offline": false},
 *    "script": "eval/judge/sim-judge-script.json", "humanSheet": "sheet.csv" | ["a.csv", "b.csv"], "exportSheet": true | "path.csv"}
 * The API key is never read from the config: JUDGE_API_KEY. Without judge.baseUrl and JUDGE_BASE_URL
 * (or with judge.offline) the judge is the scripted simulator.
 */
import { z } from 'zod';
import { samplingTemperature, CRITERIA, type Criterion } from '../../judge/rubric';
import type { ConfigSpec } from '../../harness/config';

export interface JudgeEndpointConfig {
  baseUrl?: string;
  model?: string;
  timeoutMs?: number;
  offline: boolean;
}

export interface JudgeSuiteConfig {
  criteria: Criterion[];
  samples: number;
  temperature: number;
  maxAttempts: number;
  /** the first n items of the dataset; all when absent */
  items?: number;
  pairwise: boolean;
  paraphrases: boolean;
  paraphraseCriterion: Criterion;
  locomoJ: boolean;
  concurrency: number;
  judge: JudgeEndpointConfig;
  /** the simulator's script (offline only) */
  script?: string;
  humanSheets: string[];
  /** true: into the report directory (--out) or a fresh directory under the reports root; a string: that file */
  exportSheet: boolean | string;
}

export const QUICK_ITEMS = 3;

const int = (min: number) => z.number().int().min(min);
const criterion = z.enum(CRITERIA, { error: (iss) => `unknown criterion ${JSON.stringify(iss.input)} (known: ${CRITERIA.join(', ')})` });
const path = z.string().min(1);

const judgeSchema = z
  .strictObject({
    criteria: z.array(criterion).min(1),
    samples: int(1),
    /** default 0.7 with several samples, 0 with one */
    temperature: z.number().min(0).optional(),
    maxAttempts: int(1),
    items: int(1).optional(),
    pairwise: z.boolean(),
    paraphrases: z.boolean(),
    paraphraseCriterion: criterion,
    locomoJ: z.boolean(),
    concurrency: int(1),
    judge: z.strictObject({ baseUrl: path.optional(), model: path.optional(), timeoutMs: int(1).optional(), offline: z.boolean() }),
    script: path.optional(),
    /** one filled rating sheet or several */
    humanSheet: z.union([path, z.array(path).min(1)]).optional(),
    exportSheet: z.union([z.boolean(), path]),
  })
  .superRefine((c, ctx) => {
    try {
      samplingTemperature(c.samples, c.temperature);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['temperature'], message: (err as Error).message });
    }
  })
  .transform(({ humanSheet, temperature, ...c }): JudgeSuiteConfig => ({
    ...c,
    temperature: samplingTemperature(c.samples, temperature),
    humanSheets: humanSheet === undefined ? [] : typeof humanSheet === 'string' ? [humanSheet] : humanSheet,
  }));

export const judgeConfig: ConfigSpec<typeof judgeSchema> = {
  config: judgeSchema,
  defaults: {
    criteria: [...CRITERIA],
    samples: 3,
    maxAttempts: 3,
    pairwise: true,
    paraphrases: true,
    paraphraseCriterion: 'relevance',
    locomoJ: true,
    concurrency: 4,
    judge: { offline: false },
    exportSheet: false,
  },
  quick: { samples: 2, items: QUICK_ITEMS },
};
