/**
 * The judge suite's --config:
 *   {"criteria": ["relevance", …], "samples": 3, "temperature": 0.7, "maxAttempts": 3, "items": 24,
 *    "pairwise": true, "paraphrases": true, "paraphraseCriterion": "relevance", "locomoJ": true,
 *    "concurrency": 4, "judge": {"baseUrl": "https://…/v1", "model": "gpt-4o-mini", "timeoutMs": 60000, "offline": false},
 *    "script": "eval/judge/sim-judge-script.json", "humanSheet": "sheet.csv" | ["a.csv", "b.csv"], "exportSheet": true | "path.csv"}
 * The API key is never read from the config: JUDGE_API_KEY. Without judge.baseUrl and JUDGE_BASE_URL
 * (or with judge.offline) the judge is the scripted simulator.
 */
import { samplingTemperature, CRITERIA, isCriterion, type Criterion } from '../../judge/rubric';
import type { JsonValue } from '../../report/schema';
import { asObject, bool, int, num, str, type JsonObject } from '../../lib/config';

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

function criteriaList(o: JsonObject): Criterion[] {
  const v = o.criteria;
  if (v === undefined) return [...CRITERIA];
  if (!Array.isArray(v) || v.length === 0) throw new Error(`config criteria must be a non-empty list of ${CRITERIA.join(', ')}`);
  return v.map((c) => {
    if (typeof c !== 'string' || !isCriterion(c)) throw new Error(`config criteria: unknown criterion ${JSON.stringify(c)} (known: ${CRITERIA.join(', ')})`);
    return c;
  });
}

function criterion(o: JsonObject, key: string, def: Criterion): Criterion {
  const v = str(o, key) ?? def;
  if (!isCriterion(v)) throw new Error(`config ${key}: unknown criterion ${JSON.stringify(v)} (known: ${CRITERIA.join(', ')})`);
  return v;
}

function sheets(o: JsonObject): string[] {
  const v = o.humanSheet;
  if (v === undefined) return [];
  if (typeof v === 'string' && v.length > 0) return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x.length > 0)) return v as string[];
  throw new Error(`config humanSheet must be a path or a non-empty list of paths, got ${JSON.stringify(v)}`);
}

function exportSheet(o: JsonObject): boolean | string {
  const v = o.exportSheet;
  if (v === undefined) return false;
  if (typeof v === 'boolean' || (typeof v === 'string' && v.length > 0)) return v;
  throw new Error(`config exportSheet must be true, false or a file path, got ${JSON.stringify(v)}`);
}

const KNOWN = new Set(['criteria', 'samples', 'temperature', 'maxAttempts', 'items', 'pairwise', 'paraphrases', 'paraphraseCriterion', 'locomoJ', 'concurrency', 'judge', 'script', 'humanSheet', 'exportSheet']);

export function readJudgeConfig(c: JsonValue, quick: boolean): JudgeSuiteConfig {
  const o = asObject(c);
  const unknown = Object.keys(o).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) throw new Error(`config: unknown key(s) ${unknown.join(', ')} (known: ${[...KNOWN].join(', ')})`);
  const samples = int(o, 'samples', quick ? 2 : 3, 1);
  const temperature = samplingTemperature(samples, o.temperature === undefined ? undefined : num(o, 'temperature', 0, { min: 0 }));
  const j = asObject(o.judge ?? {}, 'config judge');
  const baseUrl = str(j, 'baseUrl');
  const model = str(j, 'model');
  const items = o.items === undefined ? (quick ? QUICK_ITEMS : undefined) : int(o, 'items', 0, 1);
  const script = str(o, 'script');
  return {
    criteria: criteriaList(o),
    samples,
    temperature,
    maxAttempts: int(o, 'maxAttempts', 3, 1),
    ...(items !== undefined ? { items } : {}),
    pairwise: bool(o, 'pairwise', true),
    paraphrases: bool(o, 'paraphrases', true),
    paraphraseCriterion: criterion(o, 'paraphraseCriterion', 'relevance'),
    locomoJ: bool(o, 'locomoJ', true),
    concurrency: int(o, 'concurrency', 4, 1),
    judge: {
      ...(baseUrl ? { baseUrl } : {}),
      ...(model ? { model } : {}),
      ...(j.timeoutMs !== undefined ? { timeoutMs: int(j, 'timeoutMs', 60_000, 1) } : {}),
      offline: bool(j, 'offline', false),
    },
    ...(script ? { script } : {}),
    humanSheets: sheets(o),
    exportSheet: exportSheet(o),
  };
}
