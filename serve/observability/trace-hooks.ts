/**
 * The spans of a chat turn, as wrappers the runtime puts around existing parts when tracing is on
 * (serve/observability/tracing.ts). When it is off none of them is installed: the turn runs unwrapped.
 * Only @opentelemetry/api here, so this module stays cheap to load. Attributes never carry message
 * text, prompts, SQL bindings or keys: ids, counts, models, token numbers and codes only.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_STORED_PROCEDURE_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from '@opentelemetry/semantic-conventions';
import type { Middleware } from 'koa';
import type { MemoryService } from '../chat/memory-seam';
import type { Turn, TurnEvent, TurnInput } from '../chat/turn';
import type { LlmCallOptions, LlmCompletion, LlmEvent, LlmProvider, LlmRequest } from '../llm/types';

/**
 * What an OpenAI-compatible upstream is called in the GenAI conventions (gen_ai.provider.name). The
 * gen_ai.* names are written out: they are only in semantic-conventions' incubating entry point.
 */
export const GEN_AI_PROVIDER = 'openai';

/** Incoming W3C `traceparent` (and `tracestate`) → the active context of the rest of the request. */
export function traceContextMiddleware(): Middleware {
  return (ctx, next) => context.with(propagation.extract(context.active(), ctx.headers), next);
}

/**
 * The turn's SERVER span `chat {model}`: startTurn runs inside it (its DB queries and the memory
 * retrieval become children), and so does every step of run(), where the upstream call is made.
 */
export function turnTracer(tracer: Tracer, model: string) {
  return async (input: TurnInput, start: () => Promise<Turn>): Promise<Turn> => {
    const parent = context.active();
    const span = tracer.startSpan(
      `chat ${model}`,
      {
        kind: SpanKind.SERVER,
        attributes: dropUndefined({
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': GEN_AI_PROVIDER,
          'gen_ai.request.model': model,
          'gen_ai.request.max_tokens': input.maxTokens,
          'gen_ai.request.temperature': input.temperature,
          'gen_ai.conversation.id': input.sessionId,
          'memocha.session.id': input.sessionId,
        }),
      },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    let turn: Turn;
    try {
      turn = await context.with(ctx, start);
    } catch (err) {
      failSpan(span, err);
      span.end();
      throw err;
    }
    if (turn.meta.model !== model) {
      span.updateName(`chat ${turn.meta.model}`);
      span.setAttribute('gen_ai.request.model', turn.meta.model);
    }
    span.setAttributes({
      'memocha.memory.status': turn.meta.memory,
      'memocha.memories.used': turn.meta.memories.length,
      'memocha.prompt.tokens': turn.meta.promptTokens.total,
    });
    const run = turn.run;
    return { ...turn, run: (signal) => tracedRun(span, ctx, run(signal)) };
  };
}

async function* tracedRun(span: Span, ctx: Context, inner: AsyncGenerator<TurnEvent>): AsyncGenerator<TurnEvent> {
  let settled = false;
  let outcome = 'aborted';
  try {
    for (;;) {
      const r = await context.with(ctx, () => inner.next());
      if (r.done) {
        settled = true;
        return;
      }
      const ev = r.value;
      if (ev.type === 'done') {
        outcome = 'complete';
        span.setAttributes(
          dropUndefined({
            'gen_ai.response.model': ev.message.model ?? undefined,
            'gen_ai.response.id': ev.message.id,
            'gen_ai.response.finish_reasons': [ev.finishReason],
            'gen_ai.usage.input_tokens': ev.usage.promptTokens,
            'gen_ai.usage.output_tokens': ev.usage.completionTokens,
            'memocha.usage.source': ev.usage.source,
            'memocha.llm.provider': ev.provider,
          }),
        );
      } else if (ev.type === 'error') {
        outcome = 'error';
        span.setAttribute(ATTR_ERROR_TYPE, ev.code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: ev.code });
      }
      yield ev;
    }
  } catch (err) {
    settled = true;
    outcome = 'error';
    failSpan(span, err);
    throw err;
  } finally {
    // The consumer stopped early: let the turn settle its answer row inside the span.
    if (!settled) await context.with(ctx, () => inner.return(undefined));
    span.setAttribute('memocha.turn.outcome', outcome);
    span.end();
  }
}

