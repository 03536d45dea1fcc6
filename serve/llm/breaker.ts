/**
 * Per-provider circuit breaker: "open after N upstream failures within a rolling window", on opossum.
 *
 * opossum's own trip rule is a failure *percentage* (errorThresholdPercentage over its rolling stats), and
 * its rolling window is not cleared when the circuit closes (failures from before an outage would re-trip
 * the circuit on the first new failure). So:
 *  - opossum owns the state machine (closed/open/halfOpen), the reset timer (resetTimeout = resetMs →
 *    halfOpen), the open/halfOpen/close events and the rolling stats (rollingCountTimeout = windowMs);
 *    errorThresholdPercentage is 100 so it never trips by percentage itself;
 *  - we keep the exact timestamps of failures in the last windowMs (cleared on close) and call
 *    `breaker.open()` when there are ≥ N of them while closed;
 *  - admission is checked by us at the start of an attempt (open → LlmError('breaker_open') at once,
 *    with retryAfterMs = time until half-open; half-open → exactly one probe in flight, others rejected);
 *  - the outcome is reported when the attempt ends through `breaker.fire()` with an instant action, so
 *    opossum's stats count it; a probe's success closes, a probe's failure reopens (synchronously).
 *  - `neutral` outcomes (caller abort, our deadline, 4xx client errors) change nothing: a neutral probe
 *    just frees the probe slot so the next call probes.
 */
import CircuitBreaker from 'opossum';
import { LlmError } from './types';

export type BreakerState = 'closed' | 'open' | 'halfOpen';
export type AttemptOutcome = 'success' | 'failure' | 'neutral';

export interface BreakerOptions {
  /** Failures within windowMs that open the circuit (BREAKER_FAILURES). */
  failures: number;
  /** Rolling window for counting failures (BREAKER_WINDOW_MS). */
  windowMs: number;
  /** Time open before a half-open probe is allowed (BREAKER_RESET_MS). */
  resetMs: number;
}

export interface BreakerTransition {
  provider: string;
  from: BreakerState;
  to: BreakerState;
  /** Epoch ms. */
  at: number;
}

export interface BreakerSnapshot {
  provider: string;
  state: BreakerState;
  /** Epoch ms when the circuit last opened (while open or half-open). */
  openedAt?: number;
  /** While open: ms until a half-open probe is allowed. */
  retryAfterMs?: number;
  stats: {
    /** Failures counted towards the trip rule (last windowMs, since the last close). */
    failuresInWindow: number;
    /** opossum rolling stats over windowMs. */
    fires: number;
    successes: number;
    failures: number;
    /** Calls rejected by this breaker while open/half-open since start. */
    rejected: number;
  };
}

export interface BreakerTicket {
  /** True when this attempt is the half-open probe. */
  readonly probe: boolean;
  /** Report the attempt's outcome once; later calls are ignored. */
  report(outcome: AttemptOutcome): void;
}

export class ProviderBreaker {
  private readonly cb: CircuitBreaker<[boolean], void>;
  private failureTimes: number[] = [];
  private probeInFlight = false;
  private current: BreakerState = 'closed';
  private openedAtMs: number | undefined;
  private rejected = 0;

  constructor(
    readonly provider: string,
    private readonly opts: BreakerOptions,
    private readonly onTransition: (t: BreakerTransition) => void = () => {},
  ) {
    this.cb = new CircuitBreaker<[boolean], void>((ok: boolean) => (ok ? Promise.resolve() : Promise.reject(new Error('upstream failure'))), {
      name: provider,
      timeout: false,
      resetTimeout: opts.resetMs,
      errorThresholdPercentage: 100,
      rollingCountTimeout: opts.windowMs,
      rollingCountBuckets: 10,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
    });
    this.cb.on('open', () => {
      this.openedAtMs = Date.now();
      this.probeInFlight = false;
      this.transition('open');
    });
    this.cb.on('halfOpen', () => {
      this.probeInFlight = false;
      this.transition('halfOpen');
    });
    this.cb.on('close', () => {
      this.failureTimes = [];
      this.probeInFlight = false;
      this.openedAtMs = undefined;
      this.transition('closed');
    });
  }

  get state(): BreakerState {
    return this.cb.opened ? 'open' : this.cb.halfOpen ? 'halfOpen' : 'closed';
  }

  /** Admit an attempt or throw LlmError('breaker_open') without touching the network. */
  admit(): BreakerTicket {
    const state = this.state;
    if (state === 'open' || (state === 'halfOpen' && this.probeInFlight)) {
      this.rejected++;
      const retryAfterMs = state === 'open' ? this.untilHalfOpenMs() : this.opts.resetMs;
      throw new LlmError('breaker_open', `${this.provider}: circuit breaker ${state === 'open' ? 'open' : 'half-open, probe in flight'}`, {
        provider: this.provider,
        retryAfterMs,
      });
    }
    const probe = state === 'halfOpen';
    if (probe) this.probeInFlight = true;
    let done = false;
    return {
      probe,
      report: (outcome) => {
        if (done) return;
        done = true;
        this.record(outcome, probe);
      },
    };
  }

  snapshot(): BreakerSnapshot {
    const s = this.cb.stats;
    const state = this.state;
    return {
      provider: this.provider,
      state,
      ...(this.openedAtMs !== undefined ? { openedAt: this.openedAtMs } : {}),
      ...(state === 'open' ? { retryAfterMs: this.untilHalfOpenMs() } : {}),
      stats: {
        failuresInWindow: this.pruned().length,
        fires: s.fires,
        successes: s.successes,
        failures: s.failures,
        rejected: this.rejected,
      },
    };
  }

  /** Stop opossum's timers. */
  shutdown(): void {
    this.cb.shutdown();
  }

  private record(outcome: AttemptOutcome, probe: boolean): void {
    if (probe) {
      this.probeInFlight = false;
      if (!this.cb.halfOpen || outcome === 'neutral') return;
      this.fire(outcome === 'success');
      if (outcome === 'success') this.cb.close();
      else this.cb.open();
      return;
    }
    // Outcomes of attempts admitted before the circuit opened do not move an open/half-open circuit.
    if (!this.cb.closed || outcome === 'neutral') return;
    this.fire(outcome === 'success');
    if (outcome === 'failure') {
      this.failureTimes.push(Date.now());
      if (this.pruned().length >= this.opts.failures) this.cb.open();
    }
  }

  private fire(ok: boolean): void {
    this.cb.fire(ok).catch(() => {});
  }

  private untilHalfOpenMs(): number {
    if (this.openedAtMs === undefined) return this.opts.resetMs;
    return Math.max(1, this.openedAtMs + this.opts.resetMs - Date.now());
  }

  private pruned(): number[] {
    const since = Date.now() - this.opts.windowMs;
    while (this.failureTimes.length > 0 && (this.failureTimes[0] ?? 0) <= since) this.failureTimes.shift();
    return this.failureTimes;
  }

  private transition(to: BreakerState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.onTransition({ provider: this.provider, from, to, at: Date.now() });
  }
}
