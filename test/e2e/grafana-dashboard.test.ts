/**
 * docs/grafana/memocha-dashboard.json against the real /metrics of a started stack: every metric a
 * panel queries is one Memocha exposes, every panel uses the Prometheus data-source variable, and the
 * layout and quantile queries are well formed.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../serve/testing';
import { api } from '../support/client';

interface Target {
  expr: string;
  datasource?: { type?: string; uid?: string };
  refId: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown }[] };
}

const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana/memocha-dashboard.json', import.meta.url), 'utf8')) as Dashboard;
const queryPanels = dashboard.panels.filter((p) => p.type !== 'row');
const exprs = queryPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression selects: identifiers left once strings, matchers, ranges, groupings and function calls are taken out. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const after = bare.slice(m.index + m[0].length).trimStart();
    if (after.startsWith('(') || PROMQL_WORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

describe('metricNames', () => {
  it('finds the selected metrics only', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le, status) (rate(memocha_x_bucket{job=~"a|b", s="5.."}[$__rate_interval])))')).toEqual(['memocha_x_bucket']);
    expect(metricNames('sum(rate(a_total{x="y"}[5m])) / sum(rate(b_total[5m])) > bool 0')).toEqual(['a_total', 'b_total']);
    expect(metricNames('max by (provider, state) (memocha_llm_breaker_state) == 1')).toEqual(['memocha_llm_breaker_state']);
  });
});

describe('docs/grafana/memocha-dashboard.json', () => {
  let t: Stack;
  let families: Map<string, string>;
  let samples: Set<string>;
  beforeAll(async () => {
    t = await startStack();
    // one answered turn, so the labelled series have samples too
    expect((await api(`${t.url}/chat`, { body: { message: 'hello there' } })).status).toBe(200);
    const res = await fetch(`${t.url}/metrics`);
    expect(res.status).toBe(200);
    families = new Map();
    samples = new Set();
    for (const line of (await res.text()).split('\n')) {
      const type = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (type) families.set(type[1]!, type[2]!);
      else if (line && !line.startsWith('#')) samples.add(/^[^{ ]+/.exec(line)![0]);
    }
  });
  afterAll(() => t?.close());

  it('queries only metrics that /metrics exposes', () => {
    const used = new Set(exprs.flatMap((e) => metricNames(e.expr)));
    expect(used.size).toBeGreaterThan(20);
    const exposed = (name: string) => {
      if (families.has(name) || samples.has(name)) return true;
      const family = name.replace(/_(bucket|sum|count)$/, '');
      return family !== name && ['histogram', 'summary'].includes(families.get(family) ?? '');
    };
    const missing = [...used].filter((n) => !exposed(n));
    expect(missing).toEqual([]);
    // the names are metrics, not stray words from the queries
    for (const n of used) expect(n).toMatch(/^(memocha|nodejs|process)_/);
  });

  it('covers the issue panels: request rate, errors, TTFT/turn quantiles, tokens/s, queue, breaker, indexer lag, DB pool, event loop', () => {
    const all = exprs.map((e) => e.expr).join('\n');
    for (const name of [
      'memocha_http_request_duration_seconds_count',
      'memocha_llm_calls_total',
      'memocha_chat_ttft_seconds_bucket',
      'memocha_chat_turn_duration_seconds_bucket',
      'memocha_llm_tokens_total',
      'memocha_llm_queue_waiting',
      'memocha_llm_breaker_state',
      'memocha_memory_indexer_pending',
      'memocha_db_pool_used',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect(all).toContain(name);
    for (const q of ['0.5', '0.95', '0.99']) expect(all).toContain(`histogram_quantile(${q}, sum by (le) (rate(memocha_chat_ttft_seconds_bucket`);
  });

  it('every quantile reads a _bucket series grouped by le; brackets balance', () => {
    for (const { panel, expr } of exprs) {
      for (const [open, close] of [['(', ')'], ['{', '}'], ['[', ']']] as const) expect(expr.split(open).length, `${panel}: ${expr}`).toBe(expr.split(close).length);
      if (expr.includes('histogram_quantile')) {
        expect(expr, panel).toMatch(/sum by \(le[,)]/);
        expect(metricNames(expr).every((n) => n.endsWith('_bucket')), panel).toBe(true);
      }
    }
  });

  it('uses the Prometheus data-source variable everywhere, unique ids, no overlapping panels', () => {
    const ds = dashboard.templating.list.find((v) => v.type === 'datasource');
    expect(ds).toMatchObject({ name: 'datasource', query: 'prometheus' });
    for (const p of queryPanels) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const target of p.targets ?? []) expect(target.datasource?.uid).toBe('${datasource}');
    }
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const taken = new Set<string>();
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(taken.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).toBe(false);
          taken.add(`${x},${y}`);
        }
    }
  });
});
