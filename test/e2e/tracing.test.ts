/**
 * OpenTelemetry traces end to end: Memocha with OTEL_EXPORTER_OTLP_ENDPOINT pointed at an OTLP/HTTP
 * receiver started here (a real HTTP server on 127.0.0.1) that decodes the exported JSON. Checks span
 * names, kinds, GenAI attributes, parent links (a client's `traceparent` becomes the turn's parent;
 * DB, memory and upstream spans are the turn's children) and that `traceparent` reaches the upstream.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, startTestUpstream, type ConfiguredStack, type TestUpstream } from '../../serve/testing';
import { api, postSse } from '../support/client';

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: { key: string; value: OtlpValue }[];
  status?: { code?: number; message?: string };
}
interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  attrs: Record<string, unknown>;
  status: number;
  service: unknown;
  start: bigint;
  end: bigint;
}
const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
const STATUS_ERROR = 2;

function valueOf(v: OtlpValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(valueOf);
  return undefined;
}
const attrsOf = (list: { key: string; value: OtlpValue }[] | undefined) => Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));

/** A minimal OTLP/HTTP JSON traces receiver. */
async function startReceiver(): Promise<{ url: string; spans: Span[]; contentTypes: string[]; server: Server }> {
  const spans: Span[] = [];
  const contentTypes: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      contentTypes.push(String(req.headers['content-type']));
      const raw = Buffer.concat(chunks);
      const body = JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')) as {
        resourceSpans: { resource?: { attributes?: { key: string; value: OtlpValue }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
      };
      for (const rs of body.resourceSpans) {
        const service = attrsOf(rs.resource?.attributes)['service.name'];
        for (const ss of rs.scopeSpans)
          for (const s of ss.spans)
            spans.push({ traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || undefined, name: s.name, kind: s.kind, attrs: attrsOf(s.attributes), status: s.status?.code ?? 0, service, start: BigInt(s.startTimeUnixNano), end: BigInt(s.endTimeUnixNano) });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, contentTypes, server };
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
const SECRET_TEXT = 'my locker code is 4321 zebra';

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let up: TestUpstream;
let t: ConfiguredStack;

beforeAll(async () => {
  receiver = await startReceiver();
  up = await startTestUpstream();
  t = await startStack({
    llm: 'config',
    env: {
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: up.url,
      LLM_API_KEY: 'sk-test',
      LLM_MODEL: 'test-model',
      LLM_MAX_RETRIES: '1',
      LLM_RETRY_BASE_MS: '5',
      LLM_RETRY_MAX_MS: '20',
      BREAKER_ERROR_PERCENT: '100',
      BREAKER_VOLUME: '1000',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'memocha-test',
    },
  });
});
afterAll(async () => {
  await t?.close();
  await up?.close();
  receiver?.server.close();
});
beforeEach(() => {
  up.requests.length = 0;
  up.setDefault({ kind: 'ok' });
});

async function exported(): Promise<Span[]> {
  await t.runtime.tracing!.flush();
  return receiver.spans;
}
const turnSpans = (spans: Span[], sessionId: string) => spans.filter((s) => s.kind === KIND.SERVER && s.attrs['memocha.session.id'] === sessionId);
const childrenOf = (spans: Span[], parent: Span) => spans.filter((s) => s.traceId === parent.traceId && s.parentSpanId === parent.spanId);

describe('OpenTelemetry traces over OTLP/HTTP', () => {
  it('a streamed turn: the client traceparent is the turn span parent; memory, DB and upstream spans are its children', async () => {
    const session = (await api(`${t.url}/v1/sessions`, { body: {} })).json.id as string;
    const res = await postSse(`${t.url}/v1/sessions/${session}/messages`, { content: SECRET_TEXT, maxTokens: 50, temperature: 0.3 }, { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` });
    expect(res.status).toBe(200);
    const done = res.events.find((e) => e.event === 'done')!.data as { usage: { promptTokens: number; completionTokens: number }; message: { id: string } };
    const spans = await exported();

    const [turn, ...others] = turnSpans(spans, session);
    expect(others).toHaveLength(0);
    expect(turn).toBeDefined();
    expect(turn!.name).toBe('chat test-model');
    expect(turn!.traceId).toBe(TRACE_ID);
    expect(turn!.parentSpanId).toBe(CLIENT_SPAN);
    expect(turn!.service).toBe('memocha-test');
    expect(turn!.attrs).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'test-model',
      'gen_ai.response.model': 'test-model',
      'gen_ai.request.max_tokens': 50,
      'gen_ai.request.temperature': 0.3,
      'gen_ai.usage.input_tokens': done.usage.promptTokens,
      'gen_ai.usage.output_tokens': done.usage.completionTokens,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.response.id': done.message.id,
      'memocha.turn.outcome': 'complete',
    });
    expect(turn!.attrs['memocha.memories.used']).toEqual(expect.any(Number));

    const children = childrenOf(spans, turn!);
    const memory = children.filter((s) => s.name === 'memory.retrieve');
    expect(memory).toHaveLength(1);
    expect(memory[0]!.kind).toBe(KIND.INTERNAL);
    expect(memory[0]!.attrs['memocha.memory.status']).toEqual(expect.any(String));

    // the memory store's queries are children of the retrieval
    expect(childrenOf(spans, memory[0]!).filter((s) => s.name.startsWith('db.')).length).toBeGreaterThan(0);

    const db = children.filter((s) => s.name.startsWith('db.'));
    for (const s of db) {
      expect(s.kind).toBe(KIND.CLIENT);
      expect(s.attrs['db.system.name']).toBe('postgresql');
      expect(s.attrs['db.operation.name']).toEqual(expect.any(String));
      // a table or a function (serve/db/repos may do a step in one SQL function)
      expect(s.attrs['db.collection.name'] ?? s.attrs['db.stored_procedure.name']).toEqual(expect.any(String));
    }

    const upstream = children.filter((s) => s.kind === KIND.CLIENT && s.name === 'chat test-model');
    expect(upstream).toHaveLength(1);
    const port = Number(new URL(up.url).port);
    expect(upstream[0]!.attrs).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'test-model',
      'gen_ai.request.max_tokens': 50,
      'gen_ai.usage.output_tokens': done.usage.completionTokens,
      'server.address': '127.0.0.1',
      'server.port': port,
    });
    // the turn's own queries: storing the question before the upstream call, settling the answer after it
    expect(db.filter((s) => s.end <= upstream[0]!.start).length).toBeGreaterThan(0);
    expect(db.filter((s) => s.start >= upstream[0]!.end).length).toBeGreaterThan(0);
    // the upstream got the trace context of its own CLIENT span
    expect(up.requests).toHaveLength(1);
    expect(up.requests[0]!.traceparent).toBe(`00-${TRACE_ID}-${upstream[0]!.spanId}-01`);

    // nothing the user wrote is in any span
    for (const s of spans) expect(JSON.stringify(s.attrs)).not.toContain('locker');
    expect(receiver.contentTypes.every((c) => c.startsWith('application/json'))).toBe(true);
  });

  it('without traceparent the turn span starts its own trace; a retried upstream call shows one CLIENT span per attempt', async () => {
    up.push({ kind: 'status', status: 503 });
    const session = (await api(`${t.url}/v1/sessions`, { body: {} })).json.id as string;
    const res = await api(`${t.url}/v1/sessions/${session}/messages`, { body: { content: 'hello' } });
    expect(res.status).toBe(200);
    const spans = await exported();
    const [turn] = turnSpans(spans, session);
    expect(turn).toBeDefined();
    expect(turn!.parentSpanId).toBeUndefined();
    expect(turn!.traceId).not.toBe(TRACE_ID);
    const attempts = childrenOf(spans, turn!).filter((s) => s.kind === KIND.CLIENT && s.name.startsWith('chat '));
    expect(attempts).toHaveLength(2);
    expect(attempts.map((a) => a.status).sort()).toEqual([0, STATUS_ERROR]);
    expect(attempts.find((a) => a.status === STATUS_ERROR)!.attrs['error.type']).toBe('server');
    expect(up.requests.map((r) => r.traceparent?.split('-')[1])).toEqual([turn!.traceId, turn!.traceId]);
  });

  it('a failed turn: an unknown session ends the turn span with an error; an upstream failure with its code', async () => {
    const missing = await api(`${t.url}/v1/sessions/00000000-0000-4000-8000-000000000000/messages`, { body: { content: 'x' }, headers: { traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01` } });
    expect(missing.status).toBe(404);
    up.push({ kind: 'status', status: 400 });
    const session = (await api(`${t.url}/v1/sessions`, { body: {} })).json.id as string;
    const failed = await api(`${t.url}/v1/sessions/${session}/messages`, { body: { content: 'x' } });
    expect(failed.status).toBeGreaterThanOrEqual(400);
    const spans = await exported();

    const notFound = spans.find((s) => s.kind === KIND.SERVER && s.traceId === 'ab'.repeat(16));
    expect(notFound).toMatchObject({ parentSpanId: 'cd'.repeat(8), status: STATUS_ERROR });
    expect(notFound!.attrs['error.type']).toBe('session_not_found');

    const [turn] = turnSpans(spans, session);
    expect(turn!.status).toBe(STATUS_ERROR);
    expect(turn!.attrs['error.type']).toBe(failed.json.error.code);
    expect(turn!.attrs['memocha.turn.outcome']).toBe('error');
  });

  it('background work (the memory indexer after a turn) makes no spans: no stray roots, nothing under a finished turn', async () => {
    const indexer = () => t.runtime.memoryService!.stats().indexer;
    const deadline = Date.now() + 30_000;
    while ((indexer().messagesIndexed < 2 || indexer().queued > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(indexer().messagesIndexed).toBeGreaterThanOrEqual(2);
    const spans = await exported();
    const roots = spans.filter((s) => s.parentSpanId === undefined);
    expect(roots.length).toBeGreaterThan(0);
    for (const r of roots) expect(r.kind).toBe(KIND.SERVER);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (const s of spans) {
      const parent = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
      if (parent) expect(s.start, `${s.name} starts after its parent ${parent.name} ended`).toBeLessThanOrEqual(parent.end);
    }
  });
});

describe('tracing off', () => {
  it('without an OTLP endpoint there is no tracer and no span hook in the runtime', async () => {
    const off = await startStack({ env: { MEMORY_ENABLED: 'false' } });
    try {
      expect(off.runtime.tracing).toBeUndefined();
      expect(off.runtime.deps.traceTurn).toBeUndefined();
      const r = await api(`${off.url}/chat`, { body: { message: 'hi' }, headers: { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` } });
      expect(r.status).toBe(200);
    } finally {
      await off.close();
    }
  });
});
