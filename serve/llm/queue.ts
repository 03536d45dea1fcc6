/** Bounded FIFO concurrency limiter for LLM calls: maxConcurrency in flight, maxQueue waiting, the rest rejected. */
import { LlmError } from './types';

export interface QueueOptions {
  maxConcurrency: number;
  maxQueue: number;
}

export interface QueueSnapshot {
  active: number;
  waiting: number;
  maxConcurrency: number;
  maxQueue: number;
  /** Calls rejected with queue_full since start. */
  rejected: number;
}

interface Waiter {
  grant: (release: () => void) => void;
}

/** Lower bound of the Retry-After hint given with queue_full. */
const MIN_RETRY_AFTER_MS = 1000;

export class BoundedQueue {
  private active = 0;
  private readonly waiters: Waiter[] = [];
  private rejectedCount = 0;
  /** Exponentially weighted mean time a slot is held, to estimate Retry-After. */
  private meanHoldMs = 0;

  constructor(private readonly opts: QueueOptions) {
    if (opts.maxConcurrency < 1) throw new RangeError('maxConcurrency must be >= 1');
  }

  /**
   * Resolves with an idempotent `release` once a slot is free. Throws LlmError('queue_full') at once when
   * maxQueue callers are already waiting; rejects with the signal's reason (or LlmError('aborted')) when
   * `signal` aborts while waiting, and the caller leaves the queue.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.active < this.opts.maxConcurrency && this.waiters.length === 0) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiters.length >= this.opts.maxQueue) {
      this.rejectedCount++;
      return Promise.reject(
        new LlmError('queue_full', `LLM queue full (${this.active} in flight, ${this.waiters.length} waiting)`, {
          retryAfterMs: this.retryAfterEstimateMs(),
        }),
      );
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(abortReason(signal));
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  snapshot(): QueueSnapshot {
    return {
      active: this.active,
      waiting: this.waiters.length,
      maxConcurrency: this.opts.maxConcurrency,
      maxQueue: this.opts.maxQueue,
      rejected: this.rejectedCount,
    };
  }

  /** Rough time until a newly queued call would start: mean hold time × queue depth / concurrency, ≥ 1 s. */
  retryAfterEstimateMs(): number {
    const depth = this.waiters.length + 1;
    const est = (this.meanHoldMs * depth) / this.opts.maxConcurrency;
    return Math.max(MIN_RETRY_AFTER_MS, Math.ceil(est));
  }

  private releaser(): () => void {
    const since = performance.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const held = performance.now() - since;
      this.meanHoldMs = this.meanHoldMs === 0 ? held : this.meanHoldMs * 0.8 + held * 0.2;
      const next = this.waiters.shift();
      if (next) next.grant(this.releaser()); // the slot passes straight to the next waiter (FIFO)
      else this.active--;
    };
  }
}

function abortReason(signal: AbortSignal | undefined): unknown {
  const r: unknown = signal?.reason;
  return r instanceof LlmError ? r : new LlmError('aborted', 'aborted while waiting for an LLM slot', { cause: r });
}
