/**
 * Live quality monitoring's hook: a sampled share of complete answers is queued (bounded: dropped and counted
 * when full) and, off the chat's path, judged when a judge is configured, written to live_eval, shown in
 * /metrics and fed to the drop detector, which logs one `alert` line per window that dropped.
 */
import type { Logger } from 'pino';
import type { AnsweredTurn } from '../chat/turn';
import type { LiveEvalRepo, NewLiveSample } from '../db/repos';
import type { DropAlert, DropDetector } from './alert';
import type { JudgeInput, LiveJudge } from './judge';
import type { LiveMetrics } from './metrics';
import { toLiveSample, type Slo } from './sample';
import { isSampled } from './sampling';

export interface LiveRecorderOptions {
  rate: number;
  slo: Slo;
  queueMax: number;
  /** Samples judged and written at once (default 1). */
  concurrency?: number;
  instanceId: string;
  repo: LiveEvalRepo;
  detector: DropDetector;
  logger: Logger;
  judge?: LiveJudge;
  metrics?: LiveMetrics;
}

export interface LiveRecorder {
  /** ChatDeps.onTurnAnswered: synchronous, cheap, never throws. */
  onTurnAnswered(turn: AnsweredTurn): void;
  depth(): number;
  /** Resolves once every queued sample is written (or failed). */
  idle(): Promise<void>;
  /** Stops taking samples, aborts judge calls in flight and waits for the queue to empty. */
  close(): Promise<void>;
}

interface Queued {
  sample: NewLiveSample;
  judgeInput: JudgeInput;
}

export function createLiveRecorder(o: LiveRecorderOptions): LiveRecorder {
  const queue: Queued[] = [];
  const concurrency = Math.max(1, o.concurrency ?? 1);
  let workers = 0;
  const idleWaiters: (() => void)[] = [];
  let closed = false;
  const stop = new AbortController();

  function onTurnAnswered(turn: AnsweredTurn): void {
    try {
      if (closed || !isSampled(turn.meta.assistantMessageId, o.rate)) return;
      if (queue.length >= o.queueMax) {
        o.metrics?.dropped();
        return;
      }
      queue.push({
        sample: toLiveSample(turn, o.slo, o.instanceId),
        judgeInput: { question: turn.question, answer: turn.answer, memories: turn.meta.memories.map((m) => ({ text: m.text, score: m.score })) },
      });
      while (workers < concurrency && workers < queue.length) {
        workers++;
        void work();
      }
    } catch (err) {
      o.logger.warn({ err }, 'live monitoring: sampling a turn failed');
    }
  }

  async function work(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve)); // off the turn's own tick
    try {
      for (let next = queue.shift(); next; next = queue.shift()) {
        await record(next).catch((err: unknown) => o.logger.warn({ err }, 'live monitoring: recording a sample failed'));
      }
    } finally {
      // in the same tick as the empty shift: a sample queued later finds workers < concurrency and starts one
      workers--;
      if (workers === 0) for (const wake of idleWaiters.splice(0)) wake();
    }
  }

  const idle = (): Promise<void> => (workers === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve)));

  async function record({ sample, judgeInput }: Queued): Promise<void> {
    const row = { ...sample };
    if (o.judge && stop.signal.aborted) {
      row.judgeError = 'not judged: the server was shutting down';
    } else if (o.judge) {
      const verdict = await o.judge.judge(judgeInput, stop.signal);
      o.metrics?.judged(verdict);
      row.judgeModel = o.judge.model;
      if (verdict.ok) {
        row.judgeGroundedness = verdict.groundedness;
        row.judgeRelevance = verdict.relevance;
        row.judgeScore = verdict.score;
      } else {
        row.judgeError = `${verdict.failure}: ${verdict.error}`.slice(0, 1000);
        o.logger.warn({ messageId: row.id, failure: verdict.failure, error: verdict.error }, 'live judge gave no score');
      }
    }
    try {
      await o.repo.insert(row);
    } catch (err) {
      o.metrics?.writeFailed();
      o.logger.warn({ err, messageId: row.id }, 'live monitoring: writing a sample failed');
      return;
    }
    o.metrics?.sampled(row);
    observe(row);
  }

  function observe(row: NewLiveSample): void {
    const alerts = [
      o.detector.add('slo', row.ttftSloMet !== false && row.totalSloMet ? 1 : 0),
      row.judgeScore !== null ? o.detector.add('judge_score', row.judgeScore) : null,
      row.memoryTopScore !== null ? o.detector.add('memory_top_score', row.memoryTopScore) : null,
    ];
    for (const a of alerts) if (a) raise(a);
  }

  function raise(a: DropAlert): void {
    o.metrics?.alert(a.signal);
    const why = a.reason === 'drop' ? `fell by ${a.drop?.toFixed(3)} from ${a.baseline?.toFixed(3)}` : `is below the floor ${a.floor}`;
    o.logger.error({ event: 'alert', alert: a }, `alert: live ${a.signal} over the last ${a.window} samples is ${a.mean.toFixed(3)}: ${why}`);
  }

  return {
    onTurnAnswered,
    depth: () => queue.length,
    idle,
    async close() {
      closed = true;
      stop.abort();
      await idle();
      o.judge?.close();
    },
  };
}
