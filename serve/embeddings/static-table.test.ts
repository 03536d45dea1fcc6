import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PieceTable } from './static-build';
import { decodeTableFile, encodeTableFile, loadOrBuildTable, LOCK_STALE_MS, quantiseInt8, TABLE_FORMAT, TABLE_VERSION, tablePath, type TableIdentity } from './static-table';

// A synthetic table (the real USE-lite build is static.test.ts's job): these tests are about the file.
const PIECES = 50;
const DIMS = 8;
const identity = (dtype: 'float32' | 'int8' = 'float32'): TableIdentity => ({
  format: TABLE_FORMAT,
  version: TABLE_VERSION,
  source: 'use-lite',
  sourcePackage: 'test@1',
  pieceInput: 'piece-id',
  vocabHash: 'h'.repeat(64),
  pieces: PIECES,
  dims: DIMS,
  dtype,
});

function counted(): { build: () => Promise<PieceTable>; calls: () => number } {
  let calls = 0;
  return {
    build: async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 20));
      return { pieces: PIECES, dims: DIMS, data: Float32Array.from({ length: PIECES * DIMS }, (_, i) => Math.sin(i + 1)) };
    },
    calls: () => calls,
  };
}

describe('static embedding table file', () => {
  let root: string;
  let n = 0;
  const freshDir = async () => {
    const dir = path.join(root, `d${n++}`);
    await mkdir(dir);
    return dir;
  };
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'memocha-static-table-'));
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  it('builds once, writes atomically, and the next load reads the file without building', async () => {
    const dir = await freshDir();
    const b = counted();
    const first = await loadOrBuildTable({ dataDir: dir, dtype: 'float32', identity: identity(), build: b.build });
    expect(first.origin).toBe('built');
    expect(first.path).toBe(tablePath(dir, 'float32'));
    const again = await loadOrBuildTable({ dataDir: dir, dtype: 'float32', identity: identity(), build: b.build });
    expect(again.origin).toBe('cache');
    expect(b.calls()).toBe(1);
    expect(Array.from(again.f32 ?? [])).toEqual(Array.from(first.f32 ?? []));
    expect(again.header).toEqual(first.header);
    // no temp or lock file left behind
    expect(await readdir(path.join(dir, 'embeddings'))).toEqual([path.basename(first.path)]);
  });

  it('shares one build between concurrent first users', async () => {
    const dir = await freshDir();
    const b = counted();
    const all = await Promise.all(Array.from({ length: 4 }, () => loadOrBuildTable({ dataDir: dir, dtype: 'float32', identity: identity(), build: b.build })));
    expect(b.calls()).toBe(1);
    expect(new Set(all.map((t) => t.header.payloadSha256)).size).toBe(1);
  });

  it('rebuilds a corrupt, truncated or mismatched file', async () => {
    const dir = await freshDir();
    const b = counted();
    const opts = { dataDir: dir, dtype: 'float32' as const, identity: identity(), build: b.build };
    const good = await loadOrBuildTable(opts);
    const bytes = await readFile(good.path);

    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 3] = (flipped[flipped.length - 3] as number) ^ 0xff;
    await writeFile(good.path, flipped);
    expect((await loadOrBuildTable(opts)).origin).toBe('built');

    await writeFile(good.path, bytes.subarray(0, bytes.length - 100));
    expect((await loadOrBuildTable(opts)).origin).toBe('built');

    await writeFile(good.path, 'not a table');
    expect((await loadOrBuildTable(opts)).origin).toBe('built');

    // A table of another vocabulary (or model package, or format version) is not used.
    const decoded = decodeTableFile(bytes, identity());
    if ('problem' in decoded) throw new Error(decoded.problem);
    await writeFile(good.path, encodeTableFile({ ...decoded.header, vocabHash: 'x'.repeat(64) }, decoded.payload));
    expect(decodeTableFile(await readFile(good.path), identity())).toEqual({ problem: expect.stringMatching(/^vocabHash is/) });
    const rebuilt = await loadOrBuildTable(opts);
    expect(rebuilt.origin).toBe('built');
    expect(rebuilt.header.vocabHash).toBe(identity().vocabHash);
    expect(b.calls()).toBe(5);
    expect((await loadOrBuildTable(opts)).origin).toBe('cache');
  });

  it('waits for another process that holds the build lock, and ignores a stale lock or a dead builder', async () => {
    const dir = await freshDir();
    const file = tablePath(dir, 'float32');
    await mkdir(path.dirname(file), { recursive: true });
    const lock = `${file}.lock`;
    await writeFile(lock, String(process.pid)); // a live process
    const b = counted();
    const waiting = loadOrBuildTable({ dataDir: dir, dtype: 'float32', identity: identity(), build: b.build });
    await new Promise((r) => setTimeout(r, 500));
    expect(b.calls()).toBe(0);
    // "the other process" finishes: it writes the table and releases the lock
    const other = counted();
    const otherDir = await freshDir();
    const made = await loadOrBuildTable({ dataDir: otherDir, dtype: 'float32', identity: identity(), build: other.build });
    await writeFile(file, await readFile(made.path));
    await rm(lock);
    expect((await waiting).origin).toBe('cache');
    expect(b.calls()).toBe(0);

    const dir2 = await freshDir();
    const lock2 = `${tablePath(dir2, 'float32')}.lock`;
    await mkdir(path.dirname(lock2), { recursive: true });
    await writeFile(lock2, String(process.pid));
    const old = (Date.now() - LOCK_STALE_MS - 60_000) / 1000;
    await utimes(lock2, old, old);
    const b2 = counted();
    expect((await loadOrBuildTable({ dataDir: dir2, dtype: 'float32', identity: identity(), build: b2.build })).origin).toBe('built');
    expect(b2.calls()).toBe(1);
    expect(existsSync(lock2)).toBe(true); // not ours: left alone

    const dir3 = await freshDir();
    const lock3 = `${tablePath(dir3, 'float32')}.lock`;
    await mkdir(path.dirname(lock3), { recursive: true });
    const gone = spawnSync(process.execPath, ['-e', 'process.pid']).pid as number;
    await writeFile(lock3, String(gone)); // a fresh lock, but its process has exited
    const b3 = counted();
    expect((await loadOrBuildTable({ dataDir: dir3, dtype: 'float32', identity: identity(), build: b3.build })).origin).toBe('built');
    expect(b3.calls()).toBe(1);
  });

  it('stores int8 rows with a per-row scale, within half a step of the float32 values', async () => {
    const dir = await freshDir();
    const b = counted();
    const t = await loadOrBuildTable({ dataDir: dir, dtype: 'int8', identity: identity('int8'), build: b.build });
    expect(t.f32).toBeUndefined();
    expect(t.q8).toHaveLength(PIECES * DIMS);
    expect(t.bytes).toBeLessThan(PIECES * DIMS * 4);
    const ref = (await counted().build()).data;
    for (let r = 0; r < PIECES; r++) {
      const scale = t.scales?.[r] as number;
      for (let j = 0; j < DIMS; j++) expect(Math.abs(scale * (t.q8?.[r * DIMS + j] as number) - (ref[r * DIMS + j] as number))).toBeLessThanOrEqual(scale / 2 + 1e-7);
    }
    expect((await loadOrBuildTable({ dataDir: dir, dtype: 'int8', identity: identity('int8'), build: b.build })).origin).toBe('cache');
    expect(quantiseInt8({ pieces: 1, dims: 3, data: new Float32Array([0, 0, 0]) })).toEqual({ q8: new Int8Array(3), scales: new Float32Array([1]) });
  });
});
