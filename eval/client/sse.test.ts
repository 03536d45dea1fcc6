import { describe, expect, it } from 'vitest';
import { SseParser } from './sse';

const events = (items: ReturnType<SseParser['push']>) => items.flatMap((i) => (i.kind === 'event' ? [i.event] : []));

describe('SseParser', () => {
  it('parses named events, multi-line data and default event names', () => {
    const p = new SseParser();
    const out = events(p.push('event: token\ndata: {"text":"a"}\n\ndata: line1\ndata: line2\n\n'));
    expect(out).toEqual([
      { event: 'token', data: '{"text":"a"}', id: undefined },
      { event: 'message', data: 'line1\nline2', id: undefined },
    ]);
  });

  it('handles events split across chunks at any byte, and CRLF / CR line ends', () => {
    const text = 'event: meta\r\ndata: {"a":1}\r\n\r\nevent: done\rdata: x\r\r';
    for (let cut = 1; cut < text.length; cut++) {
      const p = new SseParser();
      const out = [...events(p.push(text.slice(0, cut))), ...events(p.push(text.slice(cut)))];
      expect(out.map((e) => [e.event, e.data])).toEqual([
        ['meta', '{"a":1}'],
        ['done', 'x'],
      ]);
    }
  });

  it('reports comments (keep-alives) and ignores unknown fields; an event with no data is not dispatched', () => {
    const p = new SseParser();
    const out = p.push(': keep-alive\n\nretry: 10\nfoo: bar\nevent: empty\n\nid: 7\ndata:x\n\n');
    expect(out.filter((i) => i.kind === 'comment').map((i) => (i.kind === 'comment' ? i.text : ''))).toEqual(['keep-alive']);
    expect(events(out)).toEqual([{ event: 'message', data: 'x', id: '7' }]);
  });
});
