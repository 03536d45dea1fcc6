/**
 * The vector suite's embedder comparison: each configured embedder (registry specs, plus
 * `use-lite+worker`) is measured in its own child process (embedder-probe.ts) — load time, table
 * size, per-query latency p50/p99, texts/s one at a time and 64 per call, RSS — and reported as
 * metrics `embedder_<what>_<tag>` and the table "embedders". With `freshTables`, a static table is
 * first built in a temp dir by a child of its own (its time is the build time) and the measuring
 * child reads it, as a server does after the first start: the build loads USE-lite, whose memory
 * would otherwise count in the static embedder's RSS.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SuiteContext } from '../../harness/suite';
import { LatencyHistogram } from '../../metrics/histogram';
import type { ProbeInput, ProbeResult } from './embedder-probe';

export interface EmbedderBenchOptions {
  /** specs to compare (empty: skip); `use-lite+worker` = use-lite in its worker thread */
  embedders: readonly string[];
  /** true: static tables are built in a temp dir (the build is measured); false: read from ./data/embeddings */
  freshTables: boolean;
}

export interface EmbedderRow extends ProbeResult {
  /** seconds a fresh table build took (freshTables, static specs), else null */
  buildSeconds: number | null;
}

const ROOT = path.resolve(import.meta.dirname, '../../..');
const PROBE = path.join(import.meta.dirname, 'embedder-probe.ts');

/** Metric-name tag of a spec: static:use-lite?dtype=int8 → static_int8, use-lite+worker → use_lite_worker. */
export function embedderTag(spec: string): string {
  const [head = '', query = ''] = spec.replace(/^static:use-lite/, 'static').split('?');
  const opts = [...new URLSearchParams(query).entries()].map(([k, v]) => (k === 'dtype' ? v : `${k}${v}`));
  return [head, ...opts].join('_').replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '').toLowerCase();
}

function runProbe(input: ProbeInput, signal?: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', PROBE, JSON.stringify(input)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], signal });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`embedder probe for ${input.spec} exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as ProbeResult);
      } catch {
        reject(new Error(`embedder probe for ${input.spec} printed no result: ${out.slice(-300)}`));
      }
    });
  });
}

export async function benchEmbedders(
  cfg: EmbedderBenchOptions & { queries: number; embedSeconds: number },
  hooks: { log: (msg: string) => void; signal?: AbortSignal },
): Promise<EmbedderRow[]> {
  const rows: EmbedderRow[] = [];
  for (const spec of cfg.embedders) {
    if (hooks.signal?.aborted) break;
    const fresh = cfg.freshTables && spec.startsWith('static');
    const dataDir = fresh ? await mkdtemp(path.join(tmpdir(), 'memocha-embedders-')) : path.join(ROOT, 'data');
    try {
      const build = fresh ? await runProbe({ spec, queries: 0, seconds: 0, dataDir, loadOnly: true }, hooks.signal) : null;
      const r = await runProbe({ spec, queries: cfg.queries, seconds: cfg.embedSeconds, dataDir }, hooks.signal);
      hooks.log(`${spec}: ${build ? `table built in ${build.loadSeconds.toFixed(1)} s, ` : ''}load ${r.loadSeconds.toFixed(2)} s, b1 ${r.textsPerSecB1.toFixed(0)} texts/s, b64 ${r.textsPerSecB64.toFixed(0)} texts/s, RSS ${r.rssMb} MB`);
      rows.push({ ...r, buildSeconds: build?.loadSeconds ?? null });
    } finally {
      if (fresh) await rm(dataDir, { recursive: true, force: true });
    }
  }
  return rows;
}

const COLUMNS = ['embedder', 'id', 'build_s', 'load_s', 'table', 'table_mb', 'query_p50_ms', 'query_p99_ms', 'queries', 'texts_per_s_b1', 'texts_per_s_b64', 'rss_mb', 'rss_before_mb'];
const r2 = (x: number) => Number(x.toFixed(2));

export function emitEmbedders(ctx: SuiteContext, rows: readonly EmbedderRow[]): void {
  const cells = rows.map((r) => {
    const tag = embedderTag(r.spec);
    const h = new LatencyHistogram().recordAll(r.queryUs.map((us) => us / 1000));
    const s = h.summary();
    const what = `${r.spec} (${r.id}), measured alone in a child process`;
    ctx.histogram(`embedder_query_${tag}`, h);
    ctx.metric(`embedder_query_p50_ms_${tag}`, s.p50, 'ms', { n: s.count, definition: `p50 of one embed([short sentence]) call, sequential, no cache: ${what}`, higherIsBetter: false, headline: tag === 'static' });
    ctx.metric(`embedder_query_p99_ms_${tag}`, s.p99, 'ms', { n: s.count, definition: `p99 of one embed([short sentence]) call: ${what}`, higherIsBetter: false });
    ctx.metric(`embedder_texts_per_sec_b1_${tag}`, r.textsPerSecB1, 'texts/s', { definition: `chat turns embedded one per call: ${what}`, higherIsBetter: true });
    ctx.metric(`embedder_texts_per_sec_b64_${tag}`, r.textsPerSecB64, 'texts/s', { definition: `chat turns embedded 64 per call: ${what}`, higherIsBetter: true });
    ctx.metric(`embedder_rss_mb_${tag}`, r.rssMb, 'MB', { definition: `process RSS after loading and measuring (${r.rssBeforeMb} MB before the embedder loaded): ${what}`, higherIsBetter: false });
    ctx.metric(`embedder_load_s_${tag}`, r.loadSeconds, 's', { definition: `warmup(): model load, or the static table ${r.table?.origin === 'built' ? 'built from USE-lite' : 'read from its cache file'}`, higherIsBetter: false });
    if (r.buildSeconds !== null) ctx.metric(`embedder_build_s_${tag}`, r.buildSeconds, 's', { definition: 'static table built from USE-lite in a fresh dir: tokenizer, model load, 8,000 pieces in batches of 256, file written', higherIsBetter: false });
    if (r.table) ctx.metric(`embedder_table_mb_${tag}`, r.table.bytes / 1e6, 'MB', { definition: 'static table file size (header + payload)', higherIsBetter: false });
    const row = [r.spec, r.id, r.buildSeconds === null ? null : r2(r.buildSeconds), r2(r.loadSeconds), r.table?.origin ?? null, r.table ? r2(r.table.bytes / 1e6) : null, r2(s.p50), r2(s.p99), s.count, Math.round(r.textsPerSecB1), Math.round(r.textsPerSecB64), r.rssMb, r.rssBeforeMb];
    ctx.row({ case: `embedder/${tag}`, section: 'embedders', ...Object.fromEntries(COLUMNS.map((c, i) => [c, row[i] ?? null])) });
    return row;
  });
  ctx.table('embedders', COLUMNS, cells);
}
