/**
 * Closed loop: N virtual users, each sending one request, waiting for its end, thinking, and sending
 * the next — optionally continuing the same session for several turns. Bounded by time (warm-up +
 * duration, then a drain after which requests still in flight are aborted) and by a request count.
 */
import type { ChatRequest } from '../../client/chat';
import { createRng } from '../../metrics/random';
import type { LoadRecord, LoadRun, Sender, ThinkTime } from './types';
import { chatMessage, sleepUnlessAborted, thinkMs } from './workload';
import { loopSignals } from './signals';

export interface ClosedLoopOptions {
  users: number;
  /** requests sent in the first warmupMs are warm-up (not counted) */
  warmupMs: number;
  /**
   * Adaptive warm-up: the measurement window opens only once every VU has completed its first request
   * (and warmupMs has passed), waiting at most this long. Under overload the first round takes longer
   * than any fixed warm-up; without this, the window would count only the VUs that got through early.
   */
  maxWarmupMs?: number;
  /** the measured period after the warm-up; no request is sent after warmupMs + durationMs */
  durationMs: number;
  /** after the last send, requests in flight get this long to end before they are aborted */
  drainMs: number;
  /** a client gives up on a request after this long (a counted failure); default: never */
  clientTimeoutMs?: number;
  /** a hard cap on requests sent (warm-up included) */
  maxRequests?: number;
  think: ThinkTime;
  /** turns per conversation: 1 = every request opens a new session */
  turnsPerSession: number;
  /** after a refusal with Retry-After, a VU waits that long (capped at 10 s) instead of its think time, as SDK clients do */
  honorRetryAfter?: boolean;
  /** VU starts are spread evenly over this period (default 0: all at once) */
  rampMs?: number;
  stream: boolean;
  maxTokens?: number;
  seed: number;
  /** tag of the messages (unique per run, so runs against one database never mix) */
  tag: string;
  /** the user id of a VU (default `load-<vu>`) */
  userOf?: (vu: number) => string;
  send: Sender;
  signal?: AbortSignal;
}

export async function runClosedLoop(o: ClosedLoopOptions): Promise<LoadRun> {
  const startedAt = performance.now();
  const adaptive = o.maxWarmupMs !== undefined && o.maxWarmupMs > o.warmupMs;
  let measureFrom = startedAt + o.warmupMs;
  let stopSendingAt = adaptive ? startedAt + (o.maxWarmupMs as number) + o.durationMs : measureFrom + o.durationMs;
  const { stop, drain, unlink } = loopSignals(o.signal);
  const records: LoadRecord[] = [];
  const state = { seq: 0, inFlight: 0, peak: 0 };
  let drainTimer: NodeJS.Timeout | undefined;
  const armDrain = () => {
    clearTimeout(drainTimer);
    drainTimer = setTimeout(() => drain.abort(), Math.max(0, stopSendingAt - performance.now()) + o.drainMs);
  };
  // adaptive warm-up: open the window when every VU has finished one request, or when maxWarmupMs ran out
  let windowFixed = !adaptive;
  let firstRoundDone = 0;
  const openWindow = () => {
    if (windowFixed) return;
    windowFixed = true;
    measureFrom = Math.max(startedAt + o.warmupMs, performance.now());
    stopSendingAt = measureFrom + o.durationMs;
    armDrain();
  };
  const giveUpWaiting = adaptive ? setTimeout(openWindow, o.maxWarmupMs) : undefined;
  const canSend = () => !stop.signal.aborted && performance.now() < stopSendingAt && state.seq < (o.maxRequests ?? Number.POSITIVE_INFINITY);

  async function vu(id: number): Promise<void> {
    const rng = createRng(o.seed * 7919 + id);
    await sleepUnlessAborted(o.users > 1 ? ((o.rampMs ?? 0) * id) / o.users : 0, stop.signal);
    const user = o.userOf?.(id) ?? `load-${id}`;
    let sessionId: string | undefined;
    let turn = 0;
    let firstOfVu = true;
    while (canSend()) {
      const seq = state.seq++;
      const message = chatMessage(rng, o.tag, id, turn, seq);
      const timeout = o.clientTimeoutMs ? AbortSignal.timeout(o.clientTimeoutMs) : undefined;
      const req: ChatRequest = { message, user, stream: o.stream, signal: timeout ? AbortSignal.any([drain.signal, timeout]) : drain.signal, ...(sessionId ? { sessionId } : {}), ...(o.maxTokens ? { maxTokens: o.maxTokens } : {}) };
      state.inFlight++;
      state.peak = Math.max(state.peak, state.inFlight);
      const sentAt = performance.now();
      const result = await o.send(req);
      state.inFlight--;
      if (firstOfVu) {
        firstOfVu = false;
        if (++firstRoundDone === o.users) openWindow();
      }
      records.push({ seq, vu: id, turn, ...(req.sessionId ? { sessionId: req.sessionId } : {}), user, message, warmup: sentAt < measureFrom, abortedAtEnd: drain.signal.aborted && !result.ok, clientTimeout: !result.ok && timeout?.aborted === true && !drain.signal.aborted, result });
      // continue the conversation while it lasts and the server gave us its session
      turn++;
      sessionId = turn < o.turnsPerSession ? (result.sessionId ?? sessionId) : undefined;
      if (turn >= o.turnsPerSession || !sessionId) turn = 0;
      if (!canSend()) break;
      const backoff = o.honorRetryAfter && !result.ok && result.retryAfterS ? Math.min(10_000, result.retryAfterS * 1000) : 0;
      // never sleep past the end of the sending period
      await sleepUnlessAborted(Math.min(Math.max(backoff, thinkMs(rng, o.think)), stopSendingAt - performance.now()), stop.signal);
    }
  }

  armDrain();
  try {
    await Promise.all(Array.from({ length: o.users }, (_, i) => vu(i)));
  } finally {
    clearTimeout(drainTimer);
    clearTimeout(giveUpWaiting);
    unlink();
  }
  records.sort((a, b) => a.seq - b.seq);
  // the window may have opened after a request was sent: judge warm-up against the final window
  for (const r of records) r.warmup = r.result.sentAt < measureFrom;
  return { records, startedAt, measureFrom, measureTo: stopSendingAt, endedAt: performance.now(), peakInFlight: state.peak, dropped: 0 };
}
