import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, postSse } from '../support/client';
import { type Stack, startStack } from '../../serve/testing';

interface Scrape {
  contentType: string;
  /** `name{labels}` exactly as exposed → value. */
  series: Map<string, number>;
  /** Metric family → TYPE. */
  types: Map<string, string>;
  help: Set<string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)(?: (-?\d+))?$/;

/** Parse the Prometheus text format (0.0.4) strictly: every line is HELP, TYPE, a sample or blank. */
async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  const out: Scrape = { contentType: res.headers.get('content-type') ?? '', series: new Map(), types: new Map(), help: new Set() };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(meta[3]);
        out.types.set(meta[2]!, meta[3]!);
      } else out.help.add(meta[2]!);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    // Prometheus parses values as Go floats: NaN and ±Inf case-insensitively (prom-client writes `Nan`)
    const raw = m[3]!.toLowerCase();
    const value = raw === 'nan' ? NaN : raw === '+inf' || raw === 'inf' ? Infinity : raw === '-inf' ? -Infinity : Number(m[3]);
    if (raw !== 'nan' && Number.isNaN(value)) throw new Error(`bad sample value in ${JSON.stringify(line)}`);
    const family = m[1]!.replace(/_(bucket|sum|count|total|created)$/, '');
    if (!out.types.has(m[1]!) && !out.types.has(family)) throw new Error(`sample without a TYPE: ${line}`);
    out.series.set(`${m[1]}${m[2] ?? ''}`, value);
  }
  return out;
}

/** Sum of the samples of `name` whose labels include every `labels` pair. */
function sum(s: Scrape, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [key, v] of s.series) {
    const brace = key.indexOf('{');
    if ((brace < 0 ? key : key.slice(0, brace)) !== name) continue;
    if (Object.entries(labels).every(([k, val]) => key.includes(`${k}="${val}"`))) total += v;
  }
  return total;
}

