import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Turn, TurnEvent } from '../chat/turn';
import type { LlmEvent, LlmProvider } from '../llm/types';
import { openPgliteKnex, openPostgresKnex, type TestKnex } from '../testing/pg';
import { targetOf, traceKnex, traceLlmProvider, turnTracer, type KnexQueryEvents } from './trace-hooks';
import { startTracing, tracesUrl, type Tracing } from './tracing';

const off = { OTEL_EXPORTER_OTLP_ENDPOINT: undefined, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined, OTEL_SERVICE_NAME: 'memocha' };

describe('tracing set-up', () => {
  it('is off without an endpoint: nothing started', async () => {
    expect(tracesUrl(off)).toBeUndefined();
    expect(await startTracing(off)).toBeUndefined();
  });

  it('sends to <endpoint>/v1/traces, or to the traces endpoint as it is', () => {
    expect(tracesUrl({ ...off, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl({ ...off, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:9999/traces' })).toBe('http://other:9999/traces');
  });

  it('names the first table of a query, or the function it selects from', () => {
    expect(targetOf('select * from "messages" where "session_id" = $1')).toEqual({ table: 'messages' });
    expect(targetOf('insert into "public"."llm_usage" ("a") values ($1)')).toEqual({ table: 'llm_usage' });
    expect(targetOf('update sessions set x = 1')).toEqual({ table: 'sessions' });
    expect(targetOf('select * from memocha_start_turn(?, ?)')).toEqual({ procedure: 'memocha_start_turn' });
    expect(targetOf('select 1')).toBeUndefined();
  });
});

describe('span hooks (real SDK, in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  beforeAll(async () => {
    tracing = (await startTracing(off, { exporter }))!;
  });
  afterAll(() => tracing.shutdown());
  beforeEach(() => exporter.reset());
  const finished = async (): Promise<ReadableSpan[]> => {
    await tracing.flush();
    return exporter.getFinishedSpans();
  };
  const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

  for (const backend of ['pglite', 'postgres'] as const) {
    describe(`knex queries on ${backend}`, () => {
      let db: TestKnex;
      let detach: () => void;
      beforeAll(async () => {
        db = backend === 'pglite' ? await openPgliteKnex() : await openPostgresKnex();
        await db.knex.schema.createTable('notes', (t) => {
          t.increments('id');
          t.text('body');
        });
        detach = traceKnex(tracing.tracer, db.knex as unknown as KnexQueryEvents);
      });
      afterAll(async () => {
        detach();
        await db.close();
      });

      it('a query inside a span is its child; one outside any span makes none', async () => {
        await db.knex('notes').insert({ body: 'outside' });
        await tracing.tracer.startActiveSpan('parent', async (parent) => {
          await db.knex('notes').insert({ body: 'secret words' });
          await db.knex('notes').select('*');
          await db.knex.transaction(async (trx) => {
            await trx('notes').where({ id: 1 }).update({ body: 'x' });
          });
          parent.end();
        });
        const spans = await finished();
        const parent = spans.find((s) => s.name === 'parent')!;
        const db_ = spans.filter((s) => s.name.startsWith('db.'));
        expect(db_.map((s) => s.name)).toEqual(['db.insert', 'db.select', 'db.update']);
        for (const s of db_) {
          expect(parentOf(s)).toBe(parent.spanContext().spanId);
          expect(s.kind).toBe(SpanKind.CLIENT);
          expect(s.attributes).toMatchObject({ 'db.system.name': 'postgresql', 'db.collection.name': 'notes' });
          expect(JSON.stringify(s.attributes)).not.toContain('secret');
        }
      });

      it('a failed query ends its span with an error', async () => {
        await tracing.tracer.startActiveSpan('parent', async (parent) => {
          await expect(db.knex('no_such_table').select('*')).rejects.toThrow();
          parent.end();
        });
        const failed = (await finished()).find((s) => s.name === 'db.select')!;
        expect(failed.status.code).toBe(SpanStatusCode.ERROR);
        expect(failed.attributes['db.collection.name']).toBe('no_such_table');
      });

      it('after detach, queries make no spans', async () => {
        const again = traceKnex(tracing.tracer, db.knex as unknown as KnexQueryEvents);
        again();
        await tracing.tracer.startActiveSpan('parent', async (parent) => {
          await db.knex('notes').select('*');
          parent.end();
        });
        // only the hook from beforeAll is left: one span, not two
        expect((await finished()).filter((s) => s.name === 'db.select')).toHaveLength(1);
      });
    });
  }

  /** A real (in-process) LlmProvider: yields its tokens, then done; `fail` throws after the tokens. */
  function provider(tokens: string[], fail?: Error): LlmProvider & { closed: number } {
    const p = {
      id: 'p1',
      model: 'm1',
      closed: 0,
      async *stream(): AsyncIterable<LlmEvent> {
        try {
          for (const text of tokens) yield { type: 'token', text };
          if (fail) throw fail;
          yield { type: 'done', usage: { promptTokens: 7, completionTokens: tokens.length, totalTokens: 7 + tokens.length, source: 'provider' }, finishReason: 'stop' };
        } finally {
          p.closed++;
        }
      },
      complete: () => Promise.reject(new Error('not used')),
    };
    return p;
  }

  it('the upstream CLIENT span carries the endpoint and usage; a consumer that stops early still closes the upstream stream', async () => {
    const inner = provider(['a', 'b', 'c']);
    const traced = traceLlmProvider(tracing.tracer, inner, 'https://llm.example:8443/v1');
    const texts: string[] = [];
    for await (const ev of traced.stream({ messages: [], maxTokens: 9 })) if (ev.type === 'token') texts.push(ev.text);
    for await (const ev of traced.stream({ messages: [] })) if (ev.type === 'token') break;
    expect(texts).toEqual(['a', 'b', 'c']);
    expect(inner.closed).toBe(2);
    const [full, stopped] = await finished();
    expect(full!.kind).toBe(SpanKind.CLIENT);
    expect(full!.name).toBe('chat m1');
    expect(full!.attributes).toMatchObject({ 'server.address': 'llm.example', 'server.port': 8443, 'gen_ai.usage.output_tokens': 3, 'gen_ai.usage.input_tokens': 7, 'gen_ai.request.max_tokens': 9 });
    expect(stopped!.attributes['gen_ai.usage.output_tokens']).toBeUndefined();
    expect(stopped!.ended).toBe(true);
  });

  it('the turn span: the run steps are inside it, and a consumer that stops early lets the turn settle inside the span', async () => {
    const seen: (string | undefined)[] = [];
    let settled = false;
    const turn: Turn = {
      meta: { sessionId: 's1', userMessageId: 'u1', assistantMessageId: 'a1', model: 'm1', memory: 'ok', memories: [], promptTokens: { system: 1, memories: 0, window: 0, user: 1, total: 2 } } as unknown as Turn['meta'],
      stages: { dbMs: 0, retrievalMs: 0, promptMs: 0 },
      async *run(): AsyncGenerator<TurnEvent> {
        try {
          for (let i = 0; i < 3; i++) {
            await new Promise((r) => setImmediate(r));
            seen.push(trace.getSpan(context.active())?.spanContext().spanId);
            yield { type: 'token', text: String(i) };
          }
        } finally {
          settled = true;
          seen.push(trace.getSpan(context.active())?.spanContext().spanId);
        }
      },
    };
    const wrapped = await turnTracer(tracing.tracer, 'm1')({ userId: 'u', sessionId: 's1', content: 'hello', receivedAt: 0 }, () => Promise.resolve(turn));
    for await (const ev of wrapped.run(new AbortController().signal)) if (ev.type === 'token' && ev.text === '1') break;
    expect(settled).toBe(true);
    const [span] = await finished();
    expect(span!.kind).toBe(SpanKind.SERVER);
    expect(span!.attributes).toMatchObject({ 'memocha.session.id': 's1', 'memocha.turn.outcome': 'aborted', 'gen_ai.operation.name': 'chat' });
    expect(seen).toEqual([span!.spanContext().spanId, span!.spanContext().spanId, span!.spanContext().spanId]);
  });
});
