/**
 * The crash loop: the real server as a child process on PostgreSQL (a private schema), the built-in
 * simulator streaming slowly, N SSE answers in flight, `kill -9` at a random moment, restart, check.
 *   CRASH_CYCLES (default 5; the target run is 50: `npm run test:crash`), CRASH_STREAMS (6), CRASH_SEED,
 *   CRASH_SLACK_MS: what a delivered token may lag its save beyond ANSWER_SAVE_INTERVAL_MS (default 0: the saver
 *   starts each write early enough to finish within the interval).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSse, type SseItem } from '../../eval/client/sse';
import { mulberry32 } from '../../serve';
import { openInSchema, TEST_DATABASE_URL, type TestDb } from '../../serve/testing';

const CYCLES = Number(process.env.CRASH_CYCLES ?? 5);
const STREAMS = Number(process.env.CRASH_STREAMS ?? 6);
const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SAVE_MS = 500; // the default ANSWER_SAVE_INTERVAL_MS: the target is met with the default
const SLACK_MS = Number(process.env.CRASH_SLACK_MS ?? 0);
const ITL_MS = 40; // lorem answers of 64 tokens: about 2.6 s each
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Server {
  child: ChildProcess;
  url: string;
  startMs: number;
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'serve/main.ts'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 'Memocha listening' within 60 s; stderr: ${stderr}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening; stderr: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const log = JSON.parse(line) as { msg?: string; url?: string };
        if (log.msg === 'Memocha listening' && log.url) {
          clearTimeout(timer);
          resolve(log.url);
        }
      } catch {
        // not a JSON log line
      }
    });
  });
  return { child, url, startMs: performance.now() - t0 };
}

async function kill9(s: Server): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGKILL');
  await exited;
}

interface StreamLog {
  sessionId: string;
  meta?: { userMessageId: string; assistantMessageId: string };
  tokens: { text: string; at: number }[];
  ended?: 'done' | 'error' | 'cut';
}

async function stream(url: string, sessionId: string, log: StreamLog): Promise<void> {
  try {
    const res = await fetch(`${url}/v1/sessions/${sessionId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ content: `tell me a story (${sessionId})` }),
    });
    for await (const item of readSse(res.body!) as AsyncGenerator<SseItem>) {
      if (item.kind !== 'event') continue;
      const data = JSON.parse(item.event.data) as Record<string, unknown>;
      if (item.event.event === 'meta') log.meta = { userMessageId: data.userMessageId as string, assistantMessageId: data.assistantMessageId as string };
      else if (item.event.event === 'token') log.tokens.push({ text: data.text as string, at: item.at });
      else log.ended = item.event.event === 'done' ? 'done' : 'error';
    }
    log.ended ??= 'cut';
  } catch {
    log.ended ??= 'cut'; // the server died under us
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kill -9 under streaming load', () => {
  let db: TestDb & { schema: string };
  let server: Server | undefined;
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await openInSchema(TEST_DATABASE_URL, 2, 'crash');
    const dbUrl = new URL(TEST_DATABASE_URL);
    dbUrl.searchParams.set('options', `-c search_path=${db.schema},public`);
    env = {
      DATABASE_URL: dbUrl.toString(),
      PORT: '0',
      HOST: '127.0.0.1',
      AUTH: 'off',
      LOG_LEVEL: 'info',
      NODE_ENV: 'test',
      LLM_PROVIDER: 'sim',
      SIM_MODE: 'lorem',
      SIM_TTFT_MS: '50',
      SIM_ITL_MS: String(ITL_MS),
      MEMORY_ENABLED: 'false',
      ANSWER_SAVE_INTERVAL_MS: String(SAVE_MS),
      // the restarted server must not wait long for the killed one's lease
      ANSWER_LEASE_MS: '1000',
    };
  });
  afterAll(async () => {
    if (server) await kill9(server);
    await db?.cleanup();
  });

  it(`${CYCLES} cycles of ${STREAMS} streams: no acknowledged message lost, every answer has a row, stored text lags delivery by at most the save interval`, { timeout: 60_000 + CYCLES * 60_000 }, async () => {
    const rng = mulberry32(SEED);
    const knex = db.db.knex;
    const figures = { seed: SEED, cycles: CYCLES, streams: 0, acknowledged: 0, unacknowledged: 0, userLost: 0, answerRowless: 0, complete: 0, interrupted: 0, otherStatus: 0, textMismatch: 0, tokensDelivered: 0, tokensLost: 0, answersWithLoss: 0, maxLossLagMs: 0, lagOverBound: 0, usageMissing: 0, startMs: [] as number[], sweepWaitMs: [] as number[] };
    server = await startServer(env);
    figures.startMs.push(server.startMs);

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const url = server.url;
      const logs: StreamLog[] = [];
      for (let i = 0; i < STREAMS; i++) {
        const r = await fetch(`${url}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        logs.push({ sessionId: ((await r.json()) as { id: string }).id, tokens: [] });
      }
      const running = logs.map(async (log) => {
        await sleep(rng() * 1_000); // staggered: the kill finds answers at every stage
        await stream(url, log.sessionId, log);
      });
      // A random moment once answers flow (a loaded machine can take seconds to acknowledge the first).
      for (const t = performance.now(); !logs.some((l) => l.meta) && performance.now() - t < 30_000; ) await sleep(20);
      await sleep(rng() * 3_000);
      const killAt = performance.now();
      await kill9(server);
      server = undefined;
      await Promise.all(running);

      server = await startServer(env);
      figures.startMs.push(server.startMs);
      const ids = logs.flatMap((l) => (l.meta ? [l.meta.assistantMessageId] : []));
      const t0 = performance.now();
      for (;;) {
        const left = await knex('messages').whereIn('id', ids).where('status', 'pending').count({ n: '*' });
        if (Number(left[0]!.n) === 0) break;
        if (performance.now() - t0 > 20_000) throw new Error(`answers still pending 20 s after restart (cycle ${cycle})`);
        await sleep(100);
      }
      figures.sweepWaitMs.push(performance.now() - t0);

      for (const log of logs) {
        figures.streams++;
        if (!log.meta) {
          figures.unacknowledged++;
          continue;
        }
        figures.acknowledged++;
        const user = await knex('messages').where({ id: log.meta.userMessageId }).first();
        if (!user) figures.userLost++;
        const answer = (await knex('messages').where({ id: log.meta.assistantMessageId }).first()) as { status: string; content: string } | undefined;
        if (!answer) {
          figures.answerRowless++;
          continue;
        }
        if (answer.status === 'complete') figures.complete++;
        else if (answer.status === 'interrupted') figures.interrupted++;
        else figures.otherStatus++;
        const usage = await knex('llm_usage').where({ message_id: log.meta.assistantMessageId });
        const wanted = answer.status === 'complete' ? 'ok' : 'interrupted';
        if (!usage.some((u: { outcome: string }) => u.outcome === wanted)) figures.usageMissing++;

        const delivered = log.tokens.map((t) => t.text).join('');
        figures.tokensDelivered += log.tokens.length;
        if (!delivered.startsWith(answer.content) && !answer.content.startsWith(delivered)) {
          figures.textMismatch++;
          continue;
        }
        // Tokens delivered but not stored: all must have arrived within the last save interval before the kill.
        let offset = 0;
        const lost = log.tokens.filter((t) => {
          offset += t.text.length;
          return offset > answer.content.length;
        });
        if (lost.length > 0) {
          figures.answersWithLoss++;
          figures.tokensLost += lost.length;
          const lag = killAt - lost[0]!.at;
          figures.maxLossLagMs = Math.max(figures.maxLossLagMs, lag);
          if (lag > SAVE_MS + SLACK_MS) figures.lagOverBound++;
        }
      }
    }
    const pendingLeft = await knex('messages').where('status', 'pending').count({ n: '*' });
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    console.log(
      `kill9 figures: ${JSON.stringify({ ...figures, maxLossLagMs: Math.round(figures.maxLossLagMs), startMs: Math.round(median(figures.startMs)), sweepWaitMs: Math.round(median(figures.sweepWaitMs)), sweepWaitMaxMs: Math.round(Math.max(...figures.sweepWaitMs)), pendingLeft: Number(pendingLeft[0]!.n) })}`,
    );

    expect(figures.acknowledged).toBeGreaterThan(0);
    expect(figures.interrupted).toBeGreaterThan(0); // the kill did land mid-answer
    expect(figures.userLost).toBe(0);
    expect(figures.answerRowless).toBe(0);
    expect(figures.otherStatus).toBe(0);
    expect(figures.textMismatch).toBe(0);
    expect(figures.lagOverBound).toBe(0);
    expect(figures.usageMissing).toBe(0);
    expect(Number(pendingLeft[0]!.n)).toBe(0);
  });
});
