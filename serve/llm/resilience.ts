/**
 * Resilient LLM: a chain of providers (primary first, then fallbacks) behind a bounded FIFO queue, each
 * with its own circuit breaker (serve/llm/breaker.ts), attempt/idle timeouts, full-jitter retries before
 * the first token, and one deadline for the whole call. Semantics: see createResilientLlm's doc comment.
 */
import type { Logger } from 'pino';
import { ProviderBreaker } from './breaker';
import type { AttemptOutcome, BreakerOptions, BreakerSnapshot, BreakerTicket, BreakerTransition } from './breaker';
import { toLlmError } from './openai';
import { BoundedQueue } from './queue';
import type { QueueOptions, QueueSnapshot } from './queue';
import { retryDelayMs, sleep } from './retry';
import { LlmError } from './types';
import type { LlmCallOptions, LlmCompletion, LlmErrorKind, LlmEvent, LlmProvider, LlmRequest, LlmUsage } from './types';

export interface ResilienceOptions {
  /** Primary first, then the fallback chain. */
  providers: LlmProvider[];
  /** No first token (stream) / no response (complete) within this → abort the attempt, LlmError('timeout'). */
  attemptTimeoutMs: number;
  /** Longest allowed gap between two tokens mid-stream. */
  idleTimeoutMs: number;
  /** Bound of the whole call: queue wait, attempts, backoff sleeps → LlmError('deadline'). */
  deadlineMs: number;
  /** Retries per provider (so up to maxRetries + 1 attempts each). */
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  breaker: BreakerOptions;
  queue: QueueOptions;
  logger?: Logger;
  /** Jitter source in [0, 1); inject for deterministic tests. */
  random?: () => number;
  /** Hook for metrics/logs; exceptions thrown by it are ignored. */
  onEvent?: (e: ResilienceEvent) => void;
}

export type ResilienceEvent =
  | { type: 'attempt_failed'; provider: string; attempt: number; kind: LlmErrorKind; message: string; willRetry: boolean; delayMs?: number }
  | { type: 'fallback'; from: string; to: string; reason?: LlmErrorKind }
  | ({ type: 'breaker' } & BreakerTransition)
  | { type: 'queue_full'; active: number; waiting: number }
  | { type: 'call_done'; provider: string; model: string; attempts: number; queueWaitMs: number; totalMs: number; usage?: LlmUsage }
  | { type: 'call_failed'; kind: LlmErrorKind; attempts: number; partial: boolean; totalMs: number };

export interface ResilienceStats {
  calls: number;
  succeeded: number;
  failed: number;
  /** Upstream attempts started (breaker rejections not included). */
  attempts: number;
  retries: number;
  /** Calls that succeeded after at least one retry on the provider that answered. */
  retrySuccesses: number;
  /** Calls answered by a provider other than the primary. */
  fallbacks: number;
  timeouts: { firstToken: number; idle: number; deadline: number };
  aborted: number;
  /** Failures after tokens were delivered (partial answers). */
  partialFailures: number;
  queueRejections: number;
  breakerRejections: number;
  /** Last 200 breaker state changes, oldest first. */
  breakerTransitions: BreakerTransition[];
  queue: QueueSnapshot;
}

export interface ResilientLlm extends LlmProvider {
  breakerStates(): BreakerSnapshot[];
  stats(): ResilienceStats;
  /** Stop the breakers' timers (server shutdown, tests). */
  close(): void;
}

type DoneEvent = Extract<LlmEvent, { type: 'done' }>;
type Source = (p: LlmProvider, req: LlmRequest, signal: AbortSignal) => AsyncIterable<LlmEvent>;
interface CallState {
  attempts: number;
  yielded: boolean;
  queueWaitMs: number;
}

const streamSource: Source = (p, req, signal) => p.stream(req, { signal });
/** complete() runs through the same machinery: the whole answer is one "token" (timed by attemptTimeoutMs). */
const completeSource: Source = async function* (p, req, signal) {
  const c = await p.complete(req, { signal });
  if (c.text) yield { type: 'token', text: c.text };
  yield { type: 'done', usage: c.usage, finishReason: c.finishReason };
};

