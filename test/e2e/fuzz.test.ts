/**
 * Property-based fuzzing of every route (fast-check): generated hostile requests never get a 5xx, every 4xx
 * carries a JSON error.code, the server stays healthy and data stored before is untouched.
 * FUZZ_RUNS (default 1500) sets the number of requests (the API-key run sends a third of that); FUZZ_SEED replays a run.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/client';
import { requestArb, ROUTES, send, type FuzzRequest, type FuzzResponse } from '../support/fuzz-requests';
import { type Stack, startStack } from '../../serve/testing';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const FUZZ_SESSIONS = Array.from({ length: 40 }, (_, i) => `f0000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

/** The route template a request was meant for ("other" for random paths and methods). */
function routeOf(r: FuzzRequest): string {
  const path = r.path.split('?')[0] ?? '';
  for (const route of ROUTES) {
    const re = new RegExp(`^${route.path.replace(':id', '[^/]*')}$`);
    if (route.method === r.method && re.test(path)) return `${route.method} ${route.path}`;
  }
  return 'other';
}

/** What is wrong with a response, or null. */
function problem(r: FuzzRequest, res: FuzzResponse): string | null {
  if (res.status >= 500) return `status ${res.status}`;
  const text = res.body.toString('utf8');
  if (res.status >= 400 && r.method.toUpperCase() !== 'HEAD') {
    if (!String(res.headers['content-type'] ?? '').startsWith('application/json')) return `${res.status} without a JSON body`;
    let code: unknown;
    try {
      code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    } catch {
      return `${res.status} with a body that is not JSON`;
    }
    if (typeof code !== 'string' || code === '') return `${res.status} without error.code`;
  }
  // a stream's failure comes as an error event after a 200
  if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream') && /"code":"internal_error"/.test(text)) return 'internal_error event in a stream';
  return null;
}

/** One server, one fuzz run. With `auth` the server requires API keys and the fuzz holds the fuzz users' keys. */
function fuzzRoutes(name: string, runs: number, auth: boolean) {
  describe(name, () => {
    let t: Stack;
    let session: string;
    let owner: Record<string, string>;
    let keys: string[] = [];
    let before: { session: unknown; messages: unknown; sessions: unknown };

    const snapshot = async () => ({
      session: (await api(`${t.url}/v1/sessions/${session}`, { headers: owner })).json,
      messages: (await api(`${t.url}/v1/sessions/${session}/messages?limit=200`, { headers: owner })).json,
      sessions: (await api(`${t.url}/v1/sessions?limit=200`, { headers: owner })).json,
    });

    beforeAll(async () => {
      t = await startStack({ env: { MAX_CONTENT_CHARS: '2000', MAX_BODY_BYTES: '4096', SSE_KEEPALIVE_MS: '1000', AUTH: auth ? 'required' : 'off' } });
      const repos = t.runtime.deps.repos;
      owner = auth ? { authorization: `Bearer ${(await repos.apiKeys.create('fuzz-owner')).key}` } : { 'x-memocha-user': 'fuzz-owner' };
      if (auth) keys = [(await repos.apiKeys.create('fuzz-a')).key, (await repos.apiKeys.create('fuzz-b')).key];
      session = (await api(`${t.url}/v1/sessions`, { body: { title: 'kept' }, headers: owner })).json.id;
      for (const content of ['My sister Ana lives in Lisbon.', 'Where does Ana live?']) {
        expect((await api(`${t.url}/v1/sessions/${session}/messages`, { body: { content }, headers: owner })).status).toBe(200);
      }
      // sessions of the users the fuzz acts as, with fixed ids so a FUZZ_SEED replays the same requests
      for (const [i, id] of FUZZ_SESSIONS.entries()) await repos.sessions.create({ userId: i % 2 ? 'fuzz-b' : 'fuzz-a', id, title: `fuzz ${i}` });
      before = await snapshot();
    });
    afterAll(async () => t?.close());

    it(`${runs} generated requests: no 5xx, every 4xx has a JSON error.code`, async () => {
      const base = new URL(t.url);
      const statuses = new Map<number, number>();
      const byRoute = new Map<string, Record<number, number>>();
      const started = performance.now();
      await fc.assert(
        fc.asyncProperty(requestArb({ ownedSession: session, fuzzSessions: FUZZ_SESSIONS, keys }), async (r) => {
          const res = await send(base, r);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const route = routeOf(r);
          const seen = byRoute.get(route) ?? {};
          seen[res.status] = (seen[res.status] ?? 0) + 1;
          byRoute.set(route, seen);
          const wrong = problem(r, res);
          if (wrong) throw new Error(`${wrong}: ${r.method} ${r.path.slice(0, 300)} -> ${res.body.toString('utf8').slice(0, 300)}`);
        }),
        { numRuns: runs, ...(SEED === undefined ? {} : { seed: SEED }), endOnFailure: true },
      );
      const seconds = (performance.now() - started) / 1000;
      console.log(`fuzz (${name}): ${runs} requests in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
      for (const [route, seen] of [...byRoute].sort()) console.log(`  ${route}: ${JSON.stringify(seen)}`);
      expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
      // every route was reached past its validation at least once
      for (const r of ROUTES) expect(Object.keys(byRoute.get(`${r.method} ${r.path}`) ?? {}).some((s) => Number(s) < 300 || s === '404'), `${r.method} ${r.path}`).toBe(true);
      if (auth) expect(statuses.get(401)).toBeGreaterThan(0);
    }, Math.max(120_000, runs * 100));

    it('the server is still healthy and the data stored before is intact', async () => {
      expect((await api(`${t.url}/healthz`)).status).toBe(200);
      expect((await api(`${t.url}/readyz`)).json.status).toBe('ready');
      expect(await snapshot()).toEqual(before);
      const answer = await api(`${t.url}/v1/sessions/${session}/messages`, { body: { content: 'And where do I live?' }, headers: owner });
      expect(answer.status).toBe(200);
    });
  });
}

fuzzRoutes('fuzzing every route with hostile requests (X-Memocha-User)', RUNS, false);
fuzzRoutes('fuzzing every route with hostile requests (API keys required)', Math.ceil(RUNS / 3), true);
