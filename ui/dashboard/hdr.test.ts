import { build, encodeIntoCompressedBase64, JsHistogram, decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../eval/metrics/histogram';
import { createRng } from '../../eval/metrics/random';
import { decodeHdr, valueAtPercentile } from './hdr';

const QS = [0, 0.001, 1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 99.999, 100];

/** hdr-histogram-js's recorded values: [lowest equivalent, highest equivalent, count] per bucket. */
function reference(encoded: string): [number, number, number][] {
  const h = decodeFromCompressedBase64(encoded, 32);
  if (!(h instanceof JsHistogram)) throw new Error('expected a JS histogram');
  const out: [number, number, number][] = [];
  const it = h.recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    out.push([h.lowestEquivalentValue(v.valueIteratedTo), h.highestEquivalentValue(v.valueIteratedTo), v.countAtValueIteratedTo]);
  }
  return out;
}

describe('decodeHdr agrees with hdr-histogram-js', () => {
  const cases: [string, () => string][] = [
    ['latency-like, 1 µs … 10 s (eval/metrics/histogram.ts)', () => {
      const rng = createRng(7);
      const h = new LatencyHistogram();
      for (let i = 0; i < 20_000; i++) h.record(Math.exp(rng() * 16) / 1000);
      return h.encode();
    }],
    ['a few values with large counts', () => {
      const h = build({ numberOfSignificantValueDigits: 3 });
      h.recordValueWithCount(1, 5);
      h.recordValueWithCount(2047, 3);
      h.recordValueWithCount(2048, 1_000_000);
      h.recordValueWithCount(123_456_789, 2);
      return encodeIntoCompressedBase64(h);
    }],
    ['2 significant digits, lowest 1000', () => {
      const h = build({ numberOfSignificantValueDigits: 2, lowestDiscernibleValue: 1000, highestTrackableValue: 1e9 });
      for (let v = 1000; v < 5e8; v = Math.ceil(v * 1.37)) h.recordValue(v);
      return encodeIntoCompressedBase64(h);
    }],
  ];
  it.each(cases)('%s', async (_name, make) => {
    const encoded = make();
    const mine = await decodeHdr(encoded);
    const ref = reference(encoded);
    expect(mine.lows.map((l, i) => [l, mine.highs[i], mine.counts[i]])).toEqual(ref);
    const theirs = decodeFromCompressedBase64(encoded, 32);
    expect(mine.totalCount).toBe(theirs.totalCount);
    for (const q of QS) expect(valueAtPercentile(mine, q), `p${q}`).toBe(theirs.getValueAtPercentile(q));
  });

  it('reads an empty histogram and refuses what is not one', async () => {
    const empty = await decodeHdr(new LatencyHistogram().encode());
    expect(empty.totalCount).toBe(0);
    expect(valueAtPercentile(empty, 50)).toBeNaN();
    await expect(decodeHdr('bm90IGEgaGlzdG9ncmFt')).rejects.toThrow(/not a compressed HdrHistogram/);
  });
});
