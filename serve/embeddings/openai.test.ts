import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dot } from './normalise';
import { createOpenAiEmbedder } from './openai';
import { EmbeddingDimensionError } from './types';
import { LlmError } from '../llm/types';

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

describe('OpenAI-compatible embedder retries with the LLM retry layer (real HTTP)', () => {
  let server: Server;
  let baseUrl: string;
  /** Statuses to answer before a 200, per model; each request takes the next one. */
  const script = new Map<string, number[]>();
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const body = JSON.parse(raw) as EmbeddingsRequest;
        if (body.model === 'hang') {
          seen.push('hang open');
          res.on('close', () => seen.push('hang closed by the client'));
          return;
        }
        const status = script.get(body.model)?.shift() ?? 200;
        seen.push(`${body.model} ${status}`);
        if (status !== 200) {
          res.writeHead(status, { 'content-type': 'application/json', ...(status === 429 ? { 'retry-after-ms': '2' } : {}) });
          res.end(JSON.stringify({ error: { message: `scripted ${status}`, type: 'test' } }));
          return;
        }
        const data = body.input.map((text, index) => ({ object: 'embedding', index, embedding: fakeVector(text, 8) }));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const embedder = (model: string) => createOpenAiEmbedder({ baseUrl, apiKey: 'k', model, dimensions: 8, maxRetries: 2, retryBaseMs: 1, retryMaxMs: 5 });

  it('retries a 429 and a 500, then embeds', async () => {
    seen.length = 0;
    script.set('flaky', [429, 500]);
    const [v] = await embedder('flaky').embed(['hello']);
    expect(dot(v!, v!)).toBeCloseTo(1, 5);
    expect(seen).toEqual(['flaky 429', 'flaky 500', 'flaky 200']);
  });

  it('gives up after maxRetries with the last error', async () => {
    seen.length = 0;
    script.set('down', [503, 503, 503, 503]);
    const err = await embedder('down').embed(['x']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmError);
    expect(err).toMatchObject({ kind: 'server', opts: { status: 503, provider: 'openai:down' } });
    expect(seen).toEqual(['down 503', 'down 503', 'down 503']);
  });

  it('does not retry a 400', async () => {
    seen.length = 0;
    script.set('rejects', [400]);
    const err = await embedder('rejects').embed(['x']).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'client', opts: { status: 400 } });
    expect(seen).toEqual(['rejects 400']);
  });

  it('an abort cancels the HTTP request in flight', async () => {
    seen.length = 0;
    const ac = new AbortController();
    const pending = embedder('hang').embed(['x'], { signal: ac.signal });
    while (!seen.includes('hang open')) await new Promise((r) => setTimeout(r, 5));
    ac.abort(new Error('retrieval timed out'));
    await expect(pending).rejects.toMatchObject({ kind: 'aborted' });
    while (seen.length < 2) await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual(['hang open', 'hang closed by the client']);
  });

  it('sends no request once the signal has aborted', async () => {
    seen.length = 0;
    const reason = new Error('retrieval timed out');
    await expect(embedder('any').embed(['x'], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(seen).toEqual([]);
  });
});
