import { describe, expect, it } from 'vitest';
import {
  applyRecency,
  applyScoreThreshold,
  cosine,
  dedupeAgainstWindow,
  dedupeNearDuplicates,
  mmr,
  rankMemories,
  rankMemoriesDetailed,
  recencyFactor,
  reciprocalRankFusion,
} from './ranking';
import type { MemoryCandidate } from './ranking';

const now = new Date('2024-06-01T00:00:00.000Z');
const daysAgo = (d: number): Date => new Date(now.getTime() - d * 86_400_000);

function cand(id: string, score: number, o: { age?: number; text?: string; messageIds?: string[]; vector?: number[] } = {}): MemoryCandidate {
  return {
    record: { id, userId: 'u1', sessionId: 's1', messageIds: o.messageIds ?? [`msg-${id}`], role: 'user', text: o.text ?? `memory ${id}`, createdAt: daysAgo(o.age ?? 0) },
    score,
    ...(o.vector ? { vector: o.vector } : {}),
  };
}
const idsOf = (xs: readonly MemoryCandidate[]): string[] => xs.map((c) => c.record.id);

describe('cosine', () => {
  it('is computed by hand on small vectors', () => {
    expect(cosine([1, 0], [0.8, 0.6])).toBeCloseTo(0.8);
    expect(cosine([3, 4], [6, 8])).toBeCloseTo(1);
    expect(cosine([1, 0], [0, 1])).toBe(0);
    expect(cosine([0, 0], [1, 1])).toBe(0);
    expect(() => cosine([1], [1, 2])).toThrow(RangeError);
  });
});

describe('scoreThreshold', () => {
  it('drops hits below t and keeps those equal to it', () => {
    expect(idsOf(applyScoreThreshold([cand('a', 0.9), cand('b', 0.5), cand('c', 0.3)], 0.5))).toEqual(['a', 'b']);
  });
});

describe('recency', () => {
  it('f = w + (1 − w)·0.5^(age/halfLife)', () => {
    expect(recencyFactor(daysAgo(0), now, { halfLifeDays: 10, weight: 0.5 })).toBe(1);
    expect(recencyFactor(daysAgo(10), now, { halfLifeDays: 10, weight: 0.5 })).toBeCloseTo(0.75);
    expect(recencyFactor(daysAgo(20), now, { halfLifeDays: 10, weight: 0.5 })).toBeCloseTo(0.625);
    expect(recencyFactor(daysAgo(10), now, { halfLifeDays: 10 })).toBeCloseTo(0.5);
    expect(recencyFactor(daysAgo(-5), now, { halfLifeDays: 10 })).toBe(1); // future: no boost
    expect(() => recencyFactor(now, now, { halfLifeDays: 0 })).toThrow(RangeError);
  });

  it('multiplies positive scores and divides negative ones, so older is always lower', () => {
    const out = applyRecency([cand('a', 0.8, { age: 10 }), cand('b', -0.4, { age: 10 })], { halfLifeDays: 10 }, now);
    expect(out.map((c) => c.score)).toEqual([0.4, -0.8]);
  });

  it('time-aware: a newer fact outranks an older one of equal (or slightly higher) similarity', () => {
    const older = cand('old', 0.8, { age: 60, text: 'I live in Paris' });
    const newer = cand('new', 0.8, { age: 1, text: 'I moved to Lisbon' });
    expect(idsOf(rankMemories([older, newer], { k: 2, recency: { halfLifeDays: 30, weight: 0.5 } }, { now }))).toEqual(['new', 'old']);
    // 0.80 · (0.5 + 0.5 · 0.25) = 0.5 for the 60-day-old one vs 0.78 · 1 for today's
    const slightlyBetterOld = cand('old', 0.8, { age: 60 });
    const fresh = cand('new', 0.78, { age: 0 });
    const ranked = rankMemories([slightlyBetterOld, fresh], { k: 2, recency: { halfLifeDays: 30, weight: 0.5 } }, { now });
    expect(ranked.map((c) => [c.record.id, c.score, c.similarity])).toEqual([
      ['new', 0.78, 0.78],
      ['old', 0.5, 0.8],
    ]);
    // without recency the tie is still broken towards the newer memory
    expect(idsOf(rankMemories([older, newer], { k: 2 }, { now }))).toEqual(['new', 'old']);
  });
});

describe('mmr', () => {
  // q = [1,0]; rel: a 0.8, b 0.6, c 0.6; cos(a,b) = 0.96, cos(a,c) = 0, cos(b,c) = -0.28
  const a = { id: 'a', vector: [0.8, 0.6] };
  const b = { id: 'b', vector: [0.6, 0.8] };
  const c = { id: 'c', vector: [0.6, -0.8] };
  const q = [1, 0];
  const pick = (k: number, lambda: number): string[] => mmr([a, b, c], q, k, lambda).map((x) => x.id);

  it('λ = 0.5: a (0.4), then c (0.3 − 0) over b (0.3 − 0.48), then b', () => {
    expect(pick(2, 0.5)).toEqual(['a', 'c']);
    expect(pick(3, 0.5)).toEqual(['a', 'c', 'b']);
  });

  it('λ = 1 is plain relevance order (ties → input order); k larger than n returns all', () => {
    expect(pick(5, 1)).toEqual(['a', 'b', 'c']);
    expect(pick(0, 0.5)).toEqual([]);
  });

  it('uses a custom relevance when given, and rejects missing vectors or a bad λ', () => {
    expect(mmr([a, b, c], null, 1, 1, (x) => (x.id === 'c' ? 1 : 0)).map((x) => x.id)).toEqual(['c']);
    const noVector: { id: string; vector?: number[] } = { id: 'x' };
    expect(() => mmr([noVector], q, 1, 0.5)).toThrow(/vector/);
    expect(() => mmr([a], q, 1, 1.5)).toThrow(RangeError);
  });
});