/** A `memory.retrieve` span (INTERNAL) around each retrieval; the store's queries become its children. */
export function traceMemory(tracer: Tracer, m: MemoryService): MemoryService {
  return {
    retrieve(q, signal) {
      return tracer.startActiveSpan('memory.retrieve', async (span) => {
        try {
          const r = await m.retrieve(q, signal);
          span.setAttributes({ 'memocha.memory.status': r.status, 'memocha.memories.returned': r.memories.length });
          return r;
        } catch (err) {
          failSpan(span, err);
          throw err;
        } finally {
          span.end();
        }
      });
    },
    // The indexing it queues runs after the turn: outside the turn's trace (it would inherit its context).
    afterTurn: (t) => context.with(ROOT_CONTEXT, () => m.afterTurn(t)),
  };
}

/**
 * A CLIENT span `chat {model}` per upstream attempt (retries and fallbacks each get their own), with
 * server.address/port, the GenAI request/usage attributes, and `traceparent` sent upstream
 * (serve/llm/openai.ts injects the active context into its request headers).
 */
export function traceLlmProvider(tracer: Tracer, p: LlmProvider, endpoint: string | undefined): LlmProvider {
  const server = serverAttributes(endpoint);
  const startSpan = (req: LlmRequest, streaming: boolean) => {
    const parent = context.active();
    const span = tracer.startSpan(
      `chat ${p.model}`,
      {
        kind: SpanKind.CLIENT,
        attributes: dropUndefined({
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': GEN_AI_PROVIDER,
          'gen_ai.request.model': p.model,
          'gen_ai.request.max_tokens': req.maxTokens,
          'gen_ai.request.temperature': req.temperature,
          'gen_ai.request.stream': streaming,
          'memocha.llm.provider': p.id,
          ...server,
        }),
      },
      parent,
    );
    return { span, ctx: trace.setSpan(parent, span) };
  };
  const answered = (span: Span, a: { usage: LlmCompletion['usage']; finishReason: string }) =>
    span.setAttributes({
      'gen_ai.response.model': p.model,
      'gen_ai.response.finish_reasons': [a.finishReason],
      'gen_ai.usage.input_tokens': a.usage.promptTokens,
      'gen_ai.usage.output_tokens': a.usage.completionTokens,
    });
  return {
    id: p.id,
    model: p.model,
    async *stream(req: LlmRequest, opts?: LlmCallOptions): AsyncIterable<LlmEvent> {
      const { span, ctx } = startSpan(req, true);
      let settled = false;
      const it = context.with(ctx, () => p.stream(req, opts)[Symbol.asyncIterator]());
      try {
        for (;;) {
          const r = await context.with(ctx, () => it.next());
          if (r.done) {
            settled = true;
            return;
          }
          if (r.value.type === 'done') answered(span, r.value);
          yield r.value;
        }
      } catch (err) {
        settled = true;
        failSpan(span, err);
        throw err;
      } finally {
        if (!settled) await it.return?.();
        span.end();
      }
    },
    async complete(req: LlmRequest, opts?: LlmCallOptions): Promise<LlmCompletion> {
      const { span, ctx } = startSpan(req, false);
      try {
        const r = await context.with(ctx, () => p.complete(req, opts));
        answered(span, r);
        return r;
      } catch (err) {
        failSpan(span, err);
        throw err;
      } finally {
        span.end();
      }
    },
  };
}

/** The bits of knex's query events this hook reads. */
export interface KnexQueryEvents {
  on(event: 'query', fn: (q: KnexQuery) => void): unknown;
  on(event: 'query-response', fn: (res: unknown, q: KnexQuery) => void): unknown;
  on(event: 'query-error', fn: (err: unknown, q: KnexQuery) => void): unknown;
  off(event: string, fn: (...args: never[]) => void): unknown;
}
export interface KnexQuery {
  __knexQueryUid?: string;
  method?: string;
  sql?: string;
}