const asLlmError = (e: unknown, provider?: string) => (e instanceof LlmError ? e : toLlmError(e, provider ?? 'llm'));
const MAX_TRANSITIONS = 200;

/**
 * - Attempts: a timer aborts an attempt without a first token after attemptTimeoutMs, or with a gap between
 *   tokens above idleTimeoutMs (time the consumer spends between pulls is not counted). Both → 'timeout'.
 * - Retries: retryable kinds only, before the first token only, ≤ maxRetries per provider, sleeping
 *   max(full jitter, Retry-After). If the sleep would pass the deadline the provider is given up.
 * - Breaker: upstream failures count towards the provider's failure percentage; 429s, client errors,
 *   aborts and the deadline do not (breakerOutcome).
 * - Fallback: next provider when one is exhausted or its breaker is open; 4xx client errors, aborts and
 *   the deadline end the call at once. All failed → the last upstream error, else breaker_open.
 * - A failure after a token was yielded is rethrown with `partial: true`, never retried.
 */
export function createResilientLlm(opts: ResilienceOptions): ResilientLlm {
  const primary = opts.providers[0];
  if (!primary) throw new Error('createResilientLlm needs at least one provider');
  const log = opts.logger;
  const transitions: BreakerTransition[] = [];
  const c = {
    calls: 0, succeeded: 0, failed: 0, attempts: 0, retries: 0, retrySuccesses: 0, fallbacks: 0,
    aborted: 0, partialFailures: 0, queueRejections: 0, breakerRejections: 0,
  };
  const timeouts = { firstToken: 0, idle: 0, deadline: 0 };
  const emit = (e: ResilienceEvent) => {
    try {
      opts.onEvent?.(e);
    } catch {
      // a metrics hook must never break a call
    }
  };
  const breakers = opts.providers.map(
    (p) =>
      new ProviderBreaker(p.id, opts.breaker, (t) => {
        transitions.push(t);
        if (transitions.length > MAX_TRANSITIONS) transitions.shift();
        const fields = { provider: t.provider, from: t.from, to: t.to, resetMs: opts.breaker.resetMs };
        if (t.to === 'open') log?.warn(fields, 'LLM circuit breaker opened');
        else log?.info(fields, t.to === 'closed' ? 'LLM circuit breaker closed' : 'LLM circuit breaker half-open');
        emit({ type: 'breaker', ...t });
      }),
  );
  const queue = new BoundedQueue(opts.queue);

  async function* attempt(provider: LlmProvider, ticket: BreakerTicket, req: LlmRequest, callSignal: AbortSignal, source: Source, st: CallState): AsyncGenerator<LlmEvent> {
    const ctl = new AbortController();
    const forward = () => ctl.abort(callSignal.reason);
    callSignal.addEventListener('abort', forward, { once: true });
    if (callSignal.aborted) forward();
    const aborted = new Promise<never>((_, reject) => {
      if (ctl.signal.aborted) reject(ctl.signal.reason);
      ctl.signal.addEventListener('abort', () => reject(ctl.signal.reason), { once: true });
    });
    aborted.catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = (ms: number, which: 'firstToken' | 'idle') => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timeouts[which]++;
        const what = which === 'idle' ? `no token for ${ms} ms mid-stream (idle timeout)` : `no ${source === streamSource ? 'first token' : 'response'} within ${ms} ms`;
        ctl.abort(new LlmError('timeout', `${provider.id}: ${what}`, { provider: provider.id }));
      }, ms);
    };
    let outcome: AttemptOutcome = 'neutral';
    let finished = false;
    let errored = false;
    let gotToken = false;
    let it: AsyncIterator<LlmEvent> | undefined;
    try {
      arm(opts.attemptTimeoutMs, 'firstToken');
      it = source(provider, req, ctl.signal)[Symbol.asyncIterator]();
      for (;;) {
        const next = it.next();
        next.catch(() => {});
        let r: IteratorResult<LlmEvent>;
        try {
          r = await Promise.race([next, aborted]);
        } catch (e) {
          throw ctl.signal.aborted ? asLlmError(ctl.signal.reason, provider.id) : asLlmError(e, provider.id);
        }
        if (r.done) throw new LlmError('bad_response', `${provider.id}: stream ended without a done event`, { provider: provider.id });
        const ev = r.value;
        if (ev.type === 'token' && !ev.text) continue;
        clearTimeout(timer);
        if (ev.type === 'done') {
          outcome = 'success';
          finished = true;
          yield { ...ev, provider: provider.id, model: provider.model, attempts: st.attempts, queueWaitMs: st.queueWaitMs };
          return;
        }
        gotToken = st.yielded = true;
        yield ev;
        arm(opts.idleTimeoutMs, 'idle');
      }
    } catch (e) {
      errored = true;
      const err = asLlmError(e, provider.id);
      outcome = breakerOutcome(err);
      throw err;
    } finally {
      clearTimeout(timer);
      callSignal.removeEventListener('abort', forward);
      if (!finished) {
        // Timeout, error, or the consumer stopped iterating: make sure the upstream request is cancelled.
        if (!ctl.signal.aborted) ctl.abort(new LlmError('aborted', 'attempt abandoned by the consumer'));
        if (!errored && gotToken) outcome = 'success'; // consumer stopped after tokens: upstream was healthy
      }
      if (it?.return) it.return().catch(() => {});
      ticket.report(outcome);
    }
  }

  async function* chain(req: LlmRequest, signal: AbortSignal, deadlineAt: number, source: Source, st: CallState): AsyncGenerator<LlmEvent> {
    let lastUpstream: LlmError | undefined;
    let lastRejection: LlmError | undefined;
    for (const [i, provider] of opts.providers.entries()) {
      const breaker = breakers[i];
      if (!breaker) continue;
      const prev = opts.providers[i - 1];
      if (prev) {
        const reason = (lastUpstream ?? lastRejection)?.kind;
        emit({ type: 'fallback', from: prev.id, to: provider.id, ...(reason ? { reason } : {}) });
        log?.info({ from: prev.id, to: provider.id, reason }, 'LLM falling back to the next provider');
      }
      for (let retry = 0; ; retry++) {
        let ticket: BreakerTicket;
        try {
          ticket = breaker.admit();
        } catch (e) {
          c.breakerRejections++;
          lastRejection = asLlmError(e, provider.id);
          break;
        }
        st.attempts++;
        c.attempts++;
        if (retry > 0) c.retries++;
        try {
          yield* attempt(provider, ticket, req, signal, source, st);
          if (retry > 0) c.retrySuccesses++;
          if (i > 0) c.fallbacks++;
          return;
        } catch (e) {
          const err = asLlmError(e, provider.id);
          if (st.yielded || !err.retryable) throw err;
          lastUpstream = err;
          const delayMs = retryDelayMs(retry, opts, err.opts.retryAfterMs);
          const willRetry = retry < opts.maxRetries && performance.now() + delayMs < deadlineAt;
          emit({ type: 'attempt_failed', provider: provider.id, attempt: st.attempts, kind: err.kind, message: err.message, willRetry, ...(willRetry ? { delayMs } : {}) });
          log?.info({ provider: provider.id, kind: err.kind, attempt: st.attempts, willRetry, delayMs }, `LLM attempt failed: ${err.message}`);
          if (!willRetry) break;
          await sleep(delayMs, signal);
        }
      }
    }
    throw lastUpstream ?? lastRejection ?? new LlmError('breaker_open', 'no LLM provider available');
  }

  async function* run(req: LlmRequest, callOpts: LlmCallOptions, source: Source): AsyncGenerator<LlmEvent> {
    c.calls++;
    const t0 = performance.now();
    const call = new AbortController();
    const caller = callOpts.signal;
    const onCallerAbort = () => call.abort(new LlmError('aborted', 'the caller aborted the LLM call', { cause: caller?.reason }));
    const deadline = setTimeout(() => call.abort(new LlmError('deadline', `LLM call exceeded its ${opts.deadlineMs} ms deadline`)), opts.deadlineMs);
    caller?.addEventListener('abort', onCallerAbort, { once: true });
    if (caller?.aborted) onCallerAbort();
    const st: CallState = { attempts: 0, yielded: false, queueWaitMs: 0 };
    let release: (() => void) | undefined;
    try {
      release = await queue.acquire(call.signal);
      st.queueWaitMs = performance.now() - t0;
      let done: DoneEvent | undefined;
      for await (const ev of chain(req, call.signal, t0 + opts.deadlineMs, source, st)) {
        if (ev.type === 'done') done = ev;
        yield ev;
      }
      c.succeeded++;
      if (done) emit({ type: 'call_done', provider: done.provider ?? '', model: done.model ?? '', attempts: st.attempts, queueWaitMs: st.queueWaitMs, totalMs: performance.now() - t0, usage: done.usage });
    } catch (e) {
      const err = finalError(asLlmError(e), st);
      c.failed++;
      if (err.kind === 'queue_full') {
        c.queueRejections++;
        const q = queue.snapshot();
        emit({ type: 'queue_full', active: q.active, waiting: q.waiting });
      }
      if (err.kind === 'deadline') timeouts.deadline++;
      if (err.kind === 'aborted') c.aborted++;
      if (err.opts.partial) c.partialFailures++;
      emit({ type: 'call_failed', kind: err.kind, attempts: st.attempts, partial: err.opts.partial === true, totalMs: performance.now() - t0 });
      throw err;
    } finally {
      clearTimeout(deadline);
      caller?.removeEventListener('abort', onCallerAbort);
      release?.();
    }
  }

  return {
    id: primary.id,
    model: primary.model,
    stream: (req, callOpts = {}) => run(req, callOpts, streamSource),
    async complete(req: LlmRequest, callOpts: LlmCallOptions = {}): Promise<LlmCompletion> {
      const t0 = performance.now();
      let text = '';
      let done: DoneEvent | undefined;
      for await (const ev of run(req, callOpts, completeSource)) {
        if (ev.type === 'token') text += ev.text;
        else done = ev;
      }
      if (!done) throw new LlmError('bad_response', 'LLM call ended without a done event');
      const totalMs = performance.now() - t0;
      return {
        text, usage: done.usage, finishReason: done.finishReason, provider: done.provider ?? primary.id, model: done.model ?? primary.model,
        ttftMs: totalMs, totalMs, attempts: done.attempts ?? 0, queueWaitMs: done.queueWaitMs ?? 0,
      };
    },
    breakerStates: () => breakers.map((b) => b.snapshot()),
    stats: () => ({ ...c, timeouts: { ...timeouts }, breakerTransitions: [...transitions], queue: queue.snapshot() }),
    close: () => breakers.forEach((b) => b.shutdown()),
  };
}

/**
 * What a failed attempt means to the breaker: only upstream failures (5xx/408/409, connection errors,
 * timeouts, malformed streams) count. 429s are neutral — a rate-limited upstream is up, and the retry
 * loop already backs off honouring Retry-After, so a sustained storm surfaces as rate_limited/deadline
 * errors rather than as an open circuit; aborts, our deadline and other 4xx client errors are neutral too.
 */
export function breakerOutcome(err: LlmError): AttemptOutcome {
  return err.retryable && err.kind !== 'rate_limited' ? 'failure' : 'neutral';
}

/** Add attempts, and `partial: true` when tokens already reached the caller. */
function finalError(err: LlmError, st: CallState): LlmError {
  const partial = st.yielded || err.opts.partial === true;
  if (err.opts.attempts === st.attempts && (err.opts.partial ?? false) === partial) return err;
  const message = partial && !err.opts.partial ? `${err.message} (after a partial answer)` : err.message;
  return new LlmError(err.kind, message, { ...err.opts, cause: err.opts.cause ?? err, attempts: st.attempts, partial });
}
