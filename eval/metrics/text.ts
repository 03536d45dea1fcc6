/**
 * Answer-text metrics: SQuAD-style normalisation, exact match and multiset token F1, set-of-token
 * F1 variants (SQuAD-normalised, and LoCoMo as memory systems score it), the LoCoMo paper's own
 * F1, and ROUGE-L (LCS-based). All take (prediction, reference) and return a number in [0, 1].
 */

/** string.punctuation of Python: the 32 ASCII punctuation characters SQuAD removes. */
const ASCII_PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;
/** Python's re `\b(a|an|the)\b` on str, whose \w is Unicode; JS \b is ASCII-only, hence lookarounds. */
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;
/**
 * LoCoMo's script uses the third-party `regex` module, whose \w (hence \b) is wider than re's:
 * Alphabetic, marks, decimal digits, connector punctuation and ZWJ/ZWNJ; not \p{No} such as "²".
 */
const LOCOMO_STOPWORDS =
  /(?<![\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}])(?:a|an|the|and)(?![\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}])/gu;
/**
 * What Python's str.split() splits on (str.isspace): unlike JS \s it includes U+001C–U+001F and
 * U+0085 and excludes U+FEFF.
 */
// eslint-disable-next-line no-control-regex -- U+001C..U+001F are whitespace to Python, on purpose
const PY_WHITESPACE = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

/** Python's str.split() with no argument: the non-empty runs between whitespace. */
function pySplit(s: string): string[] {
  return s.split(PY_WHITESPACE).filter((t) => t !== '');
}

function collapse(s: string): string {
  return pySplit(s).join(' ');
}

/**
 * SQuAD's normalize_answer: lower case, remove ASCII punctuation, remove the articles a / an /
 * the as whole words, collapse whitespace (in that order). Non-ASCII punctuation is kept, as in
 * SQuAD's script.
 */
export function normalizeAnswer(s: string): string {
  return collapse(s.toLowerCase().replace(ASCII_PUNCTUATION, '').replace(ARTICLES, ' '));
}

/** The tokens of the normalised answer. */
export function answerTokens(s: string): string[] {
  const n = normalizeAnswer(s);
  return n === '' ? [] : n.split(' ');
}

/** 1 if the normalised strings are equal, else 0. */
export function exactMatch(prediction: string, reference: string): number {
  return normalizeAnswer(prediction) === normalizeAnswer(reference) ? 1 : 0;
}

function counts(tokens: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of tokens) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

function f1FromOverlap(common: number, nPred: number, nRef: number): number {
  if (common === 0) return 0;
  const p = common / nPred;
  const r = common / nRef;
  return (2 * p * r) / (p + r);
}

/** F1 of two token multisets; 0 when either is empty (no overlap). */
function multisetF1(pred: readonly string[], ref: readonly string[]): number {
  const refCounts = counts(ref);
  let common = 0;
  for (const [t, c] of counts(pred)) common += Math.min(c, refCounts.get(t) ?? 0);
  return f1FromOverlap(common, pred.length, ref.length);
}

/** F1 of two token sets; 0 when either is empty. */
function setF1(pred: ReadonlySet<string>, ref: ReadonlySet<string>): number {
  let common = 0;
  for (const t of pred) if (ref.has(t)) common++;
  return f1FromOverlap(common, pred.size, ref.size);
}

/**
 * SQuAD token F1 over the multisets of normalised tokens (a token counts as often as it occurs
 * in both). As SQuAD v2's script: if either side has no token, 1 when both are empty, else 0.
 */
export function tokenF1(prediction: string, reference: string): number {
  const p = answerTokens(prediction);
  const r = answerTokens(reference);
  if (p.length === 0 || r.length === 0) return p.length === r.length ? 1 : 0;
  return multisetF1(p, r);
}

/** F1 over the SETS of SQuAD-normalised tokens (repeats ignored); empty sides as tokenF1. */
export function tokenSetF1(prediction: string, reference: string): number {
  const p = new Set(answerTokens(prediction));
  const r = new Set(answerTokens(reference));
  if (p.size === 0 || r.size === 0) return p.size === r.size ? 1 : 0;
  return setF1(p, r);
}

