import { describe, expect, it } from 'vitest';
import { buildConversations } from './conversations';

describe('buildConversations', () => {
  const plan = { users: 3, conversationsPerUser: 3, turnsPerConversation: 6 };

  it('is deterministic under the seed and differs across seeds', () => {
    expect(buildConversations(plan, 7)).toEqual(buildConversations(plan, 7));
    expect(buildConversations(plan, 7)).not.toEqual(buildConversations(plan, 8));
  });

  it('has the planned shape, ids in order, and asks only about facts told before', () => {
    const convs = buildConversations(plan, 42);
    expect(convs).toHaveLength(9);
    expect(convs.map((c) => c.id).slice(0, 4)).toEqual(['u1-c1', 'u1-c2', 'u1-c3', 'u2-c1']);
    for (const c of convs) expect(c.turns).toHaveLength(6);
    const first = convs[0]!;
    expect(first.turns.some((t) => t.endsWith('?') && /again|remind|What's my|What do I|Which|What car/.test(t))).toBe(false);
    // later conversations of a user open with a question about an earlier fact
    expect(convs[1]!.turns[0]).toMatch(/\?$/);
  });
});
