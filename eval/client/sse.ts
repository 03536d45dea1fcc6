/** A Server-Sent Events parser per the WHATWG spec (event, data, id, retry; comments; CR, LF or CRLF). */

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export type SseItem = { kind: 'event'; event: SseEvent; at: number } | { kind: 'comment'; text: string; at: number };

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  private sawCr = false;

  /** Feed a decoded text chunk; returns the complete items it finished, stamped with `now`. */
  push(text: string, now = performance.now()): SseItem[] {
    const out: SseItem[] = [];
    for (const ch of text) {
      if (this.sawCr && ch === '\n') {
        this.sawCr = false;
        continue;
      }
      this.sawCr = ch === '\r';
      if (ch === '\r' || ch === '\n') {
        this.line(this.buffer, out, now);
        this.buffer = '';
      } else {
        this.buffer += ch;
      }
    }
    return out;
  }

  private line(line: string, out: SseItem[], now: number) {
    if (line === '') {
      if (this.data.length > 0) {
        out.push({ kind: 'event', at: now, event: { event: this.event || 'message', data: this.data.join('\n'), id: this.id } });
      }
      this.data = [];
      this.event = '';
      return;
    }
    if (line.startsWith(':')) {
      out.push({ kind: 'comment', text: line.slice(1).trimStart(), at: now });
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
  }
}

/** Read a fetch/undici response body as SSE items, time-stamped on arrival. */
export async function* readSse(body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>): AsyncGenerator<SseItem> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    const now = performance.now();
    yield* parser.push(decoder.decode(chunk, { stream: true }), now);
  }
  const rest = decoder.decode();
  if (rest) yield* parser.push(rest);
}
