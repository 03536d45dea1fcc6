/**
 * Inputs that once gave a 5xx (found by hand and by test/e2e/fuzz.test.ts), each now a 4xx with a JSON
 * error.code, and nothing stored is lost.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/client';
import { type Stack, startStack } from '../../serve/testing';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const SOME_ID = '00000000-0000-4000-8000-000000000000';

/** Raw bytes to the server, everything it answers until it closes the connection. */
function raw(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(bytes));
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('inputs that used to get a 5xx', () => {
  let t: Stack;
  let session: string;
  const user = { 'x-memocha-user': 'no-5xx' };
  beforeAll(async () => {
    t = await startStack();
    session = (await api(`${t.url}/v1/sessions`, { body: { title: 'kept' }, headers: user })).json.id;
    await api(`${t.url}/v1/sessions/${session}/messages`, { body: { content: 'My sister Ana lives in Lisbon.' }, headers: user });
  });
  afterAll(async () => t?.close());

  const cases: [string, () => ReturnType<typeof api>, number, string][] = [
    ['NUL in a session title', () => api(`${t.url}/v1/sessions`, { body: { title: 'a\u0000b' }, headers: user }), 400, 'invalid_request'],
    ['a cursor with month 13 and hour 25', () => api(`${t.url}/v1/sessions?cursor=${b64(['2024-13-45T25:61:61.000000Z', SOME_ID])}`, { headers: user }), 400, 'invalid_cursor'],
    ['a cursor in year 0', () => api(`${t.url}/v1/sessions?cursor=${b64(['0000-01-01T00:00:00.000000Z', SOME_ID])}`, { headers: user }), 400, 'invalid_cursor'],
    ['a cursor on February 30', () => api(`${t.url}/v1/sessions?cursor=${b64(['2024-02-30T00:00:00.000000Z', SOME_ID])}`, { headers: user }), 400, 'invalid_cursor'],
    ['from=0000-01-01', () => api(`${t.url}/v1/memories?q=Ana&from=0000-01-01`, { headers: user }), 400, 'invalid_request'],
    ['to=+275760-09-13 (JS max date)', () => api(`${t.url}/v1/memories?q=Ana&to=%2B275760-09-13`, { headers: user }), 400, 'invalid_request'],
    ['from=2024-02-31', () => api(`${t.url}/v1/memories?q=Ana&from=2024-02-31`, { headers: user }), 400, 'invalid_request'],
    ['NUL in a memory query', () => api(`${t.url}/v1/memories?q=a%00b`, { headers: user }), 400, 'invalid_request'],
    ['a method no route knows (was 501)', () => api(`${t.url}/v1/sessions`, { method: 'PROPFIND', headers: user }), 405, 'method_not_allowed'],
  ];

  it.each(cases)('%s', async (_name, call, status, code) => {
    const r = await call();
    expect(r.status).toBe(status);
    expect(r.json.error.code).toBe(code);
    expect(r.json.error.message).not.toMatch(/select|from "|\$1/i); // no SQL text
    const messages = await api(`${t.url}/v1/sessions/${session}/messages`, { headers: user });
    expect(messages.json.items).toHaveLength(2);
  });

  it('still accepts real dates and pages with real cursors', async () => {
    expect((await api(`${t.url}/v1/memories?q=Ana&from=2001-01-01&to=2999-12-31T23:59:59Z`, { headers: user })).status).toBe(200);
    expect((await api(`${t.url}/v1/memories?q=Ana&from=2024-05-01T12:00%2B02:00`, { headers: user })).status).toBe(200);
    await api(`${t.url}/v1/sessions`, { body: {}, headers: user });
    const first = await api(`${t.url}/v1/sessions?limit=1`, { headers: user });
    expect(first.json.nextCursor).toEqual(expect.any(String));
    const second = await api(`${t.url}/v1/sessions?limit=1&cursor=${first.json.nextCursor}`, { headers: user });
    expect(second.status).toBe(200);
    expect(second.json.items).toHaveLength(1);
  });

  it('requests node itself rejects get the JSON envelope too', async () => {
    const garbage = await raw(t.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4)).error.code).toBe('bad_request');

    const huge = await raw(t.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(huge.slice(huge.indexOf('\r\n\r\n') + 4)).error.code).toBe('headers_too_large');

    const head = await raw(t.url, `HEAD /healthz?${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(head.slice(head.indexOf('\r\n\r\n') + 4)).toBe(''); // no body for HEAD

    expect((await api(`${t.url}/healthz`)).status).toBe(200);
  });
});