/**
 * LoCoMo set F1 as published memory systems report it (A-Mem's and Mem0's evaluation script,
 * `calculate_metrics`): tokens are the lower-cased text with . , ! ? turned into spaces, split on
 * whitespace; no article or other punctuation removal; F1 of the token sets; 0 when either side
 * is empty (also both).
 */
export function locomoSetF1(prediction: string, reference: string): number {
  // mem0 strips the answers first; that cannot change the tokens of a whitespace split
  const tok = (s: string) => new Set(pySplit(s.toLowerCase().replace(/[.,!?]/g, ' ')));
  return setF1(tok(prediction), tok(reference));
}

export interface LocomoF1Options {
  /**
   * A stemmer applied to every token. The LoCoMo paper's script stems with NLTK's Porter
   * stemmer; Memocha ships none, so without one the score is the unstemmed variant (report it so).
   */
  stem?: (token: string) => string;
}

function locomoTokens(s: string, stem: ((t: string) => string) | undefined): string[] {
  const n = collapse(s.replace(/,/g, '').toLowerCase().replace(ASCII_PUNCTUATION, '').replace(LOCOMO_STOPWORDS, ' '));
  const tokens = n === '' ? [] : n.split(' ');
  return stem ? tokens.map(stem) : tokens;
}

/**
 * The LoCoMo paper's F1 (task_eval/evaluation.py `f1_score`, used for categories 2–4): SQuAD
 * normalisation that also drops commas and the word "and", optional stemming, multiset F1;
 * 0 when there is no overlap (so also for empty answers).
 */
export function locomoF1(prediction: string, reference: string, options: LocomoF1Options = {}): number {
  return multisetF1(locomoTokens(prediction, options.stem), locomoTokens(reference, options.stem));
}

/**
 * The LoCoMo paper's multi-answer F1 (`f1`, used for category 1, multi-hop): both sides are
 * split on commas; for each reference part, the best locomoF1 over the prediction parts; the
 * mean over reference parts.
 */
export function locomoMultiAnswerF1(prediction: string, reference: string, options: LocomoF1Options = {}): number {
  // LoCoMo strips each part (Python strip()); locomoF1 splits on the same whitespace, so the
  // parts are passed as they are (JS trim() would also drop U+FEFF, which Python keeps)
  const preds = prediction.split(',');
  const refs = reference.split(',');
  let sum = 0;
  for (const r of refs) sum += Math.max(...preds.map((p) => locomoF1(p, r, options)));
  return sum / refs.length;
}

/** The best score of a prediction against any of several references (SQuAD's metric_max_over_ground_truths). */
export function maxOverReferences(
  metric: (prediction: string, reference: string) => number,
  prediction: string,
  references: readonly string[],
): number {
  if (references.length === 0) throw new RangeError('no reference');
  return Math.max(...references.map((r) => metric(prediction, r)));
}

/** Length of the longest common subsequence of two token lists (O(n·m) time, O(m) memory). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? (prev[j - 1] as number) + 1 : Math.max(prev[j] as number, cur[j - 1] as number);
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

export interface RougeLOptions {
  /** β of F_β; 1 (default) as Google's rouge_score `fmeasure` */
  beta?: number;
  /** tokeniser; default the SQuAD-normalised tokens (answerTokens) */
  tokenize?: (s: string) => string[];
}

export interface RougeL {
  precision: number;
  recall: number;
  f: number;
}

/**
 * Sentence-level ROUGE-L (Lin 2004): P = LCS / |prediction|, R = LCS / |reference|,
 * F = (1 + β²)·P·R / (R + β²·P). All 0 when either side has no token or nothing is shared.
 */
export function rougeL(prediction: string, reference: string, options: RougeLOptions = {}): RougeL {
  const tokenize = options.tokenize ?? answerTokens;
  const beta = options.beta ?? 1;
  const p = tokenize(prediction);
  const r = tokenize(reference);
  const lcs = p.length === 0 || r.length === 0 ? 0 : lcsLength(p, r);
  if (lcs === 0) return { precision: 0, recall: 0, f: 0 };
  const precision = lcs / p.length;
  const recall = lcs / r.length;
  return { precision, recall, f: ((1 + beta ** 2) * precision * recall) / (recall + beta ** 2 * precision) };
}
