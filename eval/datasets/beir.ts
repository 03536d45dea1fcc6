/**
 * BEIR layout: `<dir>/corpus.jsonl` ({_id, title, text}), `<dir>/queries.jsonl` ({_id, text}),
 * `<dir>/qrels/<split>.tsv` (header `query-id corpus-id score`). As BEIR's own loader does, only
 * the queries judged in the split are kept (unless `allQueries`). Files are read whole: fine for
 * the small and medium sets (SciFact, NFCorpus, FiQA…), not for MS MARCO-sized corpora.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parseLine, readJsonl } from './jsonl';
import { retrievalStats } from './stats';
import { parseQrels } from './trec-qrels';
import { DatasetError } from './types';
import type { RetrievalDataset, RetrievalDoc, RetrievalQuery } from './types';

export interface BeirOptions {
  /** qrels/<split>.tsv; default 'test' */
  split?: string;
  /** default: `<dir name>:<split>` */
  id?: string;
  /** keep queries that the split does not judge */
  allQueries?: boolean;
}

const anyId = z.union([z.string().min(1), z.number()]).transform(String);
const docSchema = z.object({ _id: anyId, title: z.string().optional(), text: z.string() });
const querySchema = z.object({ _id: anyId, text: z.string() });

/** The files a BEIR split is read from, relative to its directory (for content hashing). */
export function beirFiles(split = 'test'): string[] {
  return ['corpus.jsonl', 'queries.jsonl', `qrels/${split}.tsv`];
}

async function read(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new DatasetError(file, [`${file}: cannot read: ${(err as Error).message}`]);
  }
}

export async function loadBeir(dir: string, options: BeirOptions = {}): Promise<RetrievalDataset> {
  const split = options.split ?? 'test';
  const [corpusFile, queriesFile, qrelsFile] = beirFiles(split).map((f) => path.join(dir, f)) as [string, string, string];
  const problems: string[] = [];
  const corpus: RetrievalDoc[] = [];
  for (const l of readJsonl(await read(corpusFile), corpusFile, problems)) {
    const d = parseLine(docSchema, l, corpusFile, problems);
    if (d) corpus.push(d.title ? { id: d._id, title: d.title, text: d.text } : { id: d._id, text: d.text });
  }
  const qrels = parseQrels(await read(qrelsFile), qrelsFile);
  const queries: RetrievalQuery[] = [];
  for (const l of readJsonl(await read(queriesFile), queriesFile, problems)) {
    const q = parseLine(querySchema, l, queriesFile, problems);
    if (q && (options.allQueries === true || qrels.has(q._id))) queries.push({ id: q._id, text: q.text });
  }
  if (problems.length > 0) throw new DatasetError(dir, problems);
  return {
    id: options.id ?? `${path.basename(path.resolve(dir))}:${split}`,
    source: `BEIR-format directory ${dir} (split ${split})`,
    format: 'beir',
    schemaVersion: 1,
    corpus,
    queries,
    qrels,
    stats: retrievalStats(corpus, queries, qrels),
  };
}
