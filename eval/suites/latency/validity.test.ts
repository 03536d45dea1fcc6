import { describe, expect, it } from 'vitest';
import { indexRecords, streamValidity, summariseErrors } from './validity';

describe('streamValidity', () => {
  it('computes TTFT and ITL errors against the ground truth (hand-computed)', () => {
    // sent at 100; the simulator received at 100.4 and wrote chunks at 150.4, 160.4, 170.4;
    // the client saw them at 151.0, 161.2, 170.9
    const v = streamValidity(
      { sentAt: 100, chunks: [{ at: 140, text: '' }, { at: 151, text: 'a' }, { at: 161.2, text: 'b' }, { at: 170.9, text: 'c' }] },
      { receivedAt: 100.4, chunkSentAt: [150.4, 160.4, 170.4] },
    );
    if ('error' in v) throw new Error(v.error);
    expect(v.measuredTtftMs).toBeCloseTo(51, 9);
    expect(v.trueTtftMs).toBeCloseTo(50, 9);
    expect(v.ttftErrMs).toBeCloseTo(1, 9);
    expect(v.requestLegMs).toBeCloseTo(0.4, 9);
    expect(v.responseLegMs).toBeCloseTo(0.6, 9);
    // measured gaps 10.2, 9.7 vs true 10, 10 → +0.2, −0.3
    expect(v.itlErrMs[0]).toBeCloseTo(0.2, 9);
    expect(v.itlErrMs[1]).toBeCloseTo(-0.3, 9);
    expect(v.itlErrMs).toHaveLength(2);
  });

  it('refuses streams it cannot line up', () => {
    expect(streamValidity({ sentAt: 0, chunks: [] }, { receivedAt: 0, chunkSentAt: [1] })).toEqual({ error: 'no content chunk' });
    const r = streamValidity({ sentAt: 0, chunks: [{ at: 1, text: 'a' }] }, { receivedAt: 0, chunkSentAt: [1, 2] });
    expect('error' in r && r.error).toMatch(/chunk count differs/);
  });
});

describe('indexRecords', () => {
  it('keeps ok streams by key and marks duplicates ambiguous', () => {
    const recs = [
      { k: 'a', stream: true, outcome: 'ok' },
      { k: 'b', stream: true, outcome: 'ok' },
      { k: 'b', stream: true, outcome: 'ok' },
      { k: 'c', stream: false, outcome: 'ok' },
      { k: 'd', stream: true, outcome: 'aborted' },
    ];
    const m = indexRecords(recs, (r) => r.k);
    expect(m.get('a')).toBe(recs[0]);
    expect(m.get('b')).toBeNull();
    expect(m.has('c')).toBe(false);
    expect(m.has('d')).toBe(false);
  });
});

describe('summariseErrors', () => {
  it('gives the signed mean and nearest-rank percentiles of |error|', () => {
    const s = summariseErrors([0.5, -1, 0.2, 2, -0.1]);
    // |e| sorted: 0.1 0.2 0.5 1 2 → p50 = rank 3 = 0.5, p90 = rank 5 = 2, p99 = 2
    expect(s.n).toBe(5);
    expect(s.meanMs).toBeCloseTo(0.32, 9);
    expect(s.absP50Ms).toBe(0.5);
    expect(s.absP90Ms).toBe(2);
    expect(s.absP99Ms).toBe(2);
    expect(s.absMaxMs).toBe(2);
  });

  it('is NaN when empty', () => {
    expect(summariseErrors([]).absP50Ms).toBeNaN();
    expect(summariseErrors([]).meanMs).toBeNaN();
  });
});
