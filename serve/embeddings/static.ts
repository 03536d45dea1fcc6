/**
 * A static embedder distilled from USE-lite (the model2vec idea): each of USE-lite's 8,000 vocabulary
 * pieces is embedded once (static-table.ts, cached under DATA_DIR/embeddings/), and a text is the
 * SIF-weighted mean of its pieces' vectors, L2-normalised:
 *   v(text) = normalise( Σ_piece  a / (a + p(piece)) · table[piece] ),  p = exp(log-prob in vocab.json)
 * with USE-lite's own tokenizer (use-lite-tokenizer.ts). Embedding is synchronous and takes tens of
 * microseconds, so it needs no worker and no batching. Its vectors live in another space than
 * USE-lite's: switching EMBEDDINGS between them needs `npm run memory:reindex`.
 *
 * Centring (SIF's common-component removal, `center=vocab`, the default): every such mean shares one
 * large common direction (|mean| ≈ 0.95 over 3,000 README lines), so any two texts score cos 0.8-0.99
 * and the server's thresholds, tuned on USE-lite, misfire: MEMORY_DEDUPE_NEAR = 0.97 would drop
 * "my sister moved to Porto" as a duplicate of "… to Lisbon" (0.988; USE-lite 0.913). The direction
 * u = normalise(Σ p(piece) · w(piece) · table[piece]) is the expected text vector under the
 * vocabulary's unigram model: it needs no corpus. Each vector then has its u component removed
 * before normalising, which spreads cosines to USE-lite's range (those two: 0.849; unrelated turns
 * 0.23 instead of 0.92). `center=none` keeps the plain mean.
 *
 * Spec: static[:use-lite][?dtype=float32|int8&a=<SIF a>&center=vocab|none]; defaults float32, 1e-3, vocab.
 */
import { createUseLiteTokenizer, RESERVED_PIECES, type UseLiteTokenizer } from './use-lite-tokenizer';
import { loadOrBuildTable, sourcePackageVersion, TABLE_FORMAT, TABLE_VERSION, type LoadedTable, type TableDtype } from './static-table';
import type { PieceTable } from './static-build';
import type { EmbeddingProvider } from './types';
import { USE_LITE_DIMENSIONS } from './use-lite';

export const DEFAULT_SIF_A = 1e-3;

export type Centring = 'vocab' | 'none';

export interface StaticEmbedderOptions {
  /** the table is cached in <dataDir>/embeddings/ */
  dataDir: string;
  dtype?: TableDtype;
  /** SIF smoothing a: a piece's weight is a / (a + p(piece)) (default 1e-3) */
  a?: number;
  /** remove the common direction (default 'vocab'; see the file comment) */
  center?: Centring;
  /** test hook: build the float32 table with this instead of USE-lite */
  build?: () => Promise<PieceTable>;
  log?: (msg: string) => void;
}

export interface StaticEmbedder extends EmbeddingProvider {
  /** One text's vector; the table must be loaded (after `warmup` or a first `embed`). */
  embedSync(text: string): Float32Array;
  /** The loaded table (where from, size, time), once loaded. */
  table(): LoadedTable | undefined;
}

/** The canonical spec of these options (defaults left out); also the embedder's id. */
export function staticSpec(o: { dtype?: TableDtype; a?: number; center?: Centring }): string {
  const q = new URLSearchParams();
  if (o.dtype && o.dtype !== 'float32') q.set('dtype', o.dtype);
  if (o.a !== undefined && o.a !== DEFAULT_SIF_A) q.set('a', String(o.a));
  if (o.center && o.center !== 'vocab') q.set('center', o.center);
  const s = q.toString();
  return `static:use-lite${s ? `?${s}` : ''}`;
}

/** `use-lite?dtype=int8` (the part after "static:") → options; throws on anything else. */
export function parseStaticSpec(arg: string): { dtype: TableDtype; a: number; center: Centring } {
  const q = arg.indexOf('?');
  const source = (q < 0 ? arg : arg.slice(0, q)).trim();
  if (source !== '' && source !== 'use-lite') throw new Error(`static embedder: unknown source model ${JSON.stringify(source)} (only use-lite)`);
  const params = new URLSearchParams(q < 0 ? '' : arg.slice(q + 1));
  let dtype: TableDtype = 'float32';
  let a = DEFAULT_SIF_A;
  let center: Centring = 'vocab';
  for (const [key, value] of params) {
    if (key === 'dtype' && (value === 'float32' || value === 'int8')) dtype = value;
    else if (key === 'a' && Number.isFinite(Number(value)) && Number(value) > 0) a = Number(value);
    else if (key === 'center' && (value === 'vocab' || value === 'none')) center = value;
    else throw new Error(`static embedder: bad option ${key}=${JSON.stringify(value)} (dtype=float32|int8, a=<number > 0>, center=vocab|none)`);
  }
  return { dtype, a, center };
}

