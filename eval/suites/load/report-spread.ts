/** The spread across instances in the report: one table row per (step, instance), one spread row per step, metrics per step. */
import type { SuiteContext } from '../../harness/suite';
import { r1, r3 } from './report-sweep';
import { instanceSpread, NO_INSTANCE } from './spread';
import type { StepResult } from './step';

const SPREAD_DEFINITION = 'X-Memocha-Instance of each counted request';

/** Nothing when no response carried an instance header (a server that does not send it). */
export function emitSpread(ctx: SuiteContext, steps: readonly StepResult[], expected: readonly string[] = []): void {
  const spreads = steps.map((st) => ({ st, sp: instanceSpread(st.run, expected) })).filter(({ sp }) => sp.instances.some((i) => i.instance !== NO_INSTANCE));
  if (!spreads.length) return;
  ctx.table(
    'per instance (X-Memocha-Instance; latency ms)',
    ['step', 'instance', 'requests', 'share', 'errors', 'TTFT p50', 'TTFT p95', 'req/s', 'output tok/s'],
    spreads.flatMap(({ st, sp }) => sp.instances.map((i) => [st.label, i.instance, i.requests, i.share === null ? null : r3(i.share), i.errors, r1(i.ttftP50Ms), r1(i.ttftP95Ms), r1(i.requestsPerSec), r1(i.outputTokensPerSec)])),
  );
  ctx.table(
    'spread across instances (max/min share: ∞ when one answered nothing; CV = stddev / mean of request counts)',
    ['step', 'instances', 'max/min share', 'CV'],
    spreads.map(({ st, sp }) => [st.label, sp.instances.filter((i) => i.instance !== NO_INSTANCE).length, sp.maxMinRatio === Number.POSITIVE_INFINITY ? '∞' : sp.maxMinRatio === null ? null : r3(sp.maxMinRatio), sp.cv === null ? null : r3(sp.cv)]),
  );
  for (const { st, sp } of spreads) {
    const at = st.users === null ? st.label.replace(/-/g, '_') : `at_${st.users}`;
    const n = st.summary.requests;
    ctx.metric(`instances_${at}`, sp.instances.filter((i) => i.instance !== NO_INSTANCE && i.requests > 0).length, 'count', { definition: `instances that answered at least one counted request (${SPREAD_DEFINITION})`, higherIsBetter: true });
    ctx.metric(`instance_share_max_min_${at}`, sp.maxMinRatio, 'ratio', { n, definition: `highest / lowest share of counted requests over the instances (${SPREAD_DEFINITION}); null when an expected instance answered none`, higherIsBetter: false });
    ctx.metric(`instance_spread_cv_${at}`, sp.cv, 'ratio', { n, definition: `coefficient of variation (population stddev / mean) of the instances' counted requests (${SPREAD_DEFINITION}); 0 = even`, higherIsBetter: false });
  }
}