describe('reciprocalRankFusion', () => {
  it('sums 1/(60 + rank) over lists', () => {
    const fused = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['b', 'c', 'd'],
    ]);
    expect(fused.map((f) => f.id)).toEqual(['b', 'c', 'a', 'd']);
    expect(fused[0]?.score).toBeCloseTo(1 / 62 + 1 / 61, 12); // b: 0.032522
    expect(fused[1]?.score).toBeCloseTo(1 / 63 + 1 / 62, 12); // c: 0.032002
    expect(fused[2]?.score).toBeCloseTo(1 / 61, 12); // a: 0.016393
    expect(fused[3]?.score).toBeCloseTo(1 / 63, 12); // d: 0.015873
  });

  it('honours k, weights, duplicates within a list, and breaks ties by first appearance', () => {
    expect(reciprocalRankFusion([['a', 'b', 'c'], ['b', 'c', 'd']], 0).map((f) => [f.id, f.score])).toEqual([
      ['b', 1.5],
      ['a', 1],
      ['c', 1 / 3 + 1 / 2],
      ['d', 1 / 3],
    ]);
    const weighted = reciprocalRankFusion([['a'], ['b']], 60, [2, 1]);
    expect(weighted.map((f) => [f.id, f.score])).toEqual([['a', 2 / 61], ['b', 1 / 61]]);
    expect(reciprocalRankFusion([['a', 'a', 'b']]).map((f) => f.score)).toEqual([1 / 61, 1 / 63]);
    expect(reciprocalRankFusion([['x'], ['y']]).map((f) => f.id)).toEqual(['x', 'y']);
    expect(() => reciprocalRankFusion([['x']], 60, [1, 2])).toThrow(RangeError);
  });
});

describe('dedupeAgainstWindow', () => {
  const window = [
    { id: 'w1', content: 'I live in **Lisbon**, Portugal.' },
    { id: 'w2', content: 'Nice!' },
  ];
  it('drops memories whose sources are all in the window, or whose text a window message contains', () => {
    const out = dedupeAgainstWindow(
      [
        cand('same-ids', 0.9, { messageIds: ['w1'], text: 'anything' }),
        cand('partly', 0.9, { messageIds: ['w1', 'old'], text: 'a digest' }),
        cand('contained', 0.9, { messageIds: ['m7'], text: 'I LIVE in Lisbon!!' }),
        cand('other', 0.9, { messageIds: ['m8'], text: 'I live in Porto' }),
        cand('word', 0.9, { messageIds: ['m9'], text: 'ice' }), // not a whole word of "nice"
        cand('empty', 0.9, { messageIds: [], text: '' }),
      ],
      window,
    );
    expect(idsOf(out)).toEqual(['partly', 'other', 'word']);
  });
});

describe('dedupeNearDuplicates', () => {
  it('keeps the first of identical normalised texts, and of vectors with cosine ≥ threshold', () => {
    const items = [
      cand('a', 0.9, { text: 'I like tea', vector: [1, 0] }),
      cand('b', 0.8, { text: 'i like TEA!', vector: [0, 1] }),
      cand('c', 0.7, { text: 'I enjoy tea', vector: [0.99, 0.141] }), // cos to a ≈ 0.990
      cand('d', 0.6, { text: 'I like coffee', vector: [0.6, 0.8] }), // cos to a = 0.6
    ];
    expect(idsOf(dedupeNearDuplicates(items, 0.95))).toEqual(['a', 'd']);
    expect(idsOf(dedupeNearDuplicates(items))).toEqual(['a', 'c', 'd']);
  });
});

describe('rankMemories pipeline', () => {
  it('applies threshold → window → recency → sort → duplicates → top k, and reports what it dropped', () => {
    const candidates = [
      cand('low', 0.2),
      cand('in-window', 0.95, { messageIds: ['w1'] }),
      cand('old', 0.9, { age: 30, text: 'I like tea' }),
      cand('dup-new', 0.85, { age: 0, text: 'I like tea.' }),
      cand('mid', 0.7, { age: 0 }),
      cand('extra', 0.6, { age: 0 }),
    ];
    const result = rankMemoriesDetailed(
      candidates,
      { k: 2, scoreThreshold: 0.5, dedupeAgainstWindow: true, recency: { halfLifeDays: 30 }, dedupeNearDuplicates: {} },
      { now, window: [{ id: 'w1', content: 'hello' }] },
    );
    // old: 0.9 · 0.5 = 0.45 sorts after dup-new 0.85, mid 0.7, extra 0.6, and is then dropped as a duplicate
    expect(idsOf(result.memories)).toEqual(['dup-new', 'mid']);
    expect(result.dropped).toEqual({ belowThreshold: 1, inWindow: 1, duplicates: 1, beyondK: 1 });
  });

  it('uses MMR with the adjusted score as relevance when enabled', () => {
    const items = [
      cand('a', 0.8, { vector: [0.8, 0.6] }),
      cand('b', 0.6, { vector: [0.6, 0.8] }),
      cand('c', 0.6, { vector: [0.6, -0.8] }),
    ];
    expect(idsOf(rankMemories(items, { k: 2, mmr: { lambda: 0.5 } }, { now }))).toEqual(['a', 'c']);
    expect(idsOf(rankMemories(items, { k: 2 }, { now }))).toEqual(['a', 'b']);
    expect(() => rankMemories([cand('x', 1)], { k: 1, mmr: { lambda: 0.5 } }, { now })).toThrow(/vector/);
  });
});
