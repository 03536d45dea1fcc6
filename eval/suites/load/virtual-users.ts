/**
 * Virtual users on the closed loop (eval/lib/closed-loop.ts): N users, each sending one request, waiting
 * for its end, thinking, and sending the next — optionally continuing the same session for several
 * turns. Bounded by time (warm-up + duration, then a drain after which requests still in flight are
 * aborted) and by a request count.
 */
import type { ChatRequest } from '../../client/chat';
import { closedLoop } from '../../lib/closed-loop';
import { createRng, type Rng } from '../../metrics/random';
import type { LoadRecord, LoadRun, Sender, ThinkTime } from './types';
import { chatMessage, sleepUnlessAborted, thinkMs } from './workload';
import { loopSignals } from './signals';

export interface VirtualUsersOptions {
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

interface VirtualUser {
  rng: Rng;
  user: string;
  /** the conversation being continued, and its next turn */
  sessionId?: string;
  turn: number;
  firstDone: boolean;
}

export async function runVirtualUsers(o: VirtualUsersOptions): Promise<LoadRun> {
  const startedAt = performance.now();
  const adaptive = o.maxWarmupMs !== undefined && o.maxWarmupMs > o.warmupMs;
  let measureFrom = startedAt + o.warmupMs;
  let stopSendingAt = adaptive ? startedAt + (o.maxWarmupMs as number) + o.durationMs : measureFrom + o.durationMs;
  const { stop, drain, unlink } = loopSignals(o.signal);
  const records: LoadRecord[] = [];
  /** seq = the next request's number (requests are numbered in the order they are sent) */
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
  const sending = () => !stop.signal.aborted && performance.now() < stopSendingAt;
  const canSend = () => sending() && state.seq < (o.maxRequests ?? Number.POSITIVE_INFINITY);

  const vus: VirtualUser[] = Array.from({ length: o.users }, (_, id) => ({ rng: createRng(o.seed * 7919 + id), user: o.userOf?.(id) ?? `load-${id}`, turn: 0, firstDone: false }));

  /** One request of VU `id`, then its think time (or Retry-After back-off). */
  async function turnOf(seq: number, id: number): Promise<void> {
    const v = vus[id] as VirtualUser;
    state.seq = seq + 1;
    const message = chatMessage(v.rng, o.tag, id, v.turn, seq);
    const timeout = o.clientTimeoutMs ? AbortSignal.timeout(o.clientTimeoutMs) : undefined;
    const req: ChatRequest = { message, user: v.user, stream: o.stream, signal: timeout ? AbortSignal.any([drain.signal, timeout]) : drain.signal, ...(v.sessionId ? { sessionId: v.sessionId } : {}), ...(o.maxTokens ? { maxTokens: o.maxTokens } : {}) };
    state.inFlight++;
    state.peak = Math.max(state.peak, state.inFlight);
    const sentAt = performance.now();
    const result = await o.send(req);
    state.inFlight--;
    if (!v.firstDone) {
      v.firstDone = true;
      if (++firstRoundDone === o.users) openWindow();
    }
    records.push({ seq, vu: id, turn: v.turn, ...(req.sessionId ? { sessionId: req.sessionId } : {}), user: v.user, message, warmup: sentAt < measureFrom, abortedAtEnd: drain.signal.aborted && !result.ok, clientTimeout: !result.ok && timeout?.aborted === true && !drain.signal.aborted, result });
    // continue the conversation while it lasts and the server gave us its session
    v.turn++;
    v.sessionId = v.turn < o.turnsPerSession ? (result.sessionId ?? v.sessionId) : undefined;
    if (v.turn >= o.turnsPerSession || !v.sessionId) v.turn = 0;
    if (!canSend()) return;
    const backoff = o.honorRetryAfter && !result.ok && result.retryAfterS ? Math.min(10_000, result.retryAfterS * 1000) : 0;
    // never sleep past the end of the sending period
    await sleepUnlessAborted(Math.min(Math.max(backoff, thinkMs(v.rng, o.think)), stopSendingAt - performance.now()), stop.signal);
  }

  armDrain();
  try {
    // a send that throws is a bug of the sender (failures are results): it fails the run
    await closedLoop({ workers: o.users, op: turnOf, canStart: sending, failFast: true, signal: stop.signal, rampMs: o.rampMs ?? 0, ...(o.maxRequests !== undefined ? { total: o.maxRequests } : {}) });
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
