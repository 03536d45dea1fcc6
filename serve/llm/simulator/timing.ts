/** Waiting until a performance.now() deadline, as precisely as a shared event loop allows. */
import { performance } from 'node:perf_hooks';

export interface Waiter {
  /** Resolves at (or just after) `target`; resolves false when cancelled first. */
  until(target: number): Promise<boolean>;
  cancel(): void;
}

/**
 * Never resolves before `target`. setTimeout has millisecond granularity and can fire up to ~1 ms early
 * relative to performance.now(); whatever is left then (< 1 ms) is waited with setImmediate.
 * - default: setTimeout(ceil(left)), so writes are typically 0-1.5 ms late and almost never spin;
 * - `precise`: setTimeout(floor(left)) then setImmediate for the last < 1 ms: typically < 0.1 ms late
 *   on an idle machine, at the cost of up to ~1 ms of busy event loop per write.
 */
export function createWaiter(precise = false): Waiter {
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let wake: ((ok: boolean) => void) | undefined;
  let cancelled = false;

  const until = (target: number): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      if (cancelled) return resolve(false);
      wake = resolve;
      const step = (): void => {
        timer = undefined;
        immediate = undefined;
        const left = target - performance.now();
        if (left <= 0) {
          wake = undefined;
          resolve(true);
        } else if (left >= 1) timer = setTimeout(step, precise ? Math.floor(left) : Math.ceil(left));
        else immediate = setImmediate(step);
      };
      step();
    });

  const cancel = (): void => {
    cancelled = true;
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
    timer = undefined;
    immediate = undefined;
    const w = wake;
    wake = undefined;
    w?.(false);
  };

  return { until, cancel };
}
