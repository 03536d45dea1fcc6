/**
 * Per-provider circuit breaker on opossum: "open when more than errorPercent % of the attempts in the
 * rolling window failed, once the window holds at least `volume` attempts".
 *
 * opossum owns the policy and the state machine:
 *  - the trip rule is opossum's own (errorThresholdPercentage, volumeThreshold) over its rolling stats
 *    (rollingCountTimeout = windowMs split into rollingCountBuckets buckets);
 *  - resetTimeout = resetMs moves open → halfOpen; a probe's success closes, its failure reopens;
 *  - open/halfOpen/close events drive our transition log.
 * What we add around it:
 *  - admission is checked by us at the start of an attempt (open → LlmError('breaker_open') at once,
 *    with retryAfterMs = time until half-open; half-open → exactly one probe in flight, others rejected);
 *  - the outcome is reported when the attempt ends through `breaker.fire(ok)` with an instant action
 *    (a failure throws synchronously, so opossum's trip decision happens inside report());
 *  - `neutral` outcomes change nothing and are not counted in the volume: caller aborts, our deadline,
 *    4xx client errors and 429 rate limits (a rate-limited upstream is healthy, it is retried with
 *    backoff honouring Retry-After instead; a neutral probe just frees the probe slot);
 *  - the rolling window is emptied when the circuit closes (as Hystrix does), so failures from before an
 *    outage cannot re-trip the circuit right after a successful probe. opossum does not clear it itself;
 *    we rotate its buckets through the documented `rotateBucketController` option.
 */
import { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import { LlmError } from './types';

export type BreakerState = 'closed' | 'open' | 'halfOpen';
export type AttemptOutcome = 'success' | 'failure' | 'neutral';

export interface BreakerOptions {
  /** Open when more than this % of the counted attempts in the window failed (BREAKER_ERROR_PERCENT, default 50). */
  errorPercent?: number;
  /** Counted attempts the window must hold before the percentage can open the circuit (BREAKER_VOLUME, default 10). */
  volume?: number;
  /** Rolling window of the stats (BREAKER_WINDOW_MS). */
  windowMs: number;
  /** Time open before a half-open probe is allowed (BREAKER_RESET_MS). */
  resetMs: number;
  /** Buckets the window is split into (default 10): the window slides by windowMs / buckets. */
  buckets?: number;
}

export const BREAKER_DEFAULTS = { errorPercent: 50, volume: 10, buckets: 10 } as const;

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
    /** Failures in the rolling window (since the last close). */
    failuresInWindow: number;
    /** opossum rolling stats over windowMs (since the last close): counted attempts, successes, failures. */
    fires: number;
    successes: number;
    failures: number;
    /** failures / fires × 100 over the window (0 when empty). */
    errorPercent: number;
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

const upstreamFailure = new Error('upstream failure');

export class ProviderBreaker {
  private readonly cb: CircuitBreaker<[boolean], void>;
  private readonly rotation = new EventEmitter();
  private readonly rotateTimer: ReturnType<typeof setInterval>;
  private readonly buckets: number;
  private probeInFlight = false;
  private current: BreakerState = 'closed';
  private openedAtMs: number | undefined;
  private rejected = 0;

  constructor(
    readonly provider: string,
    private readonly opts: BreakerOptions,
    private readonly onTransition: (t: BreakerTransition) => void = () => {},
  ) {
    this.buckets = Math.max(1, Math.floor(opts.buckets ?? BREAKER_DEFAULTS.buckets));
    const action = (ok: boolean): Promise<void> => {
      if (!ok) throw upstreamFailure; // synchronous: opossum counts it and decides to open inside fire()
      return Promise.resolve();
    };
    this.cb = new CircuitBreaker<[boolean], void>(action, {
      name: provider,
      timeout: false,
      resetTimeout: opts.resetMs,
      errorThresholdPercentage: opts.errorPercent ?? BREAKER_DEFAULTS.errorPercent,
      volumeThreshold: Math.max(0, Math.floor(opts.volume ?? BREAKER_DEFAULTS.volume)),
      rollingCountTimeout: opts.windowMs,
      rollingCountBuckets: this.buckets,
      rotateBucketController: this.rotation,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
    });
    // The window slides one bucket every windowMs / buckets (what opossum's own timer would do).
    this.rotateTimer = setInterval(() => this.rotation.emit('rotate'), Math.max(1, Math.floor(opts.windowMs / this.buckets)));
    this.rotateTimer.unref();
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
      this.clearWindow();
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
        failuresInWindow: s.failures,
        fires: s.fires,
        successes: s.successes,
        failures: s.failures,
        errorPercent: s.fires > 0 ? Math.round((s.failures / s.fires) * 1000) / 10 : 0,
        rejected: this.rejected,
      },
    };
  }

  /** Stop opossum's and our timers. */
  shutdown(): void {
    clearInterval(this.rotateTimer);
    this.cb.shutdown();
  }

  private record(outcome: AttemptOutcome, probe: boolean): void {
    if (probe) {
      this.probeInFlight = false;
      if (!this.cb.halfOpen || outcome === 'neutral') return;
      if (outcome === 'success') {
        // opossum would close on the success event (a microtask later): close now so the next admission
        // sees it, then count the probe as the first attempt of the new (empty) window.
        this.cb.close();
        this.fire(true);
      } else {
        this.fire(false); // a failure in half-open reopens (inside fire(), see the action)
        this.cb.open();
      }
      return;
    }
    // Outcomes of attempts admitted before the circuit opened do not move an open/half-open circuit.
    if (!this.cb.closed || outcome === 'neutral') return;
    this.fire(outcome === 'success');
  }

  private fire(ok: boolean): void {
    this.cb.fire(ok).catch(() => {});
  }

  /** Rotate every bucket out: the rolling stats start empty. */
  private clearWindow(): void {
    for (let i = 0; i < this.buckets; i++) this.rotation.emit('rotate');
  }

  private untilHalfOpenMs(): number {
    if (this.openedAtMs === undefined) return this.opts.resetMs;
    return Math.max(1, this.openedAtMs + this.opts.resetMs - Date.now());
  }

  private transition(to: BreakerState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.onTransition({ provider: this.provider, from, to, at: Date.now() });
  }
}
