import { describe, expect, it } from 'vitest';
import { byConversation, memoryShare, summariseUsage, type MessageUsage } from './usage';

const msgs: MessageUsage[] = [
  { conversation: 'a', promptTokens: 100, completionTokens: 50, usd: 0.001, parts: { memories: 0, total: 100 } },
  { conversation: 'a', promptTokens: 300, completionTokens: 50, usd: 0.003, parts: { memories: 150, total: 300 } },
  { conversation: 'b', promptTokens: 200, completionTokens: 20, usd: 0.002, parts: { memories: 50, total: 200 } },
];

describe('summariseUsage (tokens and cost per message and per conversation)', () => {
  it('hand-computed totals and means', () => {
    const s = summariseUsage(msgs);
    expect(s).toMatchObject({ messages: 3, conversations: 2, promptTokens: 600, completionTokens: 120 });
    expect(s.usd).toBeCloseTo(0.006, 15);
    expect(s.perMessage.prompt).toBe(200);
    expect(s.perMessage.completion).toBe(40);
    expect(s.perMessage.total).toBe(240);
    expect(s.perMessage.usd).toBeCloseTo(0.002, 15);
    expect(s.perConversation.prompt).toBe(300);
    expect(s.perConversation.usd).toBeCloseTo(0.003, 15);
  });

  it('NaN means with no messages', () => {
    expect(summariseUsage([]).perMessage.usd).toBeNaN();
    expect(summariseUsage([]).perConversation.usd).toBeNaN();
  });

  it('groups by conversation in first-seen order', () => {
    expect([...byConversation(msgs).keys()]).toEqual(['a', 'b']);
    expect(byConversation(msgs).get('a')).toHaveLength(2);
  });
});

describe('memoryShare', () => {
  it('token-weighted share, per-message mean, share of messages with memories (hand-computed)', () => {
    const m = memoryShare(msgs);
    // (0 + 150 + 50) / (100 + 300 + 200) = 200 / 600
    expect(m.tokenWeighted).toBeCloseTo(1 / 3, 12);
    // mean(0, 0.5, 0.25)
    expect(m.meanPerMessage).toBeCloseTo(0.25, 12);
    expect(m.messagesWithMemories).toBeCloseTo(2 / 3, 12);
    expect(m.memoryTokensPerMessage).toBeCloseTo(200 / 3, 12);
    expect(m.n).toBe(3);
  });

  it('ignores messages without parts (JSON answers); NaN when none has them', () => {
    expect(memoryShare([{ parts: { memories: 10, total: 40 } }, {}]).tokenWeighted).toBe(0.25);
    expect(memoryShare([{}]).tokenWeighted).toBeNaN();
    expect(memoryShare([{}]).n).toBe(0);
  });
});