export function sifWeights(logProbs: Float64Array, a: number): Float32Array {
  return Float32Array.from(logProbs, (lp) => a / (a + Math.exp(lp)));
}

/** A table row as numbers (int8 rows dequantised). */
function rowOf(t: LoadedTable, piece: number, dims: number): ArrayLike<number> {
  if (t.f32) return t.f32.subarray(piece * dims, (piece + 1) * dims);
  const scale = t.scales?.[piece] as number;
  return Float32Array.from((t.q8 as Int8Array).subarray(piece * dims, (piece + 1) * dims), (q) => q * scale);
}

/** The unit common direction: normalise(Σ p(piece) · w(piece) · row(piece)) over the non-reserved pieces. */
export function commonDirection(t: LoadedTable, logProbs: Float64Array, weights: Float32Array, dims: number): Float64Array {
  const mu = new Float64Array(dims);
  for (let piece = RESERVED_PIECES; piece < logProbs.length; piece++) {
    const f = Math.exp(logProbs[piece] as number) * (weights[piece] as number);
    const row = rowOf(t, piece, dims);
    for (let j = 0; j < dims; j++) mu[j] = (mu[j] as number) + f * (row[j] as number);
  }
  const norm = Math.hypot(...mu);
  return mu.map((x) => x / norm);
}

export function createStaticEmbedder(opts: StaticEmbedderOptions): StaticEmbedder {
  const dtype = opts.dtype ?? 'float32';
  const a = opts.a ?? DEFAULT_SIF_A;
  const center = opts.center ?? 'vocab';
  const dims = USE_LITE_DIMENSIONS;
  let loaded: { table: LoadedTable; tok: UseLiteTokenizer; weights: Float32Array; common: Float64Array | undefined } | undefined;
  let loading: Promise<void> | undefined;
  const acc = new Float64Array(dims);

  function load(): Promise<void> {
    loading ??= (async () => {
      const tok = await createUseLiteTokenizer();
      const v = tok.vocab;
      const tableOf = (d: TableDtype, build: (() => Promise<PieceTable>) | undefined) =>
        loadOrBuildTable({
          dataDir: opts.dataDir,
          dtype: d,
          identity: { format: TABLE_FORMAT, version: TABLE_VERSION, source: 'use-lite', sourcePackage: sourcePackageVersion(), pieceInput: 'piece-id', vocabHash: v.hash, pieces: v.pieces.length, dims, dtype: d },
          ...(build ? { build } : {}),
          ...(opts.log ? { log: opts.log } : {}),
        });
      // int8 is quantised from the float32 table (cached or built), not from a second model run.
      const fromFloat32 = async (): Promise<PieceTable> => ({ pieces: v.pieces.length, dims, data: (await tableOf('float32', opts.build)).f32 as Float32Array });
      const table = await tableOf(dtype, dtype === 'int8' ? fromFloat32 : opts.build);
      const weights = sifWeights(v.logProbs, a);
      loaded = { table, tok, weights, common: center === 'vocab' ? commonDirection(table, v.logProbs, weights, dims) : undefined };
    })().catch((err: unknown) => {
      loading = undefined;
      throw err;
    });
    return loading;
  }

  function embedSync(text: string): Float32Array {
    if (!loaded) throw new Error('static embedder: the table is not loaded yet (await warmup() or embed() first)');
    const { table, tok, weights, common } = loaded;
    // USE-lite embeds '' as ' ' (use-lite.ts); so does this.
    const ids = tok.encode(text.length === 0 ? ' ' : text);
    acc.fill(0);
    const { f32, q8, scales } = table;
    for (const id of ids) {
      const o = id * dims;
      if (f32) {
        const w = weights[id] as number;
        for (let j = 0; j < dims; j++) acc[j] = (acc[j] as number) + w * (f32[o + j] as number);
      } else if (q8 && scales) {
        const w = (weights[id] as number) * (scales[id] as number);
        for (let j = 0; j < dims; j++) acc[j] = (acc[j] as number) + w * (q8[o + j] as number);
      }
    }
    if (common) {
      let along = 0;
      for (let j = 0; j < dims; j++) along += (acc[j] as number) * (common[j] as number);
      for (let j = 0; j < dims; j++) acc[j] = (acc[j] as number) - along * (common[j] as number);
    }
    let sum = 0;
    for (let j = 0; j < dims; j++) sum += (acc[j] as number) * (acc[j] as number);
    const out = new Float32Array(dims);
    const norm = Math.sqrt(sum);
    if (norm > 0) for (let j = 0; j < dims; j++) out[j] = (acc[j] as number) / norm;
    return out;
  }

  return {
    id: staticSpec({ dtype, a, center }),
    dimensions: dims,
    async embed(texts, opts?: { signal?: AbortSignal }) {
      opts?.signal?.throwIfAborted();
      if (!loaded) await load();
      opts?.signal?.throwIfAborted();
      return texts.map(embedSync);
    },
    embedSync,
    warmup: load,
    table: () => loaded?.table,
  };
}
