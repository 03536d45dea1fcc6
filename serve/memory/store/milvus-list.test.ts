import { describe, expect, it } from 'vitest';
import { milvusList } from './milvus-list';
import type { MilvusRow } from './milvus-rows';

/**
 * The client-side half of `list` on Milvus (its query cannot order), without a server: rows come
 * back in arbitrary order and must leave newest first, the cursor's ties broken by id. The Milvus
 * contract suite (MILVUS_ADDRESS) checks the whole path against a real server.
 */
const row = (id: string, at: number): MilvusRow => ({ id, user_id: 'u', session_id: 's', message_ids: '[]', role: 'turn', text: `t-${id}`, created_at: String(at) });
const rows = [row('b', 2000), row('a', 1000), row('d', 3000), row('c', 2000), row('e', 2000)];

function fakeQuery(calls: { filter: string; fields: readonly string[]; limit?: number }[]) {
  return async (filter: string, fields: readonly string[], limit?: number) => {
    calls.push({ filter, fields, ...(limit ? { limit } : {}) });
    if (filter.includes(' in [')) {
      const ids = [...filter.matchAll(/"([^"]+)"/g)].map((m) => m[1]).slice(1);
      return rows.filter((r) => ids.includes(r.id)).reverse();
    }
    const bound = /created_at <= (\d+)/.exec(filter);
    return rows.filter((r) => !bound || Number(r.created_at) <= Number(bound[1]));
  };
}

describe('milvusList (client-side order and cursor)', () => {
  it('sorts newest first, ties by id descending, and reads full rows for the page only', async () => {
    const calls: { filter: string; fields: readonly string[]; limit?: number }[] = [];
    const page = await milvusList(fakeQuery(calls), { userId: 'u' }, { limit: 3 }, 100);
    expect(page.map((m) => m.id)).toEqual(['d', 'e', 'c']);
    expect(calls[0]).toEqual({ filter: 'user_id == "u"', fields: ['id', 'created_at'], limit: 100 });
    expect(calls[1]!.filter).toBe('user_id == "u" && id in ["d", "e", "c"]');
  });

  it('continues after the cursor without skipping or repeating a tie', async () => {
    const calls: { filter: string; fields: readonly string[]; limit?: number }[] = [];
    const page = await milvusList(fakeQuery(calls), { userId: 'u', sessionId: 's' }, { limit: 10, after: { createdAt: new Date(2000), id: 'e' } }, 100);
    expect(page.map((m) => m.id)).toEqual(['c', 'b', 'a']);
    expect(calls[0]!.filter).toBe('user_id == "u" && session_id == "s" && created_at <= 2000');
  });

  it('refuses a filter matching the whole query window, and bad options', async () => {
    await expect(milvusList(fakeQuery([]), { userId: 'u' }, { limit: 2 }, 5)).rejects.toThrow(/limited to 5 records/);
    await expect(milvusList(fakeQuery([]), { userId: 'u' }, { limit: 0 }, 100)).rejects.toThrow(/limit/);
    await expect(milvusList(fakeQuery([]), { userId: '' }, { limit: 1 }, 100)).rejects.toThrow(/userId/);
  });
});
