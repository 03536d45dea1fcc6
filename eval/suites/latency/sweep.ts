/** The latency suite's message-length sweep: the same lengths through Memocha and straight to the provider. */
import { countTokens } from '../../../serve';
import type { ChatResult } from '../../client/chat';
import type { Cell } from '../../harness/builder';
import { aggregateLatency } from '../../metrics/latency';
import { percentile } from '../../metrics/stats';
import { cell } from './emit';
import { messageFor, recordRows, type LatencyEnv } from './env';
import { overheadAt } from './overhead';
import { directRequest, memochaRequest, runBatch, toTiming } from './workload';

export const SWEEP_COLUMNS = [
  'chars',
  'message tokens',
  'prompt tokens p50',
  'n',
  'failed',
  'TTFT p50',
  'TTFT p99',
  'direct TTFT p50',
  'overhead TTFT p50',
  'E2EL p50',
  'retrievalMs p50',
  'promptMs p50',
] as const;

const median = (xs: (number | undefined)[]) => percentile(xs.filter((x): x is number => typeof x === 'number'), 50);

/** One table row per message length (concurrency 1). */
export async function runSweep(env: LatencyEnv): Promise<Cell[][]> {
  const { cfg, endpoints } = env;
  const rows: Cell[][] = [];
  for (const [k, chars] of cfg.sweepChars.entries()) {
    if (env.ctx.signal.aborted) break;
    const group = 50 + k;
    const msg = (letter: string) => (i: number, warm: boolean) => messageFor(env, warm ? 'w' : letter, group, warm ? 1000 + i : i, chars);
    const spec = { n: cfg.sweepRequests, concurrency: 1, warmup: 1 };
    await env.settle();
    const m = msg('s');
    const viaMemocha = await runBatch(env.client, spec, (i, warm) => memochaRequest(endpoints, m(i, warm), true, undefined, env.userFor(warm ? 1000 + i : i)), env.ctx.signal, env.tick);
    env.memocha.push(...viaMemocha);
    recordRows(env, 'sweep', 'memocha-sse', 1, chars, viaMemocha);
    let direct: ChatResult[] = [];
    if (endpoints.directUrl) {
      await env.settle();
      const d = msg('t');
      direct = await runBatch(env.client, spec, (i, warm) => directRequest(endpoints, d(i, warm), true), env.ctx.signal, env.tick);
      recordRows(env, 'sweep', 'direct-sse', 1, chars, direct);
    }
    const a = aggregateLatency(viaMemocha.map(toTiming));
    const b = aggregateLatency(direct.map(toTiming));
    const ok = viaMemocha.filter((r) => r.ok);
    rows.push([
      chars,
      countTokens(m(0, false)),
      cell(median(ok.map((r) => r.promptTokens))),
      a.requests,
      a.failed,
      cell(a.ttft.percentile(50)),
      cell(a.ttft.percentile(99)),
      cell(b.ttft.percentile(50)),
      cell(overheadAt(a.ttft, b.ttft, 50)),
      cell(a.e2el.percentile(50)),
      cell(median(ok.map((r) => r.serverTimings?.retrievalMs))),
      cell(median(ok.map((r) => r.serverTimings?.promptMs))),
    ]);
  }
  return rows;
}
