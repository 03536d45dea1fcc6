import { describe, expect, it } from 'vitest';
import type { ChatResult } from '../../client/chat';
import { coefficientOfVariation, instanceSpread, NO_INSTANCE } from './spread';
import type { LoadRecord, LoadRun } from './types';

const res = (p: Partial<ChatResult> & { sentAt: number; endAt: number }): ChatResult => ({ ok: false, status: 200, chunks: [], outputTokens: 0, keepAlives: 0, bytes: 0, ...p });
const rec = (seq: number, result: ChatResult, extra: Partial<LoadRecord> = {}): LoadRecord => ({ seq, vu: 0, turn: 0, user: 'u', message: `m${seq}`, warmup: false, abortedAtEnd: false, result, ...extra });

// window = [measureFrom 1000, last send 1800] = 0.8 s
const run: LoadRun = {
  startedAt: 0,
  measureFrom: 1000,
  measureTo: 5000,
  endedAt: 2000,
  peakInFlight: 3,
  dropped: 0,
  records: [
    rec(0, res({ ok: true, instance: 'i1', sentAt: 1000, endAt: 1300, outputTokens: 3, chunks: [{ at: 1100, text: 'a' }] })),
    rec(1, res({ ok: true, instance: 'i1', sentAt: 1200, endAt: 1500, outputTokens: 5, chunks: [{ at: 1300, text: '' }, { at: 1400, text: 'b' }] })),
    rec(2, res({ instance: 'i1', sentAt: 1600, endAt: 1700, errorCode: 'llm_error' })),
    rec(3, res({ ok: true, instance: 'i2', sentAt: 1100, endAt: 1400, outputTokens: 4, chunks: [{ at: 1400, text: 'c' }] })),
    rec(4, res({ status: 0, sentAt: 1800, endAt: 1801, error: 'connect ECONNREFUSED' })),
    // warm-up: not a counted request, but its completion inside the window counts for throughput (as in summarise)
    rec(5, res({ ok: true, instance: 'i1', sentAt: 900, endAt: 1050, outputTokens: 2, chunks: [{ at: 1000, text: 'w' }] }), { warmup: true }),
    // aborted by the drain: not counted anywhere
    rec(6, res({ instance: 'i2', sentAt: 1700, endAt: 1900, error: 'aborted' }), { abortedAtEnd: true }),
  ],
};

describe('instanceSpread', () => {
  const s = instanceSpread(run);
  const by = (name: string) => s.instances.find((i) => i.instance === name);

  it('counts, shares and errors per instance over counted requests', () => {
    expect(s.instances.map((i) => i.instance)).toEqual(['i1', 'i2', NO_INSTANCE]);
    expect(by('i1')).toMatchObject({ requests: 3, share: 0.75, errors: 1 });
    expect(by('i2')).toMatchObject({ requests: 1, share: 0.25, errors: 0 });
    expect(by(NO_INSTANCE)).toMatchObject({ requests: 1, share: null, errors: 1 });
  });

  it('TTFT percentiles of each instance’s successes (first non-empty chunk)', () => {
    // i1: 100 and 200 ms (nearest rank: p50 = 100, p95 = 200); i2: 300 ms
    expect(by('i1')?.ttftP50Ms).toBeCloseTo(100, 0);
    expect(by('i1')?.ttftP95Ms).toBeCloseTo(200, 0);
    expect(by('i2')?.ttftP50Ms).toBeCloseTo(300, 0);
    expect(by(NO_INSTANCE)?.ttftP50Ms).toBeNaN();
  });

  it('window throughput per instance: completions ending in the window / 0.8 s', () => {
    // i1: ends 1050 (warm-up), 1300, 1500 → 3 / 0.8; tokens 2 + 3 + 5 = 10 / 0.8
    expect(by('i1')?.requestsPerSec).toBeCloseTo(3.75, 9);
    expect(by('i1')?.outputTokensPerSec).toBeCloseTo(12.5, 9);
    expect(by('i2')?.requestsPerSec).toBeCloseTo(1.25, 9);
    expect(by('i2')?.outputTokensPerSec).toBeCloseTo(5, 9);
  });

  it('spread: max/min share and the coefficient of variation of the counts', () => {
    // counts 3 and 1: ratio 3; mean 2, population sd 1 → CV 0.5
    expect(s.maxMinRatio).toBe(3);
    expect(s.cv).toBeCloseTo(0.5, 12);
  });

  it('an expected instance that answered nothing has share 0 and makes the ratio infinite', () => {
    const e = instanceSpread(run, ['i1', 'i2', 'i3']);
    expect(e.instances.find((i) => i.instance === 'i3')).toMatchObject({ requests: 0, share: 0, errors: 0 });
    expect(e.maxMinRatio).toBe(Number.POSITIVE_INFINITY);
    // counts 3, 1, 0: mean 4/3, variance 42/27 → CV = sqrt(42/27) / (4/3) = 0.935414…
    expect(e.cv).toBeCloseTo(0.935414, 6);
  });

  it('a single server without the header: only the no-response row, no spread', () => {
    const single = instanceSpread({ ...run, records: [rec(0, res({ ok: true, sentAt: 1000, endAt: 1100 }))] });
    expect(single.instances.map((i) => i.instance)).toEqual([NO_INSTANCE]);
    expect(single.maxMinRatio).toBeNull();
    expect(single.cv).toBeNull();
  });
});

describe('coefficientOfVariation', () => {
  it('is 0 for an even split and null without a mean', () => {
    expect(coefficientOfVariation([5, 5, 5])).toBe(0);
    expect(coefficientOfVariation([2, 4])).toBeCloseTo(1 / 3, 12);
    expect(coefficientOfVariation([])).toBeNull();
    expect(coefficientOfVariation([0, 0])).toBeNull();
  });
});
