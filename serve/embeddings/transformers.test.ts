import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dot } from './normalise';
import { TRANSFORMERS_MISSING, createTransformersEmbedder, importTransformers, readModelDimensions } from './transformers';

const MODEL_DIR = process.env.EMBEDDINGS_MODEL_DIR;
const installed = await importTransformers().then(
  () => true,
  () => false,
);

describe('transformers embedder', () => {
  it.skipIf(installed)('without @xenova/transformers, says what to install', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'model-'));
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ hidden_size: 384 }));
    const e = createTransformersEmbedder({ modelDir: dir });
    expect(e.dimensions).toBe(384);
    await expect(e.warmup?.()).rejects.toThrow(TRANSFORMERS_MISSING);
    await expect(e.embed(['x'])).rejects.toThrow(/install @xenova\/transformers and set EMBEDDINGS_MODEL_DIR/);
  });

  it('reads the vector size from config.json and refuses a missing directory', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'model-'));
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ dim: 768 }));
    expect(readModelDimensions(dir)).toBe(768);
    expect(() => createTransformersEmbedder({ modelDir: path.join(dir, 'nope') })).toThrow(/does not exist/);
    const bare = mkdtempSync(path.join(tmpdir(), 'model-'));
    expect(() => createTransformersEmbedder({ modelDir: bare })).toThrow(/pass dimensions/);
  });

  it.skipIf(!MODEL_DIR || !installed)(
    `embeds with the local model in EMBEDDINGS_MODEL_DIR (skipped unless EMBEDDINGS_MODEL_DIR is set and @xenova/transformers is installed)`,
    async () => {
      const e = createTransformersEmbedder({ modelDir: MODEL_DIR as string });
      const [a, b, c] = await e.embed(['The cat sleeps.', 'A kitten is napping.', 'Quarterly tax filing deadline.']);
      expect(a).toHaveLength(e.dimensions);
      expect(dot(a!, a!)).toBeCloseTo(1, 4);
      expect(dot(a!, b!)).toBeGreaterThan(dot(a!, c!));
    },
  );
});
