/** Chart data from a stored HdrHistogram (base64 compressed V2 of microseconds): a distribution and a percentile curve in ms. */
import { decodeHdr, valueAtPercentile } from './hdr';

export interface HistogramView {
  count: number;
  /** the bins are log-spaced (the values span more than 20×) */
  logBins: boolean;
  /** bins over [lo, hi) ms; counts sum to `count` */
  bins: { lo: number; hi: number; count: number }[];
  /** percentile (0–100) → value in ms, dense towards the tail */
  percentiles: { q: number; ms: number }[];
}

const US_PER_MS = 1000;

/** Decode and summarise; `binCount` bins, log-spaced when the values span more than 20×. */
export async function histogramView(encoding: string, binCount = 40): Promise<HistogramView> {
  const h = await decodeHdr(encoding);
  const count = h.totalCount;
  if (count === 0) return { count: 0, logBins: false, bins: [], percentiles: [] };
  const min = valueAtPercentile(h, 0) / US_PER_MS;
  const max = valueAtPercentile(h, 100) / US_PER_MS;
  const log = min > 0 && max / min > 20;
  const edges: number[] = [];
  for (let i = 0; i <= binCount; i++) {
    const f = i / binCount;
    edges.push(log ? min * (max / min) ** f : min + (max - min) * f);
  }
  const bins = edges.slice(0, -1).map((lo, i) => ({ lo, hi: edges[i + 1] ?? lo, count: 0 }));
  for (let i = 0; i < h.counts.length; i++) {
    bins[binIndex(h.highs[i]! / US_PER_MS, min, max, binCount, log)]!.count += h.counts[i]!;
  }
  // q = 100·(1 − 10^−k): evenly spaced on the usual "nines" axis, up to half a nine past the last rank
  const percentiles: HistogramView['percentiles'] = [];
  const kMax = Math.log10(count) + 0.5;
  for (let k = 0; k <= kMax + 1e-9; k += 0.05) {
    const q = 100 * (1 - 10 ** -k);
    percentiles.push({ q, ms: valueAtPercentile(h, q) / US_PER_MS });
  }
  return { count, logBins: log, bins, percentiles };
}

function binIndex(ms: number, min: number, max: number, n: number, log: boolean): number {
  if (max === min) return 0;
  const f = log ? Math.log(ms / min) / Math.log(max / min) : (ms - min) / (max - min);
  return Math.min(n - 1, Math.max(0, Math.floor(f * n)));
}

/** The "nines" x position of a percentile: −log10(1 − q/100). */
export function ninesOf(q: number): number {
  return -Math.log10(Math.max(1e-12, 1 - q / 100));
}
