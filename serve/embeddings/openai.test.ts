import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dot } from './normalise';
import { createOpenAiEmbedder } from './openai';
import { EmbeddingDimensionError } from './types';

interface EmbeddingsRequest {
  model: string;
  input: string[];
  encoding_format?: string;
  dimensions?: number;
}

/** Deterministic, unnormalised vectors from the text's characters. */
function fakeVector(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(1);
  for (let i = 0; i < text.length; i++) v[i % dims]! += text.charCodeAt(i) % 17;
  return v;
}

describe('OpenAI-compatible embedder over real HTTP', () => {
  let server: Server;
  let baseUrl: string;
  const requests: { body: EmbeddingsRequest; auth: string | undefined }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/embeddings') {
          res.writeHead(404).end();
          return;
        }
        const body = JSON.parse(raw) as EmbeddingsRequest;
        requests.push({ body, auth: req.headers.authorization });
        const dims = body.model === 'wrong-size' ? 3 : (body.dimensions ?? 8);
        // Reversed order: clients must use `index`, not position.
        const data = body.input.map((text, index) => ({ object: 'embedding', index, embedding: fakeVector(text, dims) })).reverse();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('embeds in order, normalised, as floats, with the API key', async () => {
    requests.length = 0;
    const e = createOpenAiEmbedder({ baseUrl, apiKey: 'sk-test', model: 'local-model', dimensions: 8, maxRetries: 0 });
    expect(e.id).toBe('openai:local-model');
    const [a, b, a2, empty] = await e.embed(['alpha', 'bravo', 'alpha', '']);
    expect(a).toHaveLength(8);
    expect(dot(a!, a!)).toBeCloseTo(1, 5);
    expect(dot(a!, a2!)).toBeCloseTo(1, 5);
    expect(dot(a!, b!)).toBeLessThan(0.9999);
    expect(dot(empty!, empty!)).toBeCloseTo(1, 5);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.auth).toBe('Bearer sk-test');
    expect(requests[0]!.body.encoding_format).toBe('float');
    expect(requests[0]!.body.input).toEqual(['alpha', 'bravo', 'alpha', ' ']);
    expect(requests[0]!.body.dimensions).toBeUndefined(); // only text-embedding-3-* get `dimensions`
  });

  it('sends at most 2048 inputs per request', async () => {
    requests.length = 0;
    const e = createOpenAiEmbedder({ baseUrl, apiKey: 'k', model: 'local-model', dimensions: 8, maxRetries: 0 });
    const out = await e.embed(Array.from({ length: 2050 }, (_, i) => `text ${i}`));
    expect(out).toHaveLength(2050);
    expect(requests.map((r) => r.body.input.length)).toEqual([2048, 2]);
    expect(dot(out[2049]!, (await e.embed(['text 2049']))[0]!)).toBeCloseTo(1, 5);
  });

  it('asks text-embedding-3 models for shortened vectors and knows their native sizes', async () => {
    requests.length = 0;
    const small = createOpenAiEmbedder({ baseUrl, apiKey: 'k', model: 'text-embedding-3-small', dimensions: 16, maxRetries: 0 });
    const [v] = await small.embed(['x']);
    expect(v).toHaveLength(16);
    expect(requests[0]!.body.dimensions).toBe(16);
    expect(createOpenAiEmbedder({ baseUrl, apiKey: 'k', model: 'text-embedding-3-large' }).dimensions).toBe(3072);
  });

  it('fails clearly on unknown sizes and on vectors of the wrong size', async () => {
    expect(() => createOpenAiEmbedder({ baseUrl, apiKey: 'k', model: 'mystery' })).toThrow(/pass dimensions/);
    const wrong = createOpenAiEmbedder({ baseUrl, apiKey: 'k', model: 'wrong-size', dimensions: 8, maxRetries: 0 });
    await expect(wrong.embed(['x'])).rejects.toThrow(EmbeddingDimensionError);
  });
});
