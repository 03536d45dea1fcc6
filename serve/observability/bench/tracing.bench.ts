/**
 * What the tracing hooks cost per chat turn, in ns, on a synthetic turn with the real hooks
 * (serve/observability/trace-hooks.ts) and none of the turn's real I/O, so the hooks are all there is
 * to measure: 6 knex-style query events, one memory retrieval, an upstream stream of TOKENS tokens
 * passed through the turn's run generator. `npm run bench:tracing [-- turns tokens]`.
 *
 *   none     no tracing code at all
 *   off      what the runtime runs when OTEL_EXPORTER_OTLP_ENDPOINT is unset: no hook installed, only
 *            startTurn's `deps.traceTurn ?` check and openai.ts' propagation.inject (a no-op without a
 *            propagator) remain
 *   api-noop the hooks installed on the API's no-op tracer (what "just use the no-op tracer" would cost)
 *   on       the hooks on a real TracerProvider with the batch processor; the exporter drops the spans
 *            (network not included)
 *
 * The modes alternate within a phase; `on` registers the global context manager and propagator, so it
 * runs last, with `none` measured again beside it.
 */
import { EventEmitter } from 'node:events';
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { MemoryService } from '../../chat/memory-seam';
import type { Turn, TurnEvent, TurnInput } from '../../chat/turn';
import type { LlmEvent, LlmProvider } from '../../llm/types';
import { traceKnex, traceLlmProvider, traceMemory, turnTracer, type KnexQueryEvents } from '../trace-hooks';
import { startTracing } from '../tracing';

const TURNS = Number(process.argv[2] ?? 20_000);
const TOKENS = Number(process.argv[3] ?? 50);
const ROUNDS = 5;

type TraceTurn = (input: TurnInput, start: () => Promise<Turn>) => Promise<Turn>;
interface Wiring {
  knex: EventEmitter;
  memory: MemoryService;
  llm: LlmProvider;
  traceTurn?: TraceTurn;
  inject: boolean;
}

let uid = 0;
/** A knex query as the hook sees it: 'query' then 'query-response', with an await between. */
async function query(knex: EventEmitter, sql: string): Promise<void> {
  const q = { __knexQueryUid: String(++uid), method: 'select', sql };
  knex.emit('query', q);
  await Promise.resolve();
  knex.emit('query-response', [], q);
}

const memory: MemoryService = { retrieve: async () => ({ status: 'ok', memories: [] }), afterTurn: () => undefined };
const usage = { promptTokens: 100, completionTokens: TOKENS, totalTokens: 100 + TOKENS, source: 'provider' as const };
const llm: LlmProvider = {
  id: 'p',
  model: 'm',
  async *stream(): AsyncIterable<LlmEvent> {
    for (let i = 0; i < TOKENS; i++) yield { type: 'token', text: 'x' };
    yield { type: 'done', usage, finishReason: 'stop' };
  },
  complete: () => Promise.reject(new Error('unused')),
};
const meta = { sessionId: 's', userMessageId: 'u', assistantMessageId: 'a', model: 'm', memory: 'ok', memories: [], promptTokens: { system: 1, memories: 0, window: 0, user: 1, total: 2 } } as unknown as Turn['meta'];
const input: TurnInput = { userId: 'u', sessionId: 's', content: 'hello', receivedAt: 0 };

async function oneTurn(w: Wiring): Promise<number> {
  const start = async (): Promise<Turn> => {
    for (const table of ['sessions', 'messages', 'messages']) await query(w.knex, `select * from ${table}`);
    await w.memory.retrieve({ userId: 'u', sessionId: 's', query: 'hello', recent: [] });
    await query(w.knex, 'insert into messages');
    return {
      meta,
      stages: { dbMs: 0, retrievalMs: 0, promptMs: 0 },
      async *run(): AsyncGenerator<TurnEvent> {
        if (w.inject) propagation.inject(context.active(), {});
        let n = 0;
        for await (const ev of w.llm.stream({ messages: [] })) if (ev.type === 'token') yield ev;
        else n = ev.usage.completionTokens;
        await query(w.knex, 'update messages');
        await query(w.knex, 'insert into llm_usage');
        yield { type: 'done', message: { id: 'a', model: 'm' } as never, usage: { ...usage, completionTokens: n }, timings: { dbMs: 0, retrievalMs: 0, promptMs: 0, totalMs: 0 }, finishReason: 'stop' };
      },
    };
  };
  const turn = await (w.traceTurn ? w.traceTurn(input, start) : start());
  let count = 0;
  for await (const ev of turn.run(new AbortController().signal)) if (ev.type === 'token') count++;
  return count;
}

function wiring(mode: 'none' | 'off' | 'hooks', tracer?: Tracer): Wiring {
  const knex = new EventEmitter();
  if (mode !== 'hooks' || !tracer) return { knex, memory, llm, inject: mode === 'off' };
  traceKnex(tracer, knex as unknown as KnexQueryEvents);
  return { knex, memory: traceMemory(tracer, memory), llm: traceLlmProvider(tracer, llm, 'http://127.0.0.1:8000/v1'), traceTurn: turnTracer(tracer, 'm'), inject: true };
}

/** A macrotask turn between chat turns (as a server has): the batch processor's export timer gets to run. */
const tick = () => new Promise<void>((r) => setImmediate(r));

async function nsPerTurn(w: Wiring): Promise<number> {
  for (let i = 0; i < 500; i++) await oneTurn(w).then(tick); // warm-up
  // CPU time, not wall time: on a shared machine the wall clock also counts time spent descheduled.
  const c0 = process.cpuUsage();
  for (let i = 0; i < TURNS; i++) await oneTurn(w).then(tick);
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / TURNS;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function phase(modes: Record<string, Wiring>): Promise<Record<string, number>> {
  const runs: Record<string, number[]> = Object.fromEntries(Object.keys(modes).map((k) => [k, []]));
  const entries = Object.entries(modes);
  // each round starts with another mode, so none is always measured first (or last)
  for (let r = 0; r < ROUNDS; r++) for (let i = 0; i < entries.length; i++) {
    const [k, w] = entries[(i + r) % entries.length]!;
    runs[k]!.push(await nsPerTurn(w));
  }
  return Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, Math.round(median(v))]));
}

let exported = 0;
const dropping: SpanExporter = {
  export(spans: ReadableSpan[], done) {
    exported += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  },
  shutdown: () => Promise.resolve(),
};

const first = await phase({ none: wiring('none'), off: wiring('off'), 'api-noop': wiring('hooks', trace.getTracer('bench')) });
const tracing = (await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: undefined, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined, OTEL_SERVICE_NAME: 'bench' }, { exporter: dropping }))!;
const second = await phase({ 'none (globals registered)': wiring('none'), on: wiring('hooks', tracing.tracer) });
await tracing.shutdown();

const base = first.none!;
const rows = { ...first, ...second };
console.log(`tracing hooks, CPU ns per turn (median of ${ROUNDS} runs of ${TURNS} turns, ${TOKENS} tokens each; loadavg ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim()})`);
for (const [k, ns] of Object.entries(rows)) console.log(`  ${k.padEnd(26)} ${String(ns).padStart(8)} ns/turn   ${ns - base >= 0 ? '+' : ''}${ns - base} vs none`);
console.log(`  spans exported by "on": ${exported} (${(exported / (ROUNDS * (TURNS + 500))).toFixed(1)} per turn)`);
