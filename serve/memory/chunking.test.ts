import { describe, expect, it } from 'vitest';
import { chunkDaily, chunkId, chunkMessages, chunksForNewTurn, buildDigestInput, prepareMessages } from './chunking';
import type { ChunkableMessage, ChunkingConfig } from './chunking';
import { digestExtractive, informativeness, splitSentences } from './digest';

let seq = 0;
function msg(id: string, role: 'user' | 'assistant' | 'system', content: string, at: string, extra: Partial<ChunkableMessage> = {}): ChunkableMessage {
  return { id, seq: ++seq, sessionId: 's1', userId: 'u1', role, content, status: 'complete', createdAt: at, ...extra };
}

const day1 = '2024-05-03T10:00:00.000Z';
const conversation: ChunkableMessage[] = [
  msg('m1', 'system', 'You are helpful.', day1),
  msg('m2', 'user', 'I adopted a dog named **Rex**.', '2024-05-03T10:00:01.000Z'),
  msg('m3', 'assistant', 'Congratulations on adopting Rex!', '2024-05-03T10:00:02.000Z'),
  msg('m4', 'user', 'thanks!', '2024-05-03T10:01:00.000Z'),
  msg('m5', 'assistant', '👍', '2024-05-03T10:01:01.000Z'),
  msg('m6', 'user', 'What food suits a puppy?', '2024-05-03T10:02:00.000Z'),
  msg('m7', 'assistant', '', '2024-05-03T10:02:01.000Z', { status: 'error' }),
  msg('m8', 'user', 'Also, I live in Lisbon.', '2024-05-03T10:03:00.000Z'),
  msg('m9', 'assistant', 'Lisbon is lovely.', '2024-05-03T10:03:01.000Z', { status: 'partial' }),
  msg('m10', 'assistant', 'still streaming', '2024-05-03T10:03:02.000Z', { status: 'pending' }),
];
const ids = (cfg: ChunkingConfig): string[][] => chunkMessages(conversation, cfg).map((c) => c.messageIds);

describe('eligibility', () => {
  it('keeps user/assistant complete and partial messages, skips system, error, pending and empty ones', () => {
    expect(prepareMessages(conversation, { strategy: 'message' }).map((m) => m.id)).toEqual(['m2', 'm3', 'm4', 'm5', 'm6', 'm8', 'm9']);
    expect(prepareMessages(conversation, { strategy: 'message', includePartial: false }).map((m) => m.id)).not.toContain('m9');
  });

  it('orders by seq when every message has one, else by createdAt then input order', () => {
    const a = msg('a', 'user', 'first said', '2024-01-01T00:00:05Z', { seq: 1 });
    const b = msg('b', 'user', 'second said', '2024-01-01T00:00:00Z', { seq: 2 });
    expect(prepareMessages([b, a], { strategy: 'message' }).map((m) => m.id)).toEqual(['a', 'b']);
    const { seq: _s1, ...a2 } = a;
    const { seq: _s2, ...b2 } = b;
    expect(prepareMessages([a2, b2], { strategy: 'message' }).map((m) => m.id)).toEqual(['b', 'a']);
  });
});

