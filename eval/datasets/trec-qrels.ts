/**
 * Qrels files: TREC (`qid iter docid rel`, whitespace-separated) and BEIR TSV (`query-id corpus-id
 * score`, tab-separated, with that header line). Grades are integers; > 0 is relevant, 0 judged
 * not relevant, negative (some TREC tracks) judged junk.
 */
import { formatQrels as formatTrecQrels } from '../metrics/trec';
import { DatasetError } from './types';
import type { Qrels } from './types';

export function parseQrels(text: string, file = '<qrels>'): Qrels {
  const qrels: Qrels = new Map();
  const problems: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line.length === 0) return;
    const f = line.includes('\t') ? line.split('\t').map((x) => x.trim()) : line.split(/\s+/);
    if (i === 0 && f.length === 3 && !/^-?\d+$/.test(f[2] ?? '')) return; // the BEIR header
    const [qid, docId, grade] = f.length === 4 ? [f[0], f[2], f[3]] : f.length === 3 ? [f[0], f[1], f[2]] : [];
    if (qid === undefined || docId === undefined || grade === undefined || !/^-?\d+$/.test(grade)) {
      problems.push(`${file}:${i + 1}: expected "qid iter docid rel" or "query-id<TAB>corpus-id<TAB>score" with an integer grade: ${JSON.stringify(raw)}`);
      return;
    }
    const docs = qrels.get(qid) ?? new Map<string, number>();
    qrels.set(qid, docs);
    const previous = docs.get(docId);
    if (previous !== undefined && previous !== Number(grade)) problems.push(`${file}:${i + 1}: ${qid} ${docId} judged ${previous} before and ${grade} now`);
    docs.set(docId, Number(grade));
  });
  if (problems.length > 0) throw new DatasetError(file, problems);
  return qrels;
}

/** TREC format (`qid 0 docid rel`), sorted by query and document, one judgment per line. */
export function formatQrels(qrels: Qrels): string {
  const byId = (a: [string, unknown], b: [string, unknown]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  return formatTrecQrels(new Map([...qrels].sort(byId).map(([qid, docs]) => [qid, new Map([...docs].sort(byId))])));
}
