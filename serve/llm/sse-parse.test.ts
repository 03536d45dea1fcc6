import { describe, expect, it } from 'vitest';
import { SseDecoder } from './sse-parse';

const enc = (s: string) => new TextEncoder().encode(s);

describe('SseDecoder', () => {
  it('reads data events with LF, CRLF and CR line ends, skipping comments, joining multi-line data', () => {
    const d = new SseDecoder();
    const out = d.push(enc(': keep-alive\n\ndata: {"a":1}\n\r\ndata: x\r\ndata: y\r\rdata:no-space\r\revent: error\ndata: e\n\n'));
    expect(out).toEqual([
      { event: undefined, data: '{"a":1}' },
      { event: undefined, data: 'x\ny' },
      { event: undefined, data: 'no-space' },
      { event: 'error', data: 'e' },
    ]);
  });

  it('events split across chunks at any byte, including inside a UTF-8 character and between CR and LF', () => {
    const text = 'data: {"content":"héllo 😀"}\r\n\r\ndata: [DONE]\r\n\r\n';
    const bytes = enc(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const d = new SseDecoder();
      const out = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      expect(out.map((m) => m.data)).toEqual(['{"content":"héllo 😀"}', '[DONE]']);
    }
  });

  it('an event is held until its blank line; a string push can supply it', () => {
    const d = new SseDecoder();
    expect(d.push(enc('data: last'))).toEqual([]);
    expect(d.push('\n\n')).toEqual([{ event: undefined, data: 'last' }]);
  });
});
