/**
 * Latency histogram: HdrHistogram (hdr-histogram-js) recording MICROSECONDS with 3 significant
 * digits, lowest discernible value 1 µs, highest trackable 1 hour (auto-resizing beyond it).
 * The API speaks milliseconds. Every statistic carries HdrHistogram's precision: a value is
 * reported as the highest value equivalent to it at 3 significant digits (within 0.1 %).
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

export const US_PER_MS = 1000;
const HIGHEST_US = 3_600_000_000; // 1 hour

export interface HistogramSummary {
  count: number;
  min: number;
  max: number;
  mean: number;
  stddev: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
}

function create(): Histogram {
  return build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
  });
}

export class LatencyHistogram {
  private readonly h: Histogram;

  constructor(h?: Histogram) {
    this.h = h ?? create();
    this.h.autoResize = true;
  }

  /** Record one latency in milliseconds (rounded to the microsecond). */
  record(ms: number): this {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency must be a finite number >= 0 ms, got ${ms}`);
    this.h.recordValue(Math.round(ms * US_PER_MS));
    return this;
  }

  /** Record many latencies in milliseconds. */
  recordAll(values: Iterable<number>): this {
    for (const v of values) this.record(v);
    return this;
  }

  get count(): number {
    return this.h.totalCount;
  }

  /**
   * The value (ms) at percentile q, q in [0, 100]: HdrHistogram's getValueAtPercentile, i.e. the
   * highest value equivalent (at 3 significant digits) to the nearest-rank value. NaN when empty.
   */
  percentile(q: number): number {
    if (!(q >= 0 && q <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${q}`);
    if (this.count === 0) return Number.NaN;
    return this.h.getValueAtPercentile(q) / US_PER_MS;
  }

  /**
   * All statistics in ms, as HdrHistogram computes them (so a decoded histogram gives the same
   * summary): min is the lowest and max the highest value equivalent to the recorded extremes.
   * Every field is NaN except count (0) when empty.
   */
  summary(): HistogramSummary {
    const n = this.count;
    if (n === 0) {
      const nan = Number.NaN;
      return { count: 0, min: nan, max: nan, mean: nan, stddev: nan, p50: nan, p90: nan, p95: nan, p99: nan, p999: nan };
    }
    return {
      count: n,
      min: this.h.getValueAtPercentile(0) / US_PER_MS,
      // percentile 100 rather than maxValue: the same number before and after encode()/decode()
      max: this.percentile(100),
      mean: this.h.mean / US_PER_MS,
      stddev: this.h.stdDeviation / US_PER_MS,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p95: this.percentile(95),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
    };
  }

  /** Base64 of the compressed HdrHistogram V2 encoding (readable by every HdrHistogram port). */
  encode(): string {
    return encodeIntoCompressedBase64(this.h);
  }

  static decode(encoded: string): LatencyHistogram {
    return new LatencyHistogram(decodeFromCompressedBase64(encoded, 32));
  }

  /** Add every value of `other` into this histogram. */
  merge(other: LatencyHistogram): this {
    this.h.add(other.h);
    return this;
  }
}
