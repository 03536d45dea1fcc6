import { setMaxListeners } from 'node:events';

/**
 * A load run's two local signals: `stop` (send no more) and `drain` (abort what is still in flight),
 * both fired by the caller's signal. Many listeners at once (one per VU or request in flight), so no
 * listener limit. Call `unlink()` when the run ends.
 */
export function loopSignals(outer?: AbortSignal): { stop: AbortController; drain: AbortController; unlink(): void } {
  const stop = new AbortController();
  const drain = new AbortController();
  setMaxListeners(0, stop.signal, drain.signal);
  const onOuterAbort = () => {
    stop.abort();
    drain.abort();
  };
  if (outer?.aborted) onOuterAbort();
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  return { stop, drain, unlink: () => outer?.removeEventListener('abort', onOuterAbort) };
}
