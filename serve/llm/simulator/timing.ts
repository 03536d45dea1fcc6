/** Waiting until a performance.now() deadline, as precisely as a shared event loop allows. */
import { performance } from 'node:perf_hooks';

export interface Waiter {
  /** Resolves at (or just after) `target`; resolves false when cancelled first. */
  until(target: number): Promise<boolean>;
  cancel(): void;
}

/**
 * setTimeout only has millisecond granularity and may fire up to ~1 ms early relative to performance.now(),
 * so the last stretch (< 1 ms) is covered with setImmediate. Never fires before `target`.
 */
export function createWaiter(): Waiter {
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
        } else if (left >= 1) timer = setTimeout(step, Math.floor(left));
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
