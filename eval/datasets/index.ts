/**
 * One entry point for the suites: `loadDataset(spec)` with
 *   locomo:<file.json>            LoCoMo (memory)
 *   memocha:<file.jsonl>          Memocha JSONL, memory or retrieval (the header says which)
 *   beir:<dir>[:split]            BEIR layout (retrieval), split default 'test'
 *   <path>                        inferred: a directory is BEIR, *.jsonl Memocha, *.json LoCoMo
 * and the content hash of exactly the files read, for the report's meta.dataset.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DatasetInfo } from '../report/meta';
import { beirFiles, loadBeir } from './beir';
import { loadLocomo } from './locomo';
import type { LocomoOptions } from './locomo';
import { loadMemocha } from './memocha-jsonl';
import type { DatasetFormat, MemoryDataset, RetrievalDataset } from './types';

export type { DatasetInfo };
export * from './types';
export { loadBeir } from './beir';
export { loadLocomo, parseEvidenceRef, parseLocomoDate } from './locomo';
export { loadMemocha, loadMemochaMemory, loadMemochaRetrieval, parseMemochaMemory, parseMemochaRetrieval } from './memocha-jsonl';
export { formatQrels, parseQrels } from './trec-qrels';
export { turnIndex } from './stats';

export interface DatasetSpec {
  format: DatasetFormat;
  path: string;
  /** BEIR only */
  split?: string;
}

export type LoadedDataset = ({ kind: 'memory'; dataset: MemoryDataset } | { kind: 'retrieval'; dataset: RetrievalDataset }) & {
  spec: DatasetSpec;
  /** id, path and sha256 of the files read: goes into the report's meta.dataset */
  info: DatasetInfo;
};

export interface LoadOptions {
  locomo?: LocomoOptions;
  /** BEIR: keep queries the split does not judge */
  allQueries?: boolean;
}

/** Parses a spec string; bare paths are inferred from the file system. */
export async function parseDatasetSpec(spec: string): Promise<DatasetSpec> {
  const m = /^(locomo|memocha|beir):(.+)$/.exec(spec);
  if (m) {
    const format = m[1] as DatasetFormat;
    const rest = m[2] ?? '';
    if (format !== 'beir') return { format, path: rest };
    const split = /^(.+):([\w.-]+)$/.exec(rest);
    return split ? { format, path: split[1] ?? '', split: split[2] ?? 'test' } : { format, path: rest, split: 'test' };
  }
  const s = await stat(spec).catch(() => null);
  if (s?.isDirectory()) return { format: 'beir', path: spec, split: 'test' };
  if (spec.endsWith('.jsonl')) return { format: 'memocha', path: spec };
  if (spec.endsWith('.json')) return { format: 'locomo', path: spec };
  throw new Error(`unknown dataset spec ${JSON.stringify(spec)}: use locomo:<file.json>, memocha:<file.jsonl> or beir:<dir>[:split]`);
}

export async function loadDataset(spec: string, options: LoadOptions = {}): Promise<LoadedDataset> {
  const parsed = await parseDatasetSpec(spec);
  if (parsed.format === 'beir') {
    const split = parsed.split ?? 'test';
    const dataset = await loadBeir(parsed.path, { split, allQueries: options.allQueries === true });
    return { kind: 'retrieval', dataset, spec: parsed, info: await info(dataset.id, parsed.path, beirFiles(split)) };
  }
  if (parsed.format === 'locomo') {
    const dataset = await loadLocomo(parsed.path, options.locomo);
    return { kind: 'memory', dataset, spec: parsed, info: await info(dataset.id, parsed.path) };
  }
  const loaded = await loadMemocha(parsed.path);
  return { ...loaded, spec: parsed, info: await info(loaded.dataset.id, parsed.path) };
}

export async function loadMemoryDataset(spec: string, options: LoadOptions = {}): Promise<MemoryDataset & { info: DatasetInfo }> {
  const d = await loadDataset(spec, options);
  if (d.kind !== 'memory') throw new Error(`${spec} is a retrieval dataset; this suite needs conversations and questions`);
  return { ...d.dataset, info: d.info };
}

export async function loadRetrievalDataset(spec: string, options: LoadOptions = {}): Promise<RetrievalDataset & { info: DatasetInfo }> {
  const d = await loadDataset(spec, options);
  if (d.kind !== 'retrieval') throw new Error(`${spec} is a memory dataset; this suite needs a corpus, queries and qrels`);
  return { ...d.dataset, info: d.info };
}

/**
 * sha256 of the files a dataset was read from. One file: sha256 of its bytes (as `sha256sum`, and
 * as eval/report/meta hashPath). Several files (relative to `root`): sha256 over them sorted by
 * path, each as `<relative path>\0<sha256 of the file>\n` (hashPath's directory scheme, restricted
 * to the files read).
 */
export async function contentHash(root: string, files?: readonly string[]): Promise<string> {
  if (files === undefined) return sha256(await readFile(root));
  const h = createHash('sha256');
  for (const rel of [...files].sort()) h.update(`${rel}\0${sha256(await readFile(path.join(root, rel)))}\n`);
  return h.digest('hex');
}

async function info(id: string, p: string, files?: readonly string[]): Promise<DatasetInfo> {
  return { id, path: p, contentHash: await contentHash(p, files) };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
