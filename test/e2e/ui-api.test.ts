import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, request } from 'node:http';
import Koa from 'koa';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FullMemoryService } from '../../serve';
import { startStack, uiRoutes, type Stack } from '../../serve/testing';
import { api, postSse } from '../support/client';

describe('the API the web chat needs: rename, search by title, delete one memory', () => {
  let t: Stack;
  let memory: FullMemoryService;
  const alice = { 'x-memocha-user': 'ui-alice' };
  const bob = { 'x-memocha-user': 'ui-bob' };

  beforeAll(async () => {
    t = await startStack({ sim: { mode: 'extractive' } });
    memory = t.runtime.memoryService!;
  });
  afterAll(async () => t?.close());

  it('PATCH /v1/sessions/:id renames (trimmed; null or blank clears); only the owner can', async () => {
    const s = (await api(`${t.url}/v1/sessions`, { body: { title: 'old' }, headers: alice })).json.id as string;
    const r = await api(`${t.url}/v1/sessions/${s}`, { method: 'PATCH', body: { title: '  Trip to Lisbon ' }, headers: alice });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: s, title: 'Trip to Lisbon' });
    expect((await api(`${t.url}/v1/sessions/${s}`, { headers: alice })).json.title).toBe('Trip to Lisbon');
    expect((await api(`${t.url}/v1/sessions/${s}`, { method: 'PATCH', body: { title: 'x' }, headers: bob })).json.error.code).toBe('session_not_found');
    expect((await api(`${t.url}/v1/sessions/${s}`, { method: 'PATCH', body: { title: '   ' }, headers: alice })).json.title).toBeNull();
  });

  it('PATCH refuses a bad body with a 4xx code', async () => {
    const s = (await api(`${t.url}/v1/sessions`, { body: {}, headers: alice })).json.id as string;
    const long = await api(`${t.url}/v1/sessions/${s}`, { method: 'PATCH', body: { title: 'x'.repeat(201) }, headers: alice });
    expect([long.status, long.json.error.code]).toEqual([400, 'invalid_request']);
    const extra = await api(`${t.url}/v1/sessions/${s}`, { method: 'PATCH', body: { title: 'a', owner: 'b' }, headers: alice });
    expect(extra.status).toBe(400);
    const missing = await api(`${t.url}/v1/sessions/${s}`, { method: 'PATCH', body: {}, headers: alice });
    expect(missing.status).toBe(400);
    expect((await api(`${t.url}/v1/sessions/nope`, { method: 'PATCH', body: { title: 'a' }, headers: alice })).json.error.code).toBe('invalid_id');
  });

  it('GET /v1/sessions?q= finds titles containing the text, any case, wildcards literal, paginated', async () => {
    const user = { 'x-memocha-user': 'ui-search' };
    const titles = ['Cooking pasta', 'Garden plans', 'PASTA again', '100% sure', '100 percent', 'pasta_3'];
    for (const title of titles) await api(`${t.url}/v1/sessions`, { body: { title }, headers: user });
    await api(`${t.url}/v1/sessions`, { body: {}, headers: user });
    const found: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api(`${t.url}/v1/sessions?q=pasta&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { headers: user });
      expect(page.status).toBe(200);
      found.push(...page.json.items.map((s: { title: string }) => s.title));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(found).toEqual(['pasta_3', 'PASTA again', 'Cooking pasta']);
    expect((await api(`${t.url}/v1/sessions?q=${encodeURIComponent('100%')}`, { headers: user })).json.items.map((s: { title: string }) => s.title)).toEqual(['100% sure']);
    expect((await api(`${t.url}/v1/sessions?q=_`, { headers: user })).json.items.map((s: { title: string }) => s.title)).toEqual(['pasta_3']);
    expect((await api(`${t.url}/v1/sessions?q=pasta`, { headers: bob })).json.items).toEqual([]);
    expect((await api(`${t.url}/v1/sessions?q=${'x'.repeat(201)}`, { headers: user })).status).toBe(400);
  });

  it('DELETE /v1/memories/:id forgets that memory (gone from search and from later prompts); others stay; 404 for another user', async () => {
    const s1 = (await api(`${t.url}/v1/sessions`, { body: {}, headers: alice })).json.id as string;
    await api(`${t.url}/v1/sessions/${s1}/messages`, { body: { content: 'My cat is called Pixel and she is grey.' }, headers: alice });
    await api(`${t.url}/v1/sessions/${s1}/messages`, { body: { content: 'I play the cello in an orchestra.' }, headers: alice });
    await memory.idle();
    const found = await api(`${t.url}/v1/memories?q=${encodeURIComponent("my cat's name")}&k=20`, { headers: alice });
    const pixel = (found.json.items as { id: string; text: string }[]).filter((m) => m.text.includes('Pixel'));
    expect(pixel.length).toBeGreaterThan(0);
    const countBefore = await memory.count('ui-alice');

    expect((await api(`${t.url}/v1/memories/${pixel[0]!.id}`, { method: 'DELETE', headers: bob })).json.error.code).toBe('memory_not_found');
    for (const m of pixel) expect((await api(`${t.url}/v1/memories/${m.id}`, { method: 'DELETE', headers: alice })).status).toBe(204);
    expect((await api(`${t.url}/v1/memories/${pixel[0]!.id}`, { method: 'DELETE', headers: alice })).status).toBe(404);
    expect(await memory.count('ui-alice')).toBe(countBefore - pixel.length);

    // A sweep does not bring it back (its messages are marked forgotten), and a later question does not see it.
    await memory.sweep({ minAgeMs: 0 });
    await memory.idle();
    const again = await api(`${t.url}/v1/memories?q=${encodeURIComponent("my cat's name")}&k=20`, { headers: alice });
    expect((again.json.items as { text: string }[]).map((m) => m.text).join(' ')).not.toContain('Pixel');
    expect((again.json.items as { text: string }[]).map((m) => m.text).join(' ')).toContain('cello');
    const s2 = (await api(`${t.url}/v1/sessions`, { body: {}, headers: alice })).json.id as string;
    const r = await postSse(`${t.url}/v1/sessions/${s2}/messages`, { content: "What is my cat's name?" }, alice);
    expect(JSON.stringify(r.events[0]!.data)).not.toContain('Pixel');
    // The done event carries the answer's price for the chat's per-answer line (null: no price for the model).
    const done = r.events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data).toHaveProperty('costUsd');
    expect(done.data.costUsd === null || typeof done.data.costUsd === 'number').toBe(true);

    expect((await api(`${t.url}/v1/memories/not-a-uuid`, { method: 'DELETE', headers: alice })).json.error.code).toBe('invalid_id');
  });

  it('serves the web chat at / (not under /v1, /healthz or /metrics)', async () => {
    const page = await fetch(`${t.url}/`);
    // ui/dist exists once `npm run build:ui` ran (npm ci does it); without it / answers 503 ui_not_built.
    if (page.status === 503) expect(((await page.json()) as { error: { code: string } }).error.code).toBe('ui_not_built');
    else {
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(await page.text()).toContain('<memocha-app');
    }
    expect((await api(`${t.url}/v1/nothing`)).json.error.code).toBe('not_found');
    expect((await api(`${t.url}/healthz`)).json).toEqual({ status: 'ok' });
  });
});

describe('uiRoutes (static files of a build directory)', () => {
  let url = '';
  let close = () => undefined as void;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memocha-ui-'));
    mkdirSync(join(dir, 'assets'));
    mkdirSync(join(dir, 'dashboard'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>chat</title>');
    writeFileSync(join(dir, 'dashboard', 'index.html'), '<!doctype html><title>dash</title>');
    writeFileSync(join(dir, 'assets', 'chat-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir, '..', 'secret.txt'), 'secret');
    const app = new Koa();
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (err) {
        const e = err as { status?: number; code?: string };
        ctx.status = e.status ?? 500;
        ctx.body = { error: { code: e.code } };
      }
    });
    app.use(uiRoutes(pino({ level: 'silent' }), dir));
    app.use((ctx) => {
      ctx.status = 404;
      ctx.body = { error: { code: 'not_found_downstream' } };
    });
    const server = createServer(app.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address() as { port: number };
    url = `http://127.0.0.1:${addr.port}`;
    close = () => void server.close();
  });
  afterAll(() => close());

  /** A raw request (fetch would normalise "..": this sends the path as written). */
  function raw(path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`${url}${path}`, { method: 'GET', path }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('pages revalidate with a CSP; hashed assets are immutable', async () => {
    const page = await raw('/');
    expect([page.status, page.body]).toEqual([200, '<!doctype html><title>chat</title>']);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const asset = await raw('/assets/chat-abc123.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/text\/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const head = await fetch(`${url}/assets/chat-abc123.js`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length')]).toEqual([200, '14']);
  });

  it('falls back to the page for client routes: /s/<id> and /dashboard/<view>', async () => {
    expect((await raw('/s/8f1c0a5e-0000-4000-8000-000000000000')).body).toContain('chat');
    expect((await raw('/dashboard')).body).toContain('dash');
    expect((await raw('/dashboard/runs/x')).body).toContain('dash');
  });

  it('never leaves the build directory and leaves other paths to the next routes', async () => {
    for (const p of ['/assets/../../secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/dashboard/..%2f..%2fsecret.txt', '/assets/%00.js']) {
      const r = await raw(p);
      expect(r.status, p).toBe(404);
      expect(r.body, p).not.toContain('secret');
    }
    expect((await raw('/assets/missing.js')).status).toBe(404);
    expect(JSON.parse((await raw('/v1/sessions')).body).error.code).toBe('not_found_downstream');
    expect(JSON.parse((await raw('/secret.txt')).body).error.code).toBe('not_found_downstream');
    const post = await fetch(`${url}/`, { method: 'POST' });
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe('not_found_downstream');
  });
});
