import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetInfo, gatherMeta, hashPath } from './meta';
import { metaSchema } from './schema';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'memocha-meta-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hashPath', () => {
  it('hashes a file as sha256 of its bytes', async () => {
    const f = path.join(dir, 'abc.txt');
    await writeFile(f, 'abc');
    // FIPS 180-2 test vector: sha256("abc")
    expect(await hashPath(f)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await datasetInfo('abc', f)).toEqual({ id: 'abc', path: f, contentHash: expect.stringMatching(/^ba7816bf/) });
  });

  it('hashes a directory by relative paths and contents, independent of creation order', async () => {
    const d1 = path.join(dir, 'd1');
    const d2 = path.join(dir, 'd2');
    await mkdir(path.join(d1, 'sub'), { recursive: true });
    await mkdir(path.join(d2, 'sub'), { recursive: true });
    await writeFile(path.join(d1, 'a.jsonl'), '1');
    await writeFile(path.join(d1, 'sub', 'b.jsonl'), '2');
    await writeFile(path.join(d2, 'sub', 'b.jsonl'), '2');
    await writeFile(path.join(d2, 'a.jsonl'), '1');
    expect(await hashPath(d1)).toBe(await hashPath(d2));
    await writeFile(path.join(d2, 'a.jsonl'), '1 ');
    expect(await hashPath(d1)).not.toBe(await hashPath(d2));
  });
});

describe('gatherMeta', () => {
  it('records git, node, machine and the run inputs, valid against the schema', async () => {
    const meta = await gatherMeta({ seed: 7, quick: true, argv: ['memocha-eval', 'x'], config: { a: 1 }, target: 'in-process' });
    expect(metaSchema.parse(meta)).toEqual(meta);
    expect(meta.gitSha).toMatch(/^([0-9a-f]{40}|unknown)$/);
    expect(meta.node).toBe(process.version);
    expect(meta.cpu.cores).toBeGreaterThan(0);
    expect(meta).toMatchObject({ seed: 7, quick: true, config: { a: 1 }, target: 'in-process' });
  });

  it('says unknown outside a git repository', async () => {
    const meta = await gatherMeta({ seed: 1, quick: false, argv: [], cwd: os.tmpdir() });
    expect(meta.gitSha).toBe('unknown');
  });
});
