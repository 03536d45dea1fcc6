/**
 * TREC run and qrels files, as trec_eval reads them.
 * - run: `qid Q0 docid rank score tag`, one retrieved item a line. trec_eval ignores the rank
 *   column and orders each query's items by score (descending), ties by docid (descending,
 *   strcmp order); `parseRun` orders them the same way.
 * - qrels: `qid iter docid rel`; the iteration column is ignored; rel is an integer grade.
 * Fields are separated by any whitespace; blank lines are skipped. Parsers do not throw on bad
 * input: each bad line is reported with its 1-based line number and left out.
 */

export interface TrecRunEntry {
  docid: string;
  rank: number;
  score: number;
}

export interface LineError {
  /** 1-based line number */
  line: number;
  text: string;
  reason: string;
}

export type RunInput = ReadonlyMap<string, readonly RunItem[]> | Readonly<Record<string, readonly RunItem[]>>;
/** a ranked id (scores are then generated), or an id with its score */
export type RunItem = string | { docid: string; score: number };

const FIELD = /^\S+$/;

function checkField(value: string, what: string): void {
  if (!FIELD.test(value)) throw new RangeError(`${what} must be non-empty without whitespace: ${JSON.stringify(value)}`);
}

/** trec_eval's order: score descending, then docid descending in byte (strcmp) order. */
export function compareTrec(a: { docid: string; score: number }, b: { docid: string; score: number }): number {
  if (a.score !== b.score) return b.score - a.score;
  return Buffer.compare(Buffer.from(b.docid, 'utf8'), Buffer.from(a.docid, 'utf8'));
}

function pairs<T>(x: ReadonlyMap<string, T> | Readonly<Record<string, T>>): [string, T][] {
  return x instanceof Map ? [...(x as ReadonlyMap<string, T>)] : Object.entries(x as Readonly<Record<string, T>>);
}

/**
 * A run in TREC format, queries in input order, ranks from 1. Plain ids get the scores n, n−1,
 * …, 1 (n = the list's length), so trec_eval reads back exactly this order. Given scores must
 * already be in trec_eval's order (score descending, ties by docid descending) and finite;
 * a duplicate docid within a query, whitespace in a field, or an empty field throws RangeError.
 */
