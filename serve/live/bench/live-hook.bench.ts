/**
 * What live quality monitoring costs the chat: the synchronous part of `onTurnAnswered` (the only part on a
 * turn's path: hash, build the sample, enqueue), in ns per answered turn, at EVAL_SAMPLE_RATE 0, 0.1 and 1;
 * and how many samples per second the background side writes to an in-memory PGlite (no judge), so a rate
 * can be chosen that the queue keeps up with. `npm run bench:live [-- turns]`; writes
 * reports/baselines/live-hook/figures.json (with the 1-minute load average before and after).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import pino from 'pino';
import type { AnsweredTurn } from '../../chat/turn';
import { openDb } from '../../db';
import { createRepos, type LiveEvalRepo } from '../../db/repos';
import { createDropDetector } from '../alert';
import { createLiveRecorder } from '../recorder';

const TURNS = Number(process.argv[2] ?? 200_000);
const OUT = 'reports/baselines/live-hook';
const loadavg = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
const loadBefore = loadavg();
const logger = pino({ level: 'silent' });

function turns(n: number): AnsweredTurn[] {
  return Array.from({ length: n }, () => ({
    userId: 'u',
    question: 'What is my dog called?',
    answer: 'Biscuit.',
    meta: {
      sessionId: randomUUID(),
      userMessageId: randomUUID(),
      assistantMessageId: randomUUID(),
      model: 'm',
      memory: 'ok' as const,
      memories: [0.9, 0.7, 0.5, 0.3, 0.2].map((score, i) => ({ id: `m${i}`, text: `memory ${i}`, score, sessionId: null, createdAt: '2025-01-01T00:00:00.000Z' })),
      promptTokens: { system: 10, memories: 60, window: 200, user: 8, total: 278 },
    },
    memoryBudgetTokens: 2000,
    timings: { dbMs: 1, retrievalMs: 5, promptMs: 1, ttftMs: 50, totalMs: 400 },
    usage: { promptTokens: 278, completionTokens: 40, totalTokens: 318, source: 'provider' as const },
    model: 'm',
  }));
}

/** A repo that drops every row: the synchronous path alone (the queue never fills past the drain's tick). */
const nullRepo: LiveEvalRepo = { insert: () => Promise.resolve(), list: () => Promise.resolve([]) };

async function hookNs(rate: number, input: AnsweredTurn[]): Promise<number> {
  const r = createLiveRecorder({ rate, slo: { ttftMs: 2000, totalMs: 30000 }, queueMax: input.length, instanceId: 'b', repo: nullRepo, detector: createDropDetector({ window: 50, drop: 0.1 }), logger });
  const t0 = process.hrtime.bigint();
  for (const t of input) r.onTurnAnswered(t);
  const ns = Number(process.hrtime.bigint() - t0) / input.length;
  await r.close();
  return ns;
}

async function writesPerSec(n: number): Promise<number> {
  const db = await openDb({ inMemory: true });
  try {
    const repo = createRepos(db.knex).liveEval;
    const r = createLiveRecorder({ rate: 1, slo: { ttftMs: 2000, totalMs: 30000 }, queueMax: n, instanceId: 'b', repo, detector: createDropDetector({ window: 50, drop: 0.1 }), logger });
    const input = turns(n);
    const t0 = performance.now();
    for (const t of input) r.onTurnAnswered(t);
    await r.idle();
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await db.close();
  }
}

const input = turns(TURNS);
await hookNs(1, input.slice(0, 10_000)); // warm-up
const hook: Record<string, number[]> = { '0': [], '0.1': [], '1': [] };
for (let round = 0; round < 5; round++) for (const rate of [0, 0.1, 1]) hook[String(rate)]!.push(await hookNs(rate, input));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const figures = {
  turns: TURNS,
  hookNsPerTurn: Object.fromEntries(Object.entries(hook).map(([rate, xs]) => [rate, Math.round(median(xs))])),
  pgliteWritesPerSec: Math.round(await writesPerSec(2_000)),
  machine: { cpus: cpus().length, node: process.version, loadavg1mBefore: loadBefore, loadavg1mAfter: loadavg() },
};
mkdirSync(OUT, { recursive: true });
writeFileSync(`${OUT}/figures.json`, `${JSON.stringify(figures, null, 2)}\n`);
console.log(JSON.stringify(figures, null, 2));
