/**
 * Two real server processes on one PostgreSQL and one Redis behind HAProxy (serve/testing/cluster.ts):
 * SSE streams through the balancer token by token, both instances get traffic, and a memory told to one
 * instance is found through the other (the shared `pgarray` store in the same PostgreSQL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../serve/testing';
import { api } from '../support/client';
import { pollUntil } from '../support/poll';
import { streamTurn } from '../support/streamed-turn';

describe('a cluster of two instances behind HAProxy', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({
      instances: 2,
      env: { VECTOR_STORE: 'pgarray', EMBEDDINGS: 'use-lite', MEMORY_MIN_SCORE: '0.1' },
      // 20 tokens 15 ms apart: a stream long enough that buffering anywhere would merge its events.
      sim: { mode: 'lorem', outputTokens: 20, itl: { kind: 'fixed', ms: 15 } },
    });
  });
  afterAll(async () => cluster?.close());

  it('streams SSE through the balancer token by token, and both instances answer', async () => {
    const turns = await Promise.all(
      Array.from({ length: 6 }, (_, i) => streamTurn(`${cluster.url}/chat`, { message: `Tell me a story, please (${i})` }, { 'x-memocha-user': `sse-${i}` })),
    );
    for (const t of turns) {
      expect(t.outcome).toBe('done');
      expect(t.upstream).toBe(t.instance);
      expect(t.tokenArrivals.length).toBeGreaterThan(5);
      // Arrival order, not a duration: had HAProxy (or anything) held the response back, every event would
      // come out of one read with one timestamp.
      expect(t.tokenArrivals[0]).toBeLessThan(t.tokenArrivals.at(-1)!);
    }
    expect(new Set(turns.map((t) => t.instance))).toEqual(new Set(['i1', 'i2']));
  });

  it('a fact told through one instance is remembered through the other', async () => {
    const [i1, i2] = cluster.instances;
    const dana = { 'x-memocha-user': 'dana' };
    const told = await api(`${i1!.url}/chat`, { body: { message: 'My sister Ottilie lives in Reykjavik and breeds Icelandic horses.' }, headers: dana });
    expect(told.status).toBe(200);
    expect(told.headers.get('x-memocha-instance')).toBe('i1');

    // Indexing runs in the background on i1 (or on i2's sweep, whichever claims it): poll until it is searchable.
    const search = () => api(`${i2!.url}/v1/memories?q=${encodeURIComponent('where does my sister live')}&k=5`, { headers: dana });
    const reykjavik = (r: Awaited<ReturnType<typeof search>>) => (r.json.items as { text: string; sessionId: string }[]).filter((m) => m.text.includes('Reykjavik'));
    const last = await pollUntil(search, (r) => r.status !== 200 || reykjavik(r).length > 0, 20_000);
    expect(last.status).toBe(200);
    expect(last.headers.get('x-memocha-instance')).toBe('i2');
    const found = reykjavik(last);
    expect(found[0]?.sessionId).toBe(told.json.sessionId);

    const asked = await api(`${i2!.url}/chat`, { body: { message: 'Where does my sister Ottilie live?' }, headers: dana });
    expect(asked.status).toBe(200);
    expect(asked.json.memories.map((m: { text: string }) => m.text).join(' ')).toContain('Reykjavik');
  });
});