describe('GET /metrics (Prometheus)', () => {
  let t: Stack;
  beforeAll(async () => {
    // Any counted LLM failure opens the breaker, so one 500 shows a state change (429s do not count).
    t = await startStack({ env: { LLM_MAX_RETRIES: '1', LLM_RETRY_BASE_MS: '5', LLM_RETRY_MAX_MS: '20', BREAKER_ERROR_PERCENT: '0', BREAKER_VOLUME: '1', BREAKER_RESET_MS: '60000' } });
  });
  afterAll(() => t.close());

  it('exposes default, HTTP, chat, LLM, breaker, queue, memory and DB metrics that move with traffic', async () => {
    const before = await scrape(t.url);
    expect(before.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sum(before, 'memocha_chat_ttft_seconds_count')).toBe(0);
    expect(sum(before, 'memocha_llm_breaker_state', { provider: 'simulator', state: 'closed' })).toBe(1);

    // a JSON turn and a streamed turn
    const json = await api(`${t.url}/chat`, { body: { message: 'my cat is called Miso' } });
    expect(json.status).toBe(200);
    const sse = await postSse(`${t.url}/chat`, { message: 'what is my cat called?', sessionId: json.json.sessionId });
    expect(sse.events.at(-1)?.event).toBe('done');

    // a rate-limited call (retried once, not a breaker failure), then a 500 that opens the breaker
    t.sim.configure({ faults: { errorRate: 1, errorStatus: 429, retryAfterS: 0 } });
    expect((await api(`${t.url}/chat`, { body: { message: 'rate limited?' } })).json.error.code).toBe('llm_rate_limited');
    t.sim.configure({ faults: { errorRate: 1, errorStatus: 500 } });
    expect((await api(`${t.url}/chat`, { body: { message: 'broken?' } })).status).toBe(502);
    expect((await api(`${t.url}/chat`, { body: { message: 'open?' } })).status).toBe(503);

    const after = await scrape(t.url);
    // default process metrics, including the event-loop lag
    for (const name of ['nodejs_eventloop_lag_seconds', 'process_cpu_user_seconds_total', 'nodejs_heap_size_used_bytes']) expect(after.series.has(name)).toBe(true);
    // every family has HELP and TYPE
    for (const family of after.types.keys()) expect(after.help.has(family)).toBe(true);

    // HTTP duration histogram by route/method/status
    expect(after.types.get('memocha_http_request_duration_seconds')).toBe('histogram');
    expect(sum(after, 'memocha_http_request_duration_seconds_count', { method: 'POST', route: '/chat', status: '200' })).toBe(2);
    expect(sum(after, 'memocha_http_request_duration_seconds_count', { method: 'POST', route: '/chat', status: '503' })).toBe(2);
    expect(sum(after, 'memocha_http_request_duration_seconds_count', { method: 'GET', route: '/metrics', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(sum(after, 'memocha_http_request_duration_seconds_bucket', { route: '/chat', status: '200', le: '+Inf' })).toBe(2);
    expect(sum(after, 'memocha_http_request_duration_seconds_sum', { route: '/chat', status: '200' })).toBeGreaterThan(0);

    // chat TTFT from the turns' timings
    expect(sum(after, 'memocha_chat_ttft_seconds_count')).toBe(2);
    expect(sum(after, 'memocha_chat_ttft_seconds_sum')).toBeGreaterThan(0);
    expect(sum(after, 'memocha_chat_turn_duration_seconds_count')).toBe(2);

    // LLM calls, retries and errors by kind
    expect(sum(after, 'memocha_llm_calls_total', { outcome: 'ok' })).toBe(2);
    expect(sum(after, 'memocha_llm_calls_total', { outcome: 'error', kind: 'rate_limited' })).toBe(1);
    expect(sum(after, 'memocha_llm_calls_total', { outcome: 'error', kind: 'server' })).toBe(1);
    expect(sum(after, 'memocha_llm_retries_total', { provider: 'simulator', kind: 'rate_limited' })).toBe(1);
    expect(sum(after, 'memocha_llm_attempt_errors_total', { provider: 'simulator', kind: 'rate_limited' })).toBe(2);
    expect(sum(after, 'memocha_llm_attempt_errors_total', { provider: 'simulator', kind: 'server' })).toBe(1);
    // tokens of the two answered calls, as their done events reported them
    const usages = [json.json.usage, sse.events.at(-1)!.data.usage] as { promptTokens: number; completionTokens: number }[];
    expect(sum(after, 'memocha_llm_tokens_total', { type: 'input' })).toBe(usages[0]!.promptTokens + usages[1]!.promptTokens);
    expect(sum(after, 'memocha_llm_tokens_total', { type: 'output' })).toBe(usages[0]!.completionTokens + usages[1]!.completionTokens);
    expect(usages[1]!.completionTokens).toBeGreaterThan(0);

    // breaker: state gauge per provider and the state-change counter
    expect(sum(after, 'memocha_llm_breaker_state', { provider: 'simulator', state: 'open' })).toBe(1);
    expect(sum(after, 'memocha_llm_breaker_state', { provider: 'simulator', state: 'closed' })).toBe(0);
    expect(sum(after, 'memocha_llm_breaker_transitions_total', { provider: 'simulator', to: 'open' })).toBe(1);

    // LLM queue gauges (idle now)
    expect(after.series.get('memocha_llm_queue_in_flight')).toBe(0);
    expect(after.series.get('memocha_llm_queue_waiting')).toBe(0);

    // memory retrieval duration and the indexer
    expect(sum(after, 'memocha_memory_retrieval_duration_seconds_count')).toBeGreaterThanOrEqual(sum(before, 'memocha_memory_retrieval_duration_seconds_count') + 2);
    expect(after.series.has('memocha_memory_indexer_pending')).toBe(true);
    expect(after.series.has('memocha_memory_indexer_failures_total')).toBe(true);

    // DB pool
    for (const name of ['memocha_db_pool_size', 'memocha_db_pool_used', 'memocha_db_pool_pending_acquires']) expect(after.series.has(name)).toBe(true);
  });

  it('counts the chat queries the embedding cache served (the same question with other spacing is one entry)', async () => {
    // a loaded machine may take longer than the default 3 s to load the model: a timed-out query would count but not be cached
    const other = await startStack({ env: { MEMORY_TIMEOUT_MS: '120000' } });
    try {
      const before = await scrape(other.url);
      const hits = (s: Scrape) => sum(s, 'memocha_embedding_cache_query_hits_total');
      const misses = (s: Scrape) => sum(s, 'memocha_embedding_cache_query_misses_total');
      expect(before.types.get('memocha_embedding_cache_query_hits_total')).toBe('counter');
      expect((await api(`${other.url}/chat`, { body: { message: 'which city did I move to?' } })).status).toBe(200);
      expect((await api(`${other.url}/chat`, { body: { message: ' which city did I  move to?\n' } })).status).toBe(200);
      const after = await scrape(other.url);
      expect(misses(after) - misses(before)).toBe(1);
      expect(hits(after) - hits(before)).toBe(1);
      // indexing goes through the same cache but is not a query
      expect(sum(after, 'memocha_embedding_cache_misses_total')).toBeGreaterThanOrEqual(misses(after));
      expect(after.series.get('memocha_embedding_cache_entries')).toBeGreaterThanOrEqual(1);
    } finally {
      await other.close();
    }
  });

  it('each app has its own registry: a second server starts from zero', async () => {
    const other = await startStack();
    try {
      const s = await scrape(other.url);
      expect(sum(s, 'memocha_llm_calls_total')).toBe(0);
      expect(sum(s, 'memocha_chat_ttft_seconds_count')).toBe(0);
      expect(other.runtime.deps.prometheus?.registry).not.toBe(t.runtime.deps.prometheus?.registry);
    } finally {
      await other.close();
    }
  });
});
