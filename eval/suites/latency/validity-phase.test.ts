import { describe, expect, it } from 'vitest';
import type { SimRequestRecord } from '../../../serve';
import type { ChatResult } from '../../client/chat';
import { validateBatch, validityRows } from './validity-phase';

const rec = (msg: string, receivedAt: number, sent: number[], extra: Partial<SimRequestRecord> = {}): SimRequestRecord => ({
  id: msg, stream: true, receivedAt, ttftMs: 10, itlMs: [], chunkSentAt: sent, outcome: 'ok', status: 200, promptTokens: 1, completionTokens: sent.length, lastUserMessage: msg, actualTtftMs: (sent[0] ?? 0) - receivedAt, ...extra,
});
const res = (sentAt: number, at: number[], ok = true): ChatResult => ({ ok, status: 200, sentAt, endAt: (at.at(-1) ?? sentAt) + 1, chunks: at.map((t) => ({ at: t, text: 'x' })), outputTokens: at.length, keepAlives: 0, bytes: 0 });

describe('validateBatch', () => {
  it('matches by message, whatever the record order, and collects the errors (hand-computed)', () => {
    const records = [rec('b', 200.5, [211, 216]), rec('a', 100.25, [111, 116])];
    const v = validateBatch(records, [res(100, [111.5, 116.25]), res(200, [211.25, 216.5])], ['a', 'b'], 2);
    expect(v).toMatchObject({ concurrency: 2, attempted: 2, matched: 2, problems: [] });
    // a: measured 11.5 vs true 10.75 → 0.75; b: 11.25 vs 10.5 → 0.75
    expect(v.ttftErr.map((x) => +x.toFixed(6))).toEqual([0.75, 0.75]);
    expect(v.requestLeg).toEqual([0.25, 0.5]);
    expect(v.responseLeg).toEqual([0.5, 0.25]);
    // a: gap 4.75 vs 5 → −0.25; b: 5.25 vs 5 → +0.25
    expect(v.itlErr).toEqual([-0.25, 0.25]);
    // simulator lateness = actual TTFT − planned 10
    expect(v.simLate).toEqual([0.75, 0.5]);
    expect(validityRows(v)[0]?.slice(0, 4)).toEqual([2, 'TTFT error (measured − true)', 2, 0.75]);
  });

  it('skips failed requests and says why others could not be compared', () => {
    const records = [rec('dup', 0, [1]), rec('dup', 0, [1]), rec('short', 0, [1, 2])];
    const v = validateBatch(records, [res(0, [1]), res(0, [1]), res(0, [1], false), res(0, [1])], ['dup', 'none', 'x', 'short'], 1);
    expect(v.attempted).toBe(3);
    expect(v.matched).toBe(0);
    expect(v.problems).toEqual(['#0: more than one record with this message', '#1: no simulator record', '#3: chunk count differs: measured 1, simulator wrote 2']);
  });
});
