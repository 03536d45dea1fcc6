/** Closed-loop load: `concurrency` workers, each starting the next request as soon as its last one ends. */

/**
 * Run task(0) … task(count − 1) with at most `concurrency` in flight. Stops starting new tasks when
 * `signal` fires (in-flight ones finish). Returns the results of the tasks that ran, in index order.
 * A task should not throw (record its error in the result); if one does, the run rejects.
 * `rampMs` > 0 starts worker w after w · rampMs / concurrency ms, so that equal-length requests do
 * not start (and end, and restart) in lock-step; the concurrency once ramped up is the same.
 */
export async function closedLoop<T>(count: number, concurrency: number, task: (i: number) => Promise<T>, signal?: AbortSignal, rampMs = 0): Promise<T[]> {
  if (!(concurrency >= 1)) throw new RangeError(`concurrency must be >= 1, got ${concurrency}`);
  const results: (T | undefined)[] = new Array<T | undefined>(count);
  const ran: boolean[] = new Array<boolean>(count).fill(false);
  let next = 0;
  const worker = async (_: unknown, w: number): Promise<void> => {
    if (rampMs > 0 && w > 0) await new Promise((resolve) => setTimeout(resolve, (w * rampMs) / concurrency));
    while (next < count && !signal?.aborted) {
      const i = next++;
      results[i] = await task(i);
      ran[i] = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results.filter((_, i) => ran[i]) as T[];
}
