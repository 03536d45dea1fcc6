import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dot } from './normalise';
import { createEmbedder } from './registry';
import { createStaticEmbedder, parseStaticSpec, sifWeights, staticSpec, type StaticEmbedder } from './static';
import { embedUseLitePieces } from './static-build';
import { loadUseLiteVocab } from './use-lite-tokenizer';

const norm = (v: Float32Array) => Math.sqrt(dot(v, v));
const SENTENCES = ['My cat sleeps on the sofa.', 'The kitten is napping on the couch.', 'I filed my tax return late.'];

describe('static embedder spec', () => {
  it('parses the registry spec and names the embedder by its canonical spec', () => {
    expect(parseStaticSpec('')).toEqual({ dtype: 'float32', a: 1e-3, center: 'vocab' });
    expect(parseStaticSpec('use-lite?dtype=int8&a=0.0001&center=none')).toEqual({ dtype: 'int8', a: 1e-4, center: 'none' });
    expect(staticSpec({ dtype: 'float32', a: 1e-3, center: 'vocab' })).toBe('static:use-lite');
    expect(staticSpec({ dtype: 'int8', a: 1e-4, center: 'none' })).toBe('static:use-lite?dtype=int8&a=0.0001&center=none');
    for (const spec of ['static', 'static:use-lite', 'static:', ' static:use-lite ']) expect(createEmbedder(spec, { dataDir: '/nonexistent' }).id, spec).toBe('static:use-lite');
    expect(createEmbedder('static?dtype=int8').id).toBe('static:use-lite?dtype=int8');
    expect(createEmbedder('static:use-lite?a=0.01', { cacheEntries: 10 }).dimensions).toBe(512);
  });

  it('rejects unknown sources and options', () => {
    expect(() => createEmbedder('static:bert')).toThrow(/unknown source model "bert"/);
    expect(() => createEmbedder('static?dtype=float16')).toThrow(/bad option dtype="float16"/);
    expect(() => createEmbedder('static?a=-1')).toThrow(/bad option a="-1"/);
    expect(() => createEmbedder('static?weights=x')).toThrow(/bad option weights/);
    expect(() => createEmbedder('static?center=pca')).toThrow(/bad option center/);
    expect(() => createEmbedder('statics')).toThrow(/unknown embedding provider/);
  });

  it('weights frequent pieces less (SIF: a / (a + p))', () => {
    const v = loadUseLiteVocab();
    const w = sifWeights(v.logProbs, 1e-3);
    const the = v.pieces.indexOf('▁the');
    const rare = v.pieces.indexOf('▁kitten');
    expect(rare).toBeGreaterThan(5000);
    expect(w[the]).toBeCloseTo(1e-3 / (1e-3 + Math.exp(v.logProbs[the] as number)), 6);
    expect(w[rare]).toBeGreaterThan((w[the] as number) * 10);
    expect(w[0]).toBeCloseTo(1e-3 / (1 + 1e-3), 6); // the unknown piece: p = 1
  });
});

describe('static embedder on the real USE-lite table (built once, ~10-20 s)', () => {
  let dir: string;
  let built: StaticEmbedder;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'memocha-static-'));
    built = createStaticEmbedder({ dataDir: dir });
    await built.warmup?.();
  }, 180_000);
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('built the table from USE-lite on first use and reads it on the next start without building', async () => {
    expect(built.table()?.origin).toBe('built');
    expect(built.table()?.header).toMatchObject({ source: 'use-lite', pieces: 8000, dims: 512, dtype: 'float32', sourcePackage: expect.stringMatching(/^@energetic-ai\/model-embeddings-en@/) });
    const second = createStaticEmbedder({
      dataDir: dir,
      build: () => Promise.reject(new Error('must not rebuild')),
    });
    const [a] = await second.embed([SENTENCES[0] as string]);
    expect(second.table()?.origin).toBe('cache');
    expect(Array.from(a!)).toEqual(Array.from(built.embedSync(SENTENCES[0] as string)));
  });

  it('is deterministic: the table rows are USE-lite’s vectors of the piece ids, the same on a second run', async () => {
    const again = await embedUseLitePieces(300);
    const table = built.table()?.f32 as Float32Array;
    let maxDiff = 0;
    for (let i = 0; i < again.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs((again.data[i] as number) - (table[i] as number)));
    expect(maxDiff).toBeLessThan(1e-6);
    expect(Array.from(built.embedSync('hello there'))).toEqual(Array.from(built.embedSync('hello there')));
  });

  it('returns 512-d unit vectors; similar sentences are closer than unrelated ones', async () => {
    const [cat, kitten, tax] = await built.embed(SENTENCES);
    for (const v of [cat!, kitten!, tax!]) {
      expect(v).toHaveLength(512);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    expect(dot(cat!, kitten!)).toBeGreaterThan(dot(cat!, tax!) + 0.05);
    const [kettle, descale, flight] = await built.embed(['How do I get limescale out of my kettle?', 'Descale the kettle with citric acid and rinse it.', 'My flight to Osaka was delayed by three hours.']);
    expect(dot(kettle!, descale!)).toBeGreaterThan(dot(kettle!, flight!) + 0.05);
    // An empty text is embedded as a space, as use-lite does.
    const [empty] = await built.embed(['']);
    expect(norm(empty!)).toBeCloseTo(1, 5);
  });

  it('centring spreads cosines to USE-lite’s range, so near-duplicate removal (0.97) keeps distinct facts', async () => {
    const plain = createStaticEmbedder({ dataDir: dir, center: 'none' });
    const pair = ['User: My sister moved to Lisbon last week.\nAssistant: Nice, how does she like it?', 'User: My sister moved to Porto last week.\nAssistant: Nice, how does she like it?'];
    const unrelated = ['User: I love hiking in the mountains with my dog.', 'User: I started a new job at a bank in Toronto.'];
    const [p1, p2, p3, p4] = await plain.embed([...pair, ...unrelated]);
    const [c1, c2, c3, c4] = await built.embed([...pair, ...unrelated]);
    expect(dot(p1!, p2!)).toBeGreaterThan(0.97);
    expect(dot(p3!, p4!)).toBeGreaterThan(0.8);
    expect(dot(c1!, c2!)).toBeLessThan(0.95);
    expect(dot(c3!, c4!)).toBeLessThan(0.5);
  });

  it('int8 tables (quantised from the cached float32 one, no model run) give nearly the same vectors at a quarter of the size', async () => {
    const q = createStaticEmbedder({ dataDir: dir, dtype: 'int8', build: () => Promise.reject(new Error('must reuse the float32 table')) });
    await q.warmup?.();
    expect(q.table()?.origin).toBe('built');
    expect(q.table()?.bytes).toBeLessThan((built.table()?.bytes as number) / 3);
    const a = await q.embed(SENTENCES);
    const b = await built.embed(SENTENCES);
    a.forEach((v, i) => expect(dot(v, b[i]!)).toBeGreaterThan(0.999));
  });

  it('honours an aborted signal', async () => {
    await expect(built.embed(['x'], { signal: AbortSignal.abort(new Error('stop')) } as never)).rejects.toThrow('stop');
  });
});