describe('strategies', () => {
  it('message: one chunk per non-trivial message, normalised, with its role and date', () => {
    const chunks = chunkMessages(conversation, { strategy: 'message' });
    expect(chunks.map((c) => [c.messageIds, c.role, c.text])).toEqual([
      [['m2'], 'user', 'I adopted a dog named Rex.'],
      [['m3'], 'assistant', 'Congratulations on adopting Rex!'],
      [['m6'], 'user', 'What food suits a puppy?'],
      [['m8'], 'user', 'Also, I live in Lisbon.'],
      [['m9'], 'assistant', 'Lisbon is lovely.'],
    ]);
    expect(chunks[0]).toMatchObject({ userId: 'u1', sessionId: 's1', createdAt: new Date('2024-05-03T10:00:01.000Z') });
  });

  it('turn: a user message and the replies that follow; all-trivial turns dropped', () => {
    const chunks = chunkMessages(conversation, { strategy: 'turn' });
    expect(chunks.map((c) => c.messageIds)).toEqual([['m2', 'm3'], ['m6'], ['m8', 'm9']]);
    expect(chunks[0]?.text).toBe('User: I adopted a dog named Rex.\nAssistant: Congratulations on adopting Rex!');
    expect(chunks[0]?.role).toBe('turn');
    expect(chunks[2]?.createdAt).toEqual(new Date('2024-05-03T10:03:01.000Z'));
  });

  it('window: N informative turns every stride; the last window is the first to reach the end', () => {
    expect(ids({ strategy: 'window', windowTurns: 2, windowStride: 1 })).toEqual([['m2', 'm3', 'm6'], ['m6', 'm8', 'm9']]);
    expect(ids({ strategy: 'window', windowTurns: 3, windowStride: 2 })).toEqual([['m2', 'm3', 'm6', 'm8', 'm9']]);
    expect(ids({ strategy: 'window', windowTurns: 1, windowStride: 1 })).toEqual([['m2', 'm3'], ['m6'], ['m8', 'm9']]);
  });

  it('window: rejects a stride larger than the window', () => {
    expect(() => chunkMessages(conversation, { strategy: 'window', windowTurns: 2, windowStride: 3 })).toThrow(/windowStride/);
  });

  it('window: never crosses sessions', () => {
    const other = msg('o1', 'user', 'Other session fact', '2024-05-03T10:00:03.000Z', { sessionId: 's2' });
    const chunks = chunkMessages([...conversation, other], { strategy: 'window', windowTurns: 5, windowStride: 5 });
    expect(chunks.map((c) => [c.sessionId, c.messageIds])).toEqual([
      ['s1', ['m2', 'm3', 'm6', 'm8', 'm9']],
      ['s2', ['o1']],
    ]);
  });
});

