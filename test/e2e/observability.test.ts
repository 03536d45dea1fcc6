import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { api, postSse } from '../support/client';
import { startStack } from '../../serve/testing';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

describe('observability', () => {
  it('logs one JSON line per request with request id, route, status and duration, and echoes X-Request-Id', async () => {
    const { logger, lines } = capturingLogger();
    const t = await startStack({ logger });
    try {
      const r = await api(`${t.url}/v1/sessions/00000000-0000-4000-8000-000000000000`, { headers: { 'x-request-id': 'req-abc.1' } });
      expect(r.status).toBe(404);
      expect(r.headers.get('x-request-id')).toBe('req-abc.1');
      const line = lines.find((l) => l.msg === 'request' && l.requestId === 'req-abc.1');
      expect(line).toMatchObject({ method: 'GET', route: '/v1/sessions/:id', status: 404 });
      expect(typeof line?.durationMs).toBe('number');
      expect(lines.some((l) => String(l.msg).includes('simulator'))).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('sends keep-alive comments on an idle stream', async () => {
    const t = await startStack({ env: { SSE_KEEPALIVE_MS: '40' }, sim: { ttft: { kind: 'fixed', ms: 400 } } });
    try {
      const r = await postSse(`${t.url}/chat`, { message: 'hello' });
      expect(r.comments.filter((c) => c === 'keep-alive').length).toBeGreaterThanOrEqual(2);
      expect(r.events.at(-1)!.event).toBe('done');
    } finally {
      await t.close();
    }
  });
});
