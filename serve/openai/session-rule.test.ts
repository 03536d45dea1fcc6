import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepos, type SessionsRepo } from '../db/repos';
import { backends, openTestDb, type TestDb } from '../testing';
import { checkSessionKey, conversationSessionId, keyedSessionId, resolveSession, uuidV5 } from './session-rule';

describe('uuidV5', () => {
  it('matches RFC 9562 (the DNS name space example "www.example.com")', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
  it('derived ids are stable and differ by user, key and conversation', () => {
    expect(conversationSessionId('a', 'sys', 'hi')).toBe(conversationSessionId('a', 'sys', 'hi'));
    const all = [conversationSessionId('a', 'sys', 'hi'), conversationSessionId('b', 'sys', 'hi'), conversationSessionId('a', '', 'syshi'), conversationSessionId('a', 'sys', 'hello'), keyedSessionId('a', 'hi'), keyedSessionId('b', 'hi')];
    expect(new Set(all).size).toBe(all.length);
    for (const id of all) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it('session keys are 1-200 printable ASCII characters', () => {
    expect(checkSessionKey('conv-42', 'k')).toBe('conv-42');
    for (const bad of ['', ' lead', 'x'.repeat(201), 'tab\there', 'ünï']) expect(() => checkSessionKey(bad, 'k')).toThrow(/printable/);
  });
});

describe.each(backends)('resolveSession on %s', (backend) => {
  let t: TestDb;
  let sessions: SessionsRepo;
  beforeAll(async () => {
    t = await openTestDb(backend);
    sessions = createRepos(t.db.knex).sessions;
  });
  afterAll(async () => t?.cleanup());

  it('creates the conversation session on first use, titled with the first message, then finds it; two first calls at once agree', async () => {
    const q = { userId: 'u1', system: 'be brief', firstUser: 'Plan a trip  to\nLisbon' };
    const [a, b] = await Promise.all([resolveSession(sessions, q), resolveSession(sessions, q)]);
    expect(a).toEqual({ sessionId: conversationSessionId('u1', 'be brief', q.firstUser), rule: 'conversation' });
    expect(b).toEqual(a);
    expect((await sessions.get('u1', a.sessionId))?.title).toBe('Plan a trip to Lisbon');
    expect(await resolveSession(sessions, q)).toEqual(a);
  });

  it("a key: the user's own session id as it is, anything else (another user's id too) a derived session", async () => {
    const own = await sessions.create({ userId: 'u2' });
    expect(await resolveSession(sessions, { userId: 'u2', key: own.id.toUpperCase(), system: '', firstUser: 'x' })).toEqual({ sessionId: own.id, rule: 'session' });
    const theirs = await resolveSession(sessions, { userId: 'u3', key: own.id, system: '', firstUser: 'x' });
    expect(theirs).toEqual({ sessionId: keyedSessionId('u3', own.id), rule: 'key' });
    const unknown = randomUUID();
    expect((await resolveSession(sessions, { userId: 'u2', key: unknown, system: '', firstUser: 'x' })).sessionId).toBe(keyedSessionId('u2', unknown));
    expect(await sessions.get('u3', theirs.sessionId)).not.toBeNull();
    expect(await sessions.get('u2', theirs.sessionId)).toBeNull();
  });
});
