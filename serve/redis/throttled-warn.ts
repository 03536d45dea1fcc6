import type { Logger } from 'pino';

/**
 * A warn logger for failures that may repeat on every request (Redis down or slow): at most one line per
 * `everyMs`, carrying how many failures it did not log since the last one.
 */
export function throttledWarn(logger: Pick<Logger, 'warn'>, msg: string, opts: { everyMs?: number; now?: () => number } = {}) {
  const everyMs = opts.everyMs ?? 30_000;
  const now = opts.now ?? Date.now;
  let last = -Infinity;
  let suppressed = 0;
  return (err: Error, fields: Record<string, unknown> = {}): void => {
    const t = now();
    if (t - last < everyMs) {
      suppressed += 1;
      return;
    }
    logger.warn({ ...fields, err: err.message, suppressed }, msg);
    last = t;
    suppressed = 0;
  };
}
