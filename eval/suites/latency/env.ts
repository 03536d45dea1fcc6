/** What the latency suite's phases share: the context, the config, the endpoints, ground truth and rows. */
import type { DelaySpec, SimRequestRecord } from '../../../serve';
import type { ChatResult } from '../../client/chat';
import type { SuiteContext } from '../../harness/suite';
import { requestLatency } from '../../metrics/latency';
import { createRng } from '../../metrics/random';
import type { LoadClient } from './client';
import type { LatencyConfig } from './config';
import { cell } from './emit';
import { makeMessage } from './prompts';
import { toTiming, type Endpoints } from './workload';

export type Mode = 'memocha-sse' | 'memocha-json' | 'direct-sse' | 'direct-json';

export interface LatencyEnv {
  ctx: SuiteContext;
  cfg: LatencyConfig;
  endpoints: Endpoints;
  client: LoadClient;
  /** the simulator's records, when the direct URL is the in-process simulator (ground truth) */
  records?: () => readonly SimRequestRecord[];
  /** change the simulator's ITL (in-process only); returns a function that restores it */
  setItl?: (itl: DelaySpec) => () => void;
  /** wait until background work (memory indexing) is done, so one batch does not slow the next */
  settle(): Promise<void>;
  tick(): void;
  seed: number;
  /** every measured Memocha request, for the error rate */
  memocha: ChatResult[];
  /** the user of the i-th Memocha request of a batch (seeded users, round-robin); undefined = the default user */
  userFor(i: number): string | undefined;
}

/**
 * The i-th message of a batch: `chars` characters, a tag `<letter><group><i base 36>` of the same
 * length for every mode (so the modes get the same prompt but for one letter, and each direct
 * request can be matched to its simulator record) and filler seeded by (seed, group, i).
 */
export function messageFor(env: LatencyEnv, letter: string, group: number, i: number, chars: number): string {
  return makeMessage(`${letter}${group}.${i.toString(36)}`, chars, createRng(env.seed * 100_003 + group * 10_007 + i));
}

/** One row per measured request. */
export function recordRows(env: LatencyEnv, phase: string, mode: Mode, concurrency: number, chars: number, results: readonly ChatResult[], extra?: (i: number) => Record<string, number | null>): void {
  results.forEach((r, i) => {
    const t = toTiming(r);
    const l = requestLatency(t);
    const base = { case: `${phase}-${mode}-c${concurrency}-${i}`, phase, mode, concurrency, chars };
    if (t.error !== undefined) {
      env.ctx.row({ ...base, error: t.error });
      return;
    }
    env.ctx.row({
      ...base,
      ttft_ms: cell(l.ttftMs),
      e2el_ms: cell(l.e2elMs),
      tpot_ms: mode.endsWith('sse') ? cell(l.tpotMs) : null,
      output_tokens: l.outputTokens,
      server_ttft_ms: cell(r.serverTimings?.ttftMs),
      ...(extra ? extra(i) : {}),
    });
  });
}
