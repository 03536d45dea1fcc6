import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hashPath } from '../report/meta';
import { contentHash, loadDataset, loadMemoryDataset, loadRetrievalDataset, parseDatasetSpec } from './index';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const TINY = here('./fixtures/beir-tiny');
const LOCOMO_FX = here('./fixtures/locomo-malformed.json');
const MEMORY_GATE = here('../../datasets/memory-gate.jsonl');
const RETRIEVAL = here('../../datasets/retrieval-dev.jsonl');

describe('parseDatasetSpec', () => {
  it('reads explicit formats and splits', async () => {
    expect(await parseDatasetSpec('locomo:../x.json')).toEqual({ format: 'locomo', path: '../x.json' });
    expect(await parseDatasetSpec('memocha:datasets/a.jsonl')).toEqual({ format: 'memocha', path: 'datasets/a.jsonl' });
    expect(await parseDatasetSpec('beir:data/scifact')).toEqual({ format: 'beir', path: 'data/scifact', split: 'test' });
    expect(await parseDatasetSpec('beir:data/scifact:dev')).toEqual({ format: 'beir', path: 'data/scifact', split: 'dev' });
  });

  it('infers bare paths and rejects the rest', async () => {
    expect(await parseDatasetSpec(TINY)).toEqual({ format: 'beir', path: TINY, split: 'test' });
    expect((await parseDatasetSpec('x/memory.jsonl')).format).toBe('memocha');
    expect((await parseDatasetSpec('x/locomo10.json')).format).toBe('locomo');
    await expect(parseDatasetSpec('x/data.csv')).rejects.toThrow(/unknown dataset spec/);
  });
});

describe('loadDataset', () => {
  it('loads each format with the hash of the files read', async () => {
    const locomo = await loadDataset(`locomo:${LOCOMO_FX}`);
    expect(locomo.kind).toBe('memory');
    expect(locomo.info).toEqual({ id: 'locomo-malformed', path: LOCOMO_FX, contentHash: await hashPath(LOCOMO_FX) });

    const beir = await loadDataset(`beir:${TINY}:dev`);
    expect(beir.kind).toBe('retrieval');
    expect(beir.info.id).toBe('beir-tiny:dev');
    const expected = createHash('sha256');
    for (const f of ['corpus.jsonl', 'qrels/dev.tsv', 'queries.jsonl']) {
      expected.update(`${f}\0${createHash('sha256').update(readFileSync(`${TINY}/${f}`)).digest('hex')}\n`);
    }
    expect(beir.info.contentHash).toBe(expected.digest('hex'));
    expect(await contentHash(TINY, ['corpus.jsonl', 'queries.jsonl', 'qrels/test.tsv'])).not.toBe(beir.info.contentHash);

    const memocha = await loadDataset(MEMORY_GATE);
    expect(memocha).toMatchObject({ kind: 'memory', spec: { format: 'memocha' }, info: { id: 'memory-gate' } });
    const retrieval = await loadDataset(`memocha:${RETRIEVAL}`);
    expect(retrieval).toMatchObject({ kind: 'retrieval', info: { id: 'retrieval-dev' } });
  });

  it('typed helpers refuse the other kind', async () => {
    expect((await loadMemoryDataset(MEMORY_GATE)).info.id).toBe('memory-gate');
    expect((await loadRetrievalDataset(`beir:${TINY}`)).corpus.length).toBe(4);
    await expect(loadMemoryDataset(`beir:${TINY}`)).rejects.toThrow(/is a retrieval dataset/);
    await expect(loadRetrievalDataset(MEMORY_GATE)).rejects.toThrow(/is a memory dataset/);
  });
});