/**
 * A CLIENT span `db.{operation}` (db.select, db.insert, …) per knex query made while a span is active (background work with no
 * trace, like the indexer's sweep or ANALYZE, makes none). The SQL text is not recorded, only its
 * operation and first table (or the function it calls). Returns the function that removes the hook.
 */
export function traceKnex(tracer: Tracer, knex: KnexQueryEvents): () => void {
  const open = new Map<string, Span>();
  const onQuery = (q: KnexQuery) => {
    const uid = q.__knexQueryUid;
    const parent = context.active();
    if (!uid || !trace.getSpan(parent)) return;
    const operation = operationOf((q.method ?? 'raw').toLowerCase(), q.sql);
    const target = q.sql ? targetOf(q.sql) : undefined;
    const span = tracer.startSpan(
      `db.${operation.toLowerCase()}`,
      {
        kind: SpanKind.CLIENT,
        attributes: dropUndefined({
          [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
          [ATTR_DB_OPERATION_NAME]: operation,
          [ATTR_DB_COLLECTION_NAME]: target?.table,
          [ATTR_DB_STORED_PROCEDURE_NAME]: target?.procedure,
        }),
      },
      parent,
    );
    open.set(uid, span);
  };
  const end = (q: KnexQuery | undefined, err?: unknown) => {
    const uid = q?.__knexQueryUid;
    const span = uid === undefined ? undefined : open.get(uid);
    if (!span || uid === undefined) return;
    open.delete(uid);
    if (err !== undefined) failSpan(span, err);
    span.end();
  };
  const onResponse = (_res: unknown, q: KnexQuery) => end(q);
  const onError = (err: unknown, q: KnexQuery) => end(q, err);
  knex.on('query', onQuery);
  knex.on('query-response', onResponse);
  knex.on('query-error', onError);
  return () => {
    knex.off('query', onQuery);
    knex.off('query-response', onResponse);
    knex.off('query-error', onError);
    for (const span of open.values()) span.end();
    open.clear();
  };
}

const SQL_VERBS = /^\s*(select|insert|update|delete|with|begin|commit|rollback|savepoint|release|analyze|create|alter|drop)\b/i;

function operationOf(method: string, sql: string | undefined): string {
  if (method !== 'raw' || !sql) return method.toUpperCase();
  return SQL_VERBS.exec(sql)?.[1]?.toUpperCase() ?? 'RAW';
}

/** The first table a query names (from/into/update), without its schema, or the function it selects from. */
export function targetOf(sql: string): { table?: string; procedure?: string } | undefined {
  const m = /\b(from|into|update)\s+(?:"?[\w]+"?\.)?"?([A-Za-z_][\w]*)"?(\s*\()?/i.exec(sql);
  if (!m) return undefined;
  // `from f(...)` calls a function; `into t (cols)` is still a table
  return m[3] && m[1]!.toLowerCase() === 'from' ? { procedure: m[2]! } : { table: m[2]! };
}

function serverAttributes(endpoint: string | undefined): Attributes {
  if (!endpoint) return {};
  try {
    const u = new URL(endpoint);
    const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
    return { [ATTR_SERVER_ADDRESS]: u.hostname.replace(/^\[|\]$/g, ''), [ATTR_SERVER_PORT]: port };
  } catch {
    return {};
  }
}

function failSpan(span: Span, err: unknown): void {
  const e = err as { code?: unknown; kind?: unknown; name?: unknown; message?: unknown };
  const type = typeof e?.code === 'string' ? e.code : typeof e?.kind === 'string' ? e.kind : typeof e?.name === 'string' ? e.name : 'error';
  span.setAttribute(ATTR_ERROR_TYPE, type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

function dropUndefined(a: Record<string, string | number | boolean | string[] | undefined>): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(a)) if (v !== undefined) out[k] = v;
  return out;
}
