/**
 * A lean Server-Sent Events decoder for upstream chat-completion streams (the WHATWG event-stream
 * format: `data:`/`event:` fields, `:` comments, events ended by a blank line, LF, CRLF or CR line ends).
 * It does no JSON parsing: the provider parses each event's data and skips what does not parse.
 */

export interface SseMessage {
  /** The `event:` field, or undefined for the default `message`. */
  event: string | undefined;
  /** The `data:` lines joined with `\n`. */
  data: string;
}

export class SseDecoder {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  private data: string[] = [];
  private event: string | undefined;

  /** Feed bytes; returns the events completed by them. */
  push(chunk: Uint8Array | string): SseMessage[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    return this.drain();
  }

  private drain(): SseMessage[] {
    const out: SseMessage[] = [];
    const b = this.buffer;
    let start = 0;
    for (;;) {
      const lf = b.indexOf('\n', start);
      const cr = b.indexOf('\r', start);
      if (lf < 0 && cr < 0) break;
      let end: number;
      let next: number;
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        // CR: a line end on its own, or the first half of CRLF (wait for the next byte)
        if (cr === b.length - 1) break;
        end = cr;
        next = b.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
      } else {
        end = lf;
        next = lf + 1;
      }
      this.line(b.slice(start, end), out);
      start = next;
    }
    this.buffer = start === 0 ? b : b.slice(start);
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line.length === 0) {
      this.dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    // id and retry are of no use for a one-shot completion stream
  }

  private dispatch(out: SseMessage[]): void {
    if (this.data.length > 0) out.push({ event: this.event, data: this.data.length === 1 ? (this.data[0] as string) : this.data.join('\n') });
    this.data = [];
    this.event = undefined;
  }
}
