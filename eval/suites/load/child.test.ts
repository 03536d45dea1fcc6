import { describe, expect, it } from 'vitest';
import { createDispatcher } from '../../client/chat';
import { startLoadTarget } from './target';
import { makeSender } from './step';

describe('Memocha as a child process', () => {
  it('starts on a free port, answers, reports its resources over IPC, and cleans up', async () => {
    const t = await startLoadTarget({ target: 'in-process', mode: 'child', env: { MEMORY_ENABLED: 'false', LOG_LEVEL: 'error' }, sim: { outputTokens: 8 } });
    const dispatcher = createDispatcher(8);
    try {
      expect(t.kind).toBe('child');
      expect(t.note).toBeUndefined();
      const sampler = await t.serverResources();
      const r = await makeSender(t.url, dispatcher)({ message: 'hello child [c1]', user: 'child-test', stream: true });
      expect(r.ok).toBe(true);
      expect(r.outputTokens).toBe(8);
      const usage = await sampler?.stop();
      expect(usage?.cpuPct).toBeGreaterThan(0);
      expect(usage?.rssMaxMb).toBeGreaterThan(20);
      expect(usage?.heapUsedMaxMb).toBeGreaterThan(1); // only the IPC probe knows the heap
      expect(Number.isFinite(usage?.eldP99Ms)).toBe(true);
      const stored = await t.messages(r.sessionId ?? '', 'child-test');
      expect(stored.map((m) => [m.role, m.status])).toEqual([['user', 'complete'], ['assistant', 'complete']]);
      expect(t.sim?.requests.some((q) => q.lastUserMessage === 'hello child [c1]')).toBe(true);
    } finally {
      await dispatcher.close();
      await t.close();
    }
    // closed: the port no longer answers
    await expect(fetch(`${t.url}/healthz`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  }, 90_000);
});
