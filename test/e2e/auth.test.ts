import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createRuntime, openDb, startServer, testConfig } from '../../serve';
import { backends, openInSchema, startStack, TEST_DATABASE_URL, type Stack, type TestDb } from '../../serve/testing';
import { api, postSse } from '../support/client';

const run = promisify(execFile);
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const ids = (items: { id: string }[]) => items.map((x) => x.id);

describe.each(backends)('AUTH=required on %s', (backend) => {
  let t: Stack;
  let alice = '';
  let bob = '';
  let revoked = '';
  let aliceSession = '';

  beforeAll(async () => {
    t = await startStack({ db: backend, env: { AUTH: 'required' }, sim: { mode: 'extractive' } });
    const keys = t.runtime.deps.repos.apiKeys;
    alice = (await keys.create('alice')).key;
    bob = (await keys.create('bob')).key;
    const old = await keys.create('alice', { label: 'old laptop' });
    revoked = old.key;
    await keys.revoke(old.info.id);
    aliceSession = (await api(`${t.url}/v1/sessions`, { body: { title: 'private' }, headers: bearer(alice) })).json.id;
    const turn = await api(`${t.url}/v1/sessions/${aliceSession}/messages`, { body: { content: 'My locker code is 4512 and my cat is Miso.' }, headers: bearer(alice) });
    expect(turn.status).toBe(200);
    await t.runtime.memoryService?.idle();
  });
  afterAll(async () => t?.close());

  it('401 unauthorized with a Bearer challenge without a key, or with another scheme', async () => {
    const tries: Record<string, string>[] = [{}, { authorization: 'Basic YWxpY2U6eA==' }, { authorization: 'Bearer' }, { authorization: `Token ${alice}` }];
    for (const headers of tries) {
      const r = await api(`${t.url}/v1/sessions`, { headers });
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe('unauthorized');
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer realm="memocha"$/);
    }
    // every API route, before anything is read or stored
    expect((await api(`${t.url}/chat`, { body: { message: 'hi' } })).status).toBe(401);
    expect((await api(`${t.url}/v1/memories?q=cat`)).status).toBe(401);
    expect((await api(`${t.url}/v1/sessions/${aliceSession}`, { method: 'DELETE' })).status).toBe(401);
    expect((await api(`${t.url}/v1/sessions/${aliceSession}`, { headers: bearer(alice) })).status).toBe(200);
  });

  it('401 invalid_api_key for a wrong, malformed or revoked key', async () => {
    const wrong = `mk_${randomBytes(32).toString('base64url')}`;
    for (const key of [wrong, 'not-a-key', `${alice}x`, revoked]) {
      const r = await api(`${t.url}/v1/sessions`, { headers: bearer(key) });
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe('invalid_api_key');
      expect(r.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
  });

  it('X-Memocha-User is ignored: it neither authenticates nor changes whose data a key reaches', async () => {
    const spoof = await api(`${t.url}/v1/sessions`, { headers: { 'x-memocha-user': 'alice' } });
    expect(spoof.status).toBe(401);
    const asBob = { ...bearer(bob), 'x-memocha-user': 'alice' };
    const created = await api(`${t.url}/v1/sessions`, { body: { title: 'mine' }, headers: asBob });
    expect(created.json.userId).toBe('bob');
    const listed = await api(`${t.url}/v1/sessions`, { headers: asBob });
    expect(ids(listed.json.items)).toEqual([created.json.id]);
    expect((await api(`${t.url}/v1/sessions/${aliceSession}`, { headers: asBob })).status).toBe(404);
  });

  it("bob's key cannot read, continue or delete alice's session, messages or memories", async () => {
    const b = bearer(bob);
    expect((await api(`${t.url}/v1/sessions/${aliceSession}`, { headers: b })).json.error.code).toBe('session_not_found');
    expect((await api(`${t.url}/v1/sessions/${aliceSession}/messages`, { headers: b })).status).toBe(404);
    expect((await api(`${t.url}/v1/sessions/${aliceSession}/messages`, { body: { content: 'what is my locker code?' }, headers: b })).status).toBe(404);
    const stream = await postSse(`${t.url}/v1/sessions/${aliceSession}/messages`, { content: 'what is my locker code?' }, b);
    expect(stream.status).toBe(404);
    expect((await api(`${t.url}/chat`, { body: { message: 'what is my locker code?', sessionId: aliceSession }, headers: b })).status).toBe(404);
    expect((await api(`${t.url}/v1/sessions/${aliceSession}/memories`, { method: 'DELETE', headers: b })).status).toBe(404);
    expect((await api(`${t.url}/v1/sessions/${aliceSession}`, { method: 'DELETE', headers: b })).status).toBe(404);
    expect(ids((await api(`${t.url}/v1/sessions?limit=200`, { headers: b })).json.items)).not.toContain(aliceSession);

    // a new chat of bob's answers without alice's memories
    const chat = await api(`${t.url}/chat`, { body: { message: 'What is my locker code?' }, headers: b });
    expect(chat.status).toBe(200);
    expect(JSON.stringify(chat.json.memories ?? [])).not.toContain('4512');

    if (t.runtime.memoryService) {
      const mine = await api(`${t.url}/v1/memories?q=${encodeURIComponent('locker code cat')}&k=10`, { headers: bearer(alice) });
      if (backend === 'pglite') expect(mine.status).toBe(200);
      if (mine.status === 200) {
        // the store works here (PGlite, or PostgreSQL with pgvector): alice's memory exists and bob can't reach it
        expect(JSON.stringify(mine.json.items)).toContain('4512');
        const theirs = await api(`${t.url}/v1/memories?q=${encodeURIComponent('locker code cat')}&k=10`, { headers: b });
        expect(JSON.stringify(theirs.json.items)).not.toContain('4512');
        expect((await api(`${t.url}/v1/memories`, { method: 'DELETE', headers: b })).status).toBe(200);
        const still = await api(`${t.url}/v1/memories?q=${encodeURIComponent('locker code cat')}&k=10`, { headers: bearer(alice) });
        expect(JSON.stringify(still.json.items)).toContain('4512');
      } else {
        expect(mine.json.error.code).toBe('memory_unavailable'); // PostgreSQL without pgvector
      }
    }

    // alice's data is all still there
    const msgs = await api(`${t.url}/v1/sessions/${aliceSession}/messages`, { headers: bearer(alice) });
    expect(msgs.json.items.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    expect(msgs.json.items[0].content).toContain('4512');
  });

  it('health, readiness and metrics stay open', async () => {
    expect((await api(`${t.url}/healthz`)).status).toBe(200);
    expect((await api(`${t.url}/readyz`)).status).toBe(200);
    const metrics = await fetch(`${t.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).not.toMatch(/alice|bob|mk_/);
  });

  it('stores only the hash of a key, and records its last use', async () => {
    const created = await t.runtime.deps.repos.apiKeys.create('carol');
    const rows = (await t.db.knex('api_keys').where({ user_id: 'carol' })) as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.key_hash).toBe(sha256(created.key));
    const secret = created.key.slice(3);
    for (const value of Object.values(rows[0]!)) expect(String(value)).not.toContain(secret.slice(-20));
    expect(rows[0]!.last_used_at).toBeNull();
    expect((await api(`${t.url}/v1/sessions`, { headers: bearer(created.key) })).status).toBe(200);
    await expect.poll(async () => (await t.runtime.deps.repos.apiKeys.list('carol'))[0]?.lastUsedAt, { timeout: 5_000 }).not.toBeNull();
  });
});

describe('AUTH=auto', () => {
  it('is off on a loopback HOST: X-Memocha-User names the user', async () => {
    const open = await startStack({ env: { MEMORY_ENABLED: 'false' } });
    try {
      expect(open.config.authRequired).toBe(false);
      const r = await api(`${open.url}/v1/sessions`, { body: {}, headers: { 'x-memocha-user': 'dora' } });
      expect(r.json.userId).toBe('dora');
    } finally {
      await open.close();
    }
  });

  it('is required when HOST is not loopback', async () => {
    // configured for 0.0.0.0 (startStack itself listens on 127.0.0.1)
    const closed = await startStack({ env: { HOST: '0.0.0.0', MEMORY_ENABLED: 'false' } });
    try {
      expect(closed.config.authRequired).toBe(true);
      expect((await api(`${closed.url}/v1/sessions`, { headers: { 'x-memocha-user': 'dora' } })).status).toBe(401);
    } finally {
      await closed.close();
    }
  });

  it('refuses AUTH=off on a non-loopback address unless AUTH_ALLOW_OPEN=true', async () => {
    expect(() => testConfig({ AUTH: 'off', HOST: '0.0.0.0' })).toThrow(ConfigError);
    expect(() => testConfig({ AUTH: 'off', HOST: '::' })).toThrow(/AUTH_ALLOW_OPEN/);
    expect(testConfig({ AUTH: 'off', HOST: '::1' }).authRequired).toBe(false);
    expect(testConfig({ AUTH: 'off', HOST: '0.0.0.0', AUTH_ALLOW_OPEN: 'true' }).authRequired).toBe(false);

    // the server itself checks the address it is asked to listen on
    const db = await openDb({ inMemory: true });
    const runtime = await createRuntime(testConfig({ AUTH: 'off', MEMORY_ENABLED: 'false' }), { db });
    try {
      await expect(startServer(runtime, 0, '0.0.0.0')).rejects.toThrow(/AUTH=off with HOST=0\.0\.0\.0/);
    } finally {
      await runtime.close();
      await db.close();
    }
  });

  it('npm start refuses to start on 0.0.0.0 with AUTH=off, naming the way out', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'memocha-auth-'));
    try {
      const env = { ...process.env, HOST: '0.0.0.0', PORT: '0', AUTH: 'off', DATA_DIR: dataDir, DATABASE_URL: '' };
      const started = run('npx', ['tsx', 'serve/main.ts'], { env, timeout: 60_000 });
      const err = (await started.then(
        () => null,
        (e: unknown) => e,
      )) as { code: number; stderr: string } | null;
      expect(err).not.toBeNull();
      expect(err!.code).toBe(1);
      expect(err!.stderr).toMatch(/AUTH=off with HOST=0\.0\.0\.0/);
      expect(err!.stderr).toMatch(/AUTH_ALLOW_OPEN=true/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('npm run keys against PostgreSQL', () => {
  let pg: TestDb & { schema: string };
  let env: NodeJS.ProcessEnv;
  const keys = async (...args: string[]) => (await run('npx', ['tsx', 'serve/keys.ts', ...args], { env, timeout: 60_000 })).stdout.trim().split('\n');

  beforeAll(async () => {
    pg = await openInSchema(TEST_DATABASE_URL, 2);
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set('options', `-c search_path=${pg.schema}`);
    env = { ...process.env, DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' };
  });
  afterAll(async () => pg?.cleanup());

  it('create prints the key last; a server with AUTH=required accepts it until revoke', async () => {
    const created = await keys('create', 'erin', '--label', 'ci');
    const key = created.at(-1)!;
    expect(key).toMatch(/^mk_[A-Za-z0-9_-]{43}$/);
    const id = /created API key ([0-9a-f]{12}) for user erin/.exec(created.join('\n'))?.[1];
    expect(id).toBeDefined();

    const listed = (await keys('list')).join('\n');
    expect(listed).toContain(id);
    expect(listed).toMatch(/erin\tmk_\S+…/);
    expect(listed).not.toContain(key);

    const t = await startStack({ db: pg.db, env: { AUTH: 'required', MEMORY_ENABLED: 'false' } });
    try {
      const ok = await api(`${t.url}/v1/sessions`, { body: { title: 'x' }, headers: bearer(key) });
      expect(ok.status).toBe(201);
      expect(ok.json.userId).toBe('erin');

      const revoked = (await keys('revoke', id!)).join('\n');
      expect(revoked).toContain(`revoked API key ${id} of user erin`);
      const denied = await api(`${t.url}/v1/sessions`, { headers: bearer(key) });
      expect(denied.status).toBe(401);
      expect(denied.json.error.code).toBe('invalid_api_key');
      expect((await keys('list', 'erin')).join('\n')).toMatch(new RegExp(`${id}\\t.*\\trevoked `));
    } finally {
      await t.close();
    }
  }, 180_000);

  it('revoke of an unknown id and create without a user fail with exit code 1', async () => {
    const unknown = await run('npx', ['tsx', 'serve/keys.ts', 'revoke', 'ffffffffffff'], { env, timeout: 60_000 }).catch((e: unknown) => e as { code: number; stderr: string });
    expect(unknown).toMatchObject({ code: 1 });
    expect((unknown as { stderr: string }).stderr).toContain('no API key with id "ffffffffffff"');
    const usage = await run('npx', ['tsx', 'serve/keys.ts', 'create'], { env, timeout: 60_000 }).catch((e: unknown) => e as { code: number; stderr: string });
    expect(usage).toMatchObject({ code: 1 });
    expect((usage as { stderr: string }).stderr).toContain('usage: npm run keys');
  }, 120_000);
});

describe('npm run keys against a PGlite directory a server holds', () => {
  it('fails with a message saying to stop the server or use PostgreSQL', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'memocha-keys-'));
    const db = await openDb({ dataDir });
    try {
      const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'silent' };
      const err = await run('npx', ['tsx', 'serve/keys.ts', 'list'], { env, timeout: 60_000 }).catch((e: unknown) => e as { code: number; stderr: string });
      expect(err).toMatchObject({ code: 1 });
      expect((err as { stderr: string }).stderr).toMatch(/in use by process/);
      expect((err as { stderr: string }).stderr).toMatch(/stop the server/);
    } finally {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
