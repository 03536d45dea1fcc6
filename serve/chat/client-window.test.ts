import { describe, expect, it } from 'vitest';
import { withStoredIds } from './client-window';

describe('withStoredIds', () => {
  const stored = [
    { id: 's1', role: 'user' as const, content: 'hello' },
    { id: 's2', role: 'assistant' as const, content: 'Hi there. ' },
    { id: 's3', role: 'user' as const, content: 'hello' },
    { id: 's4', role: 'assistant' as const, content: 'Again?' },
  ];
  it('gives a repeated message the newest stored copy of the same role and text; others keep no id', () => {
    const out = withStoredIds(
      [
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: 'Hi there.' },
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: 'Edited by the client' },
        { role: 'assistant', content: 'hello' },
      ],
      stored,
    );
    expect(out).toEqual([
      { role: 'user', content: 'hello', id: 's1' },
      { role: 'assistant', content: 'Hi there.', id: 's2' },
      { role: 'user', content: 'hello', id: 's3' },
      { role: 'assistant', content: 'Edited by the client' },
      { role: 'assistant', content: 'hello' },
    ]);
  });
  it('never gives one stored id to two client messages', () => {
    const out = withStoredIds([{ role: 'user', content: 'hello' }, { role: 'user', content: 'hello' }, { role: 'user', content: 'hello' }], stored);
    expect(out.map((m) => m.id)).toEqual([undefined, 's1', 's3']);
  });
});
