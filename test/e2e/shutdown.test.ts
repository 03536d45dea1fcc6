import { describe, expect, it } from 'vitest';
import { api, postSse } from '../support/client';
import { startStack } from '../../serve/testing';

describe('graceful shutdown', () => {
  it('lets an open stream finish within the grace period and refuses new connections', async () => {
    const t = await startStack({ sim: { mode: 'lorem', outputTokens: 20, chunkTokens: 1, itl: { kind: 'fixed', ms: 15 } } });
    try {
      const s = (await api(`${t.url}/v1/sessions`, { body: {} })).json.id as string;
      const streaming = postSse(`${t.url}/v1/sessions/${s}/messages`, { content: 'story' });
      while (t.sim.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
      const closing = t.server.close(5_000);
      await expect(fetch(`${t.url}/healthz`)).rejects.toThrow();
      const r = await streaming;
      expect(r.events.at(-1)!.event).toBe('done');
      await closing;
      const stored = await t.runtime.deps.repos.messages.list({ sessionId: s, userId: 'default', limit: 10 });
      expect(stored.items.map((m) => m.status)).toEqual(['complete', 'complete']);
    } finally {
      await t.close();
    }
  });

  it('aborts streams still open after the grace period and stores them as partial', async () => {
    const t = await startStack({ sim: { mode: 'lorem', outputTokens: 500, chunkTokens: 1, itl: { kind: 'fixed', ms: 20 } } });
    try {
      const s = (await api(`${t.url}/v1/sessions`, { body: {} })).json.id as string;
      const streaming = postSse(`${t.url}/v1/sessions/${s}/messages`, { content: 'a very long story' });
      while ((t.sim.requests[0]?.chunkSentAt.length ?? 0) < 3) await new Promise((r) => setTimeout(r, 5));
      await t.server.close(100);
      const r = await streaming;
      expect(r.events.at(-1)).toMatchObject({ event: 'error', data: { code: 'server_shutting_down' } });
      const stored = await t.runtime.deps.repos.messages.list({ sessionId: s, userId: 'default', limit: 10 });
      expect(stored.items.map((m) => m.status)).toEqual(['complete', 'partial']);
      expect(stored.items[1]!.content.length).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });
});
