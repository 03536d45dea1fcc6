/**
 * Sentence embeddings from a local Hugging Face model directory through @xenova/transformers
 * (ONNX runtime, CPU). Remote downloads are disabled: the model must already be on disk.
 * The package is optional and loaded on first use (or `warmup()`), so it is only needed here.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chunks, l2normalise } from './normalise';
import { EmbeddingDimensionError, type EmbeddingProvider } from './types';

export const TRANSFORMERS_PACKAGE = '@xenova/transformers';
export const TRANSFORMERS_MISSING =
  'the transformers embedder needs the optional package @xenova/transformers: install @xenova/transformers and set EMBEDDINGS_MODEL_DIR to a local model directory';

export interface TransformersEmbedderOptions {
  /** A model folder with config.json, tokenizer files and onnx/model(_quantized).onnx. */
  modelDir: string;
  /** Default: read from config.json (hidden_size, dim or d_model). */
  dimensions?: number;
  /** Use onnx/model_quantized.onnx (default true). */
  quantized?: boolean;
  /** Texts per model call (default 32). */
  maxBatch?: number;
}

interface Tensor {
  data: ArrayLike<number>;
  dims: number[];
}
type FeatureExtractor = (texts: string[], opts: { pooling: 'mean'; normalize: boolean }) => Promise<Tensor>;
interface TransformersModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  pipeline(task: 'feature-extraction', model: string, opts?: { quantized?: boolean }): Promise<FeatureExtractor>;
}

/** Import the optional package, turning "not installed" into an actionable message. */
export async function importTransformers(specifier = TRANSFORMERS_PACKAGE): Promise<TransformersModule> {
  try {
    return (await import(/* @vite-ignore */ specifier)) as TransformersModule;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(String(err))) {
      throw new Error(TRANSFORMERS_MISSING, { cause: err });
    }
    throw err;
  }
}

/** The hidden size declared by a model's config.json, if any. */
export function readModelDimensions(modelDir: string): number | undefined {
  const file = path.join(modelDir, 'config.json');
  if (!existsSync(file)) return undefined;
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  for (const key of ['hidden_size', 'dim', 'd_model', 'word_embed_proj_dim']) {
    const v = config[key];
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  }
  return undefined;
}

export function createTransformersEmbedder(opts: TransformersEmbedderOptions): EmbeddingProvider {
  const modelDir = path.resolve(opts.modelDir);
  if (!existsSync(modelDir)) {
    throw new Error(`EMBEDDINGS_MODEL_DIR ${modelDir} does not exist: point it at a downloaded model folder (e.g. Xenova/all-MiniLM-L6-v2)`);
  }
  const declared = opts.dimensions ?? readModelDimensions(modelDir);
  if (declared === undefined) {
    throw new Error(`cannot tell the vector size of ${modelDir} (no hidden_size in config.json): pass dimensions explicitly`);
  }
  const dimensions: number = declared;
  const id = `transformers:${path.basename(modelDir)}`;
  const maxBatch = Math.max(1, opts.maxBatch ?? 32);
  let extractor: Promise<FeatureExtractor> | undefined;

  function load(): Promise<FeatureExtractor> {
    extractor ??= (async () => {
      const mod = await importTransformers();
      mod.env.allowRemoteModels = false;
      mod.env.allowLocalModels = true;
      mod.env.localModelPath = path.dirname(modelDir) + path.sep;
      return mod.pipeline('feature-extraction', path.basename(modelDir), { quantized: opts.quantized ?? true });
    })().catch((err: unknown) => {
      extractor = undefined;
      throw err;
    });
    return extractor;
  }

  async function embedBatch(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const extract = await load();
    signal?.throwIfAborted();
    const out = await extract(texts, { pooling: 'mean', normalize: true });
    const width = out.dims[out.dims.length - 1] ?? 0;
    if (width !== dimensions) throw new EmbeddingDimensionError(id, dimensions, width);
    return texts.map((_, i) => {
      const row = new Float32Array(width);
      for (let j = 0; j < width; j++) row[j] = out.data[i * width + j] ?? 0;
      return l2normalise(row);
    });
  }

  return {
    id,
    dimensions,
    async embed(texts, embedOpts) {
      const out: Float32Array[] = [];
      for (const batch of chunks(texts, maxBatch)) {
        embedOpts?.signal?.throwIfAborted();
        out.push(...(await embedBatch(batch, embedOpts?.signal)));
      }
      return out;
    },
    warmup: async () => {
      await load();
    },
  };
}
