/**
 * Drop detection over tumbling windows of sampled values, one stream per signal: when a window of `window`
 * values is full, its mean is compared with the previous window's (and with the signal's floor, if set); a drop
 * of more than `drop` (or a mean under the floor) is one alert for that window, never one per sample.
 */
export interface DropAlert {
  signal: string;
  mean: number;
  /** The previous window's mean (null for the first window). */
  baseline: number | null;
  floor: number | null;
  drop: number | null;
  window: number;
  reason: 'drop' | 'floor';
}

export interface DropDetectorOptions {
  window: number;
  drop: number;
  floors?: Readonly<Record<string, number | undefined>>;
}

export interface DropDetector {
  /** Adds one value; returns the alert when this value closed a window that dropped. */
  add(signal: string, value: number): DropAlert | null;
  /** The mean of each signal's last closed window. */
  baselines(): Record<string, number>;
}

export function createDropDetector(o: DropDetectorOptions): DropDetector {
  const open = new Map<string, number[]>();
  const previous = new Map<string, number>();
  return {
    add(signal, value) {
      const values = open.get(signal) ?? [];
      values.push(value);
      open.set(signal, values);
      if (values.length < o.window) return null;
      open.set(signal, []);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const baseline = previous.get(signal) ?? null;
      previous.set(signal, mean);
      const floor = o.floors?.[signal] ?? null;
      const drop = baseline === null ? null : baseline - mean;
      const common = { signal, mean, baseline, floor, drop, window: values.length };
      if (drop !== null && drop > o.drop) return { ...common, reason: 'drop' };
      if (floor !== null && mean < floor) return { ...common, reason: 'floor' };
      return null;
    },
    baselines: () => Object.fromEntries(previous),
  };
}