export function formatRun(run: RunInput, tag: string): string {
  checkField(tag, 'tag');
  const lines: string[] = [];
  for (const [qid, items] of pairs(run)) {
    checkField(qid, 'qid');
    const entries = items.map((it, i) => (typeof it === 'string' ? { docid: it, score: items.length - i } : it));
    const seen = new Set<string>();
    entries.forEach((e, i) => {
      checkField(e.docid, 'docid');
      if (!Number.isFinite(e.score)) throw new RangeError(`score of ${qid}/${e.docid} must be finite, got ${e.score}`);
      if (seen.has(e.docid)) throw new RangeError(`duplicate docid ${e.docid} in query ${qid}`);
      seen.add(e.docid);
      const prev = entries[i - 1];
      if (prev && compareTrec(prev, e) > 0) {
        throw new RangeError(`query ${qid}: ${e.docid} (score ${e.score}) would be ranked above ${prev.docid} (score ${prev.score}) by trec_eval`);
      }
      lines.push(`${qid} Q0 ${e.docid} ${i + 1} ${e.score} ${tag}`);
    });
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Qrels in TREC format (`qid 0 docid rel`), queries and documents in input order. */
export function formatQrels(
  qrels: ReadonlyMap<string, ReadonlyMap<string, number>> | Readonly<Record<string, Readonly<Record<string, number>>>>,
): string {
  const lines: string[] = [];
  for (const [qid, judged] of pairs<ReadonlyMap<string, number> | Readonly<Record<string, number>>>(qrels)) {
    checkField(qid, 'qid');
    for (const [docid, rel] of pairs(judged)) {
      checkField(docid, 'docid');
      if (!Number.isInteger(rel)) throw new RangeError(`relevance of ${qid}/${docid} must be an integer, got ${rel}`);
      lines.push(`${qid} 0 ${docid} ${rel}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function* fieldsOf(text: string): Generator<{ line: number; text: string; fields: string[] }> {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const trimmed = raw.trim();
    if (trimmed === '') continue;
    yield { line: i + 1, text: raw, fields: trimmed.split(/\s+/) };
  }
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export interface ParsedRun {
  /** per query, entries in trec_eval's order (score desc, docid desc) */
  run: Map<string, TrecRunEntry[]>;
  /** the run tags seen (normally one) */
  tags: string[];
  errors: LineError[];
}

/** Parse a TREC run; bad lines and repeated (qid, docid) pairs are reported and skipped. */
export function parseRun(text: string): ParsedRun {
  const run = new Map<string, TrecRunEntry[]>();
  const seen = new Map<string, Set<string>>();
  const tags = new Set<string>();
  const errors: LineError[] = [];
  for (const { line, text: raw, fields } of fieldsOf(text)) {
    const bad = (reason: string) => errors.push({ line, text: raw, reason });
    if (fields.length !== 6) {
      bad(`expected 6 fields (qid Q0 docid rank score tag), got ${fields.length}`);
      continue;
    }
    const [qid, , docid, rankText, scoreText, tag] = fields as [string, string, string, string, string, string];
    if (!INTEGER.test(rankText)) {
      bad(`rank is not an integer: ${rankText}`);
      continue;
    }
    if (!NUMBER.test(scoreText)) {
      bad(`score is not a number: ${scoreText}`);
      continue;
    }
    const docs = seen.get(qid) ?? new Set<string>();
    if (docs.has(docid)) {
      bad(`duplicate docid ${docid} for query ${qid}`);
      continue;
    }
    docs.add(docid);
    seen.set(qid, docs);
    tags.add(tag);
    const entries = run.get(qid) ?? [];
    entries.push({ docid, rank: Number(rankText), score: Number(scoreText) });
    run.set(qid, entries);
  }
  for (const entries of run.values()) entries.sort(compareTrec);
  return { run, tags: [...tags], errors };
}

/** The ranked docids of each query of a parsed run. */
export function runRankings(run: ReadonlyMap<string, readonly TrecRunEntry[]>): Map<string, string[]> {
  return new Map([...run].map(([qid, entries]) => [qid, entries.map((e) => e.docid)]));
}

export interface ParseQrelsOptions {
  /**
   * Negative grades (e.g. −2 for spam in some TREC tracks): 'error' (default) reports the line;
   * 'zero' reads them as 0, judged non-relevant, which is how trec_eval counts them.
   */
  negative?: 'error' | 'zero';
}

export interface ParsedQrels {
  qrels: Map<string, Map<string, number>>;
  errors: LineError[];
}

/** Parse TREC qrels; bad lines and repeated (qid, docid) pairs are reported and skipped. */
export function parseQrels(text: string, options: ParseQrelsOptions = {}): ParsedQrels {
  const qrels = new Map<string, Map<string, number>>();
  const errors: LineError[] = [];
  for (const { line, text: raw, fields } of fieldsOf(text)) {
    const bad = (reason: string) => errors.push({ line, text: raw, reason });
    if (fields.length !== 4) {
      bad(`expected 4 fields (qid iter docid rel), got ${fields.length}`);
      continue;
    }
    const [qid, , docid, relText] = fields as [string, string, string, string];
    if (!INTEGER.test(relText)) {
      bad(`relevance is not an integer: ${relText}`);
      continue;
    }
    let rel = Number(relText) || 0; // "-0" → 0
    if (rel < 0) {
      if (options.negative !== 'zero') {
        bad(`negative relevance ${rel} (pass negative: 'zero' to read it as non-relevant)`);
        continue;
      }
      rel = 0;
    }
    const judged = qrels.get(qid) ?? new Map<string, number>();
    if (judged.has(docid)) {
      bad(`duplicate judgment of ${docid} for query ${qid}`);
      continue;
    }
    judged.set(docid, rel);
    qrels.set(qid, judged);
  }
  return { qrels, errors };
}