describe('ids', () => {
  it('are UUID-shaped, stable across calls, and differ by strategy', () => {
    for (const strategy of ['message', 'turn', 'window', 'daily'] as const) {
      const first = chunkMessages(conversation, { strategy }).map((c) => c.id);
      expect(chunkMessages([...conversation].reverse(), { strategy }).map((c) => c.id)).toEqual(first);
      for (const id of first) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(chunkId('message', ['m2'])).toBe(chunkMessages(conversation, { strategy: 'message' })[0]?.id);
    expect(chunkId('message', ['m2'])).not.toBe(chunkId('turn', ['m2']));
  });

  it('a growing window keeps its id (it is replaced on upsert), a new window gets a new one', () => {
    const cfg: ChunkingConfig = { strategy: 'window', windowTurns: 3, windowStride: 2 };
    const early = chunkMessages(conversation.slice(0, 6), cfg);
    const later = chunkMessages(conversation, cfg);
    expect(early).toHaveLength(1);
    expect(later[0]?.id).toBe(early[0]?.id);
    expect(later[0]?.messageIds.length).toBeGreaterThan(early[0]?.messageIds.length ?? 0);
  });

  it('a turn keeps its id when its reply arrives later', () => {
    const before = chunkMessages(conversation.slice(0, 2), { strategy: 'turn' });
    const after = chunkMessages(conversation.slice(0, 3), { strategy: 'turn' });
    expect(after[0]?.id).toBe(before[0]?.id);
  });
});

describe('daily digests', () => {
  const twoDays = [
    ...conversation,
    msg('n1', 'user', 'Late night: my sister is visiting.', '2024-05-03T23:59:59.000Z', { sessionId: 's2' }),
    msg('n2', 'user', 'Rex chewed my shoes. Yes.', '2024-05-04T00:00:00.000Z'),
    msg('x1', 'user', 'Someone else entirely', '2024-05-03T12:00:00.000Z', { userId: 'u2' }),
  ];

  it('groups per user and UTC calendar day, id = hash(userId, day)', () => {
    const chunks = chunkMessages(twoDays, { strategy: 'daily' });
    expect(chunks.map((c) => [c.userId, c.sessionId, c.createdAt.toISOString(), c.role])).toEqual([
      ['u1', null, '2024-05-03T23:59:59.000Z', 'digest'],
      ['u1', 's1', '2024-05-04T00:00:00.000Z', 'digest'],
      ['u2', 's1', '2024-05-03T12:00:00.000Z', 'digest'],
    ]);
    expect(chunks[0]?.id).toBe(chunkId('daily', ['u1', '2024-05-03']));
    expect(chunks[0]?.text).toBe(
      'I adopted a dog named Rex. What food suits a puppy? Also, I live in Lisbon. Late night: my sister is visiting.',
    );
    expect(chunks[1]?.text).toBe('Rex chewed my shoes.');
    expect(chunks[0]?.messageIds).toEqual(['m2', 'm3', 'm6', 'm8', 'm9', 'n1']);
  });

  it('uses the summariser when given, one call per day, and falls back on an empty summary', async () => {
    const calls: string[][] = [];
    const chunks = await chunkDaily(twoDays.slice(0, 12), { strategy: 'daily' }, async (texts) => {
      calls.push(texts);
      return calls.length === 1 ? 'The user adopted *Rex* and lives in Lisbon.' : '  ';
    });
    expect(calls[0]?.[0]).toBe('User: I adopted a dog named Rex.');
    expect(calls[0]?.[1]).toBe('Assistant: Congratulations on adopting Rex!');
    expect(chunks.map((c) => c.text)).toEqual(['The user adopted Rex and lives in Lisbon.', 'Rex chewed my shoes.']);
    expect(chunks[0]?.id).toBe(chunkMessages(twoDays, { strategy: 'daily' })[0]?.id);
    expect(buildDigestInput(twoDays).map((g) => [g.userId, g.day])).toEqual([
      ['u1', '2024-05-03'],
      ['u1', '2024-05-04'],
      ['u2', '2024-05-03'],
    ]);
  });
});

describe('digestExtractive', () => {
  const messages = [
    { role: 'user', content: 'Hi! I work as a nurse. Ok.\n- I hate coffee\n- Do you know Rust?' },
    { role: 'assistant', content: 'I am an assistant and this is ignored.' },
    { role: 'user', content: 'I work as a nurse. Yes. The weather is nice today.' },
  ];

  it('keeps user sentences only, drops trivial ones and answers, dedupes, keeps the order said', () => {
    expect(splitSentences('One. Two?\nThree')).toEqual(['One.', 'Two?', 'Three']);
    expect(digestExtractive(messages)).toBe('I work as a nurse. I hate coffee Do you know Rust? The weather is nice today.');
  });

  it('prefers first-person statements over other statements over questions when cutting', () => {
    expect(informativeness('I hate coffee')).toBeCloseTo(3 + 3 / 20);
    expect(informativeness('Do you know Rust?')).toBeCloseTo(4 / 20);
    expect(digestExtractive(messages, 2)).toBe('I work as a nurse. I hate coffee');
    expect(digestExtractive(messages, 3)).toBe('I work as a nurse. I hate coffee The weather is nice today.');
    expect(digestExtractive([{ role: 'user', content: 'thanks! 👍' }])).toBe('');
    expect(() => digestExtractive(messages, 0)).toThrow(RangeError);
  });
});

describe('chunksForNewTurn', () => {
  it('returns only the chunks that contain the new messages', () => {
    const touched = chunksForNewTurn(conversation, ['m8', 'm9'], { strategy: 'turn' });
    expect(touched.map((c) => c.messageIds)).toEqual([['m8', 'm9']]);
    const windows = chunksForNewTurn(conversation, ['m8', 'm9'], { strategy: 'window', windowTurns: 2, windowStride: 1 });
    expect(windows.map((c) => c.messageIds)).toEqual([['m6', 'm8', 'm9']]);
    expect(chunksForNewTurn(conversation, ['m4', 'm5'], { strategy: 'message' })).toEqual([]);
  });
});
