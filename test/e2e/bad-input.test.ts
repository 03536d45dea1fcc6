import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/client';
import { type Stack, startStack } from '../../serve/testing';

describe('bad input gets a 4xx with a machine-readable code, and nothing stored is lost', () => {
  let t: Stack;
  let session: string;
  const user = { 'x-memocha-user': 'bad-input' };
  beforeAll(async () => {
    t = await startStack({ env: { MAX_CONTENT_CHARS: '100', MAX_BODY_BYTES: '2048' } });
    session = (await api(`${t.url}/v1/sessions`, { body: {}, headers: user })).json.id;
    await api(`${t.url}/v1/sessions/${session}/messages`, { body: { content: 'kept' }, headers: user });
  });
  afterAll(async () => t?.close());

  const post = (path: string, init: { raw?: string; body?: unknown; headers?: Record<string, string> }) =>
    api(`${t.url}${path}`, { method: 'POST', ...init, headers: { 'content-type': 'application/json', ...user, ...init.headers } });

  const cases: [string, () => ReturnType<typeof api>, number, string][] = [
    ['invalid JSON', () => post(`/v1/sessions/${session}/messages`, { raw: '{"content": "x"' }), 400, 'invalid_json'],
    ['missing content', () => post(`/v1/sessions/${session}/messages`, { body: {} }), 400, 'invalid_request'],
    ['empty content', () => post(`/v1/sessions/${session}/messages`, { body: { content: '' } }), 400, 'invalid_request'],
    ['blank content', () => post(`/v1/sessions/${session}/messages`, { body: { content: ' \n\t ' } }), 400, 'invalid_request'],
    ['content not a string', () => post(`/v1/sessions/${session}/messages`, { body: { content: 42 } }), 400, 'invalid_request'],
    ['unknown field', () => post(`/v1/sessions/${session}/messages`, { body: { content: 'x', role: 'system' } }), 400, 'invalid_request'],
    ['temperature out of range', () => post(`/v1/sessions/${session}/messages`, { body: { content: 'x', temperature: 9 } }), 400, 'invalid_request'],
    ['NUL character (PostgreSQL text cannot hold it)', () => post(`/v1/sessions/${session}/messages`, { body: { content: 'a\u0000b' } }), 400, 'invalid_request'],
    ['maxTokens larger than the context', () => post(`/v1/sessions/${session}/messages`, { body: { content: 'x', maxTokens: 9000 } }), 400, 'max_tokens_too_large'],
    ['content over the limit', () => post(`/v1/sessions/${session}/messages`, { body: { content: 'x'.repeat(101) } }), 413, 'content_too_long'],
    ['body over the limit', () => post(`/v1/sessions/${session}/messages`, { body: { content: 'x', pad: 'y'.repeat(5000) } }), 413, 'payload_too_large'],
    ['unknown session', () => post(`/v1/sessions/00000000-0000-4000-8000-000000000000/messages`, { body: { content: 'x' } }), 404, 'session_not_found'],
    ['malformed session id', () => post(`/v1/sessions/not-a-uuid/messages`, { body: { content: 'x' } }), 400, 'invalid_id'],
    ["malformed id in /chat", () => post('/chat', { body: { message: 'x', sessionId: "1' OR '1'='1" } }), 400, 'invalid_id'],
    ['wrong content type', () => post(`/v1/sessions/${session}/messages`, { raw: 'content=x', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type'],
    ['bad page size', () => api(`${t.url}/v1/sessions?limit=0`, { headers: user }), 400, 'invalid_request'],
    ['garbage cursor', () => api(`${t.url}/v1/sessions?cursor=%%%`, { headers: user }), 400, 'invalid_cursor'],
    ['bad user header', () => api(`${t.url}/v1/sessions`, { headers: { 'x-memocha-user': 'a b;drop' } }), 400, 'invalid_user'],
    ['unknown route', () => api(`${t.url}/v1/nothing`, { headers: user }), 404, 'not_found'],
    ['wrong method', () => api(`${t.url}/v1/sessions`, { method: 'PUT', headers: user }), 405, 'method_not_allowed'],
  ];

  it.each(cases)('%s', async (_name, call, status, code) => {
    const r = await call();
    expect(r.status).toBe(status);
    expect(r.json.error.code).toBe(code);
    expect(typeof r.json.error.message).toBe('string');
    const messages = await api(`${t.url}/v1/sessions/${session}/messages`, { headers: user });
    expect(messages.json.items.map((m: { content: string }) => m.content)[0]).toBe('kept');
    expect(messages.json.items).toHaveLength(2);
  });

  it('stores SQL- and HTML-shaped strings verbatim and returns them as JSON strings', async () => {
    const hostile = `'); DROP TABLE messages; -- <script>alert("x")</script> é😀`;
    const r = await post(`/v1/sessions/${session}/messages`, { body: { content: hostile } });
    expect(r.status).toBe(200);
    const items = (await api(`${t.url}/v1/sessions/${session}/messages?limit=200`, { headers: user })).json.items as { content: string }[];
    expect(items.map((m) => m.content)).toContain(hostile);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    expect((await api(`${t.url}/readyz`)).json.database.ok).toBe(true);
  });
});
