import type { Context } from 'koa';

export interface SseStream {
  /**
   * Write one event. `coalesce: true` (token events) lets it share a socket write with the events that
   * follow it within `coalesceMs` (see openSse); every other write goes out at once, after anything held.
   */
  send(event: string, data: unknown, opts?: { coalesce?: boolean }): boolean;
  /** Write one unnamed event, `data: <data>` (OpenAI's stream format: `data` is already serialized). */
  sendData(data: string, opts?: { coalesce?: boolean }): boolean;
  comment(text: string): void;
  close(): void;
  /** Aborted when the client goes away before close(). */
  readonly signal: AbortSignal;
  readonly closed: boolean;
  /** Socket writes (res.write calls) so far, headers excluded. */
  readonly writes: number;
}

/**
 * Take over the response as a Server-Sent Events stream. Koa no longer touches the response;
 * an idle stream gets a keep-alive comment every `keepAliveMs`.
 *
 * Write coalescing (`coalesceMs` > 0, SSE_COALESCE_MS): still one SSE event per token, but a coalescable
 * event that arrives while a window is open is held and the window's events go out in one socket write
 * when it ends. A window opens when a coalescable event is written at once: an event arriving with no
 * window open — the first token of a stream, or the first after a pause — is never held, so coalescing
 * adds nothing to TTFT and at most `coalesceMs` to any later token. Any other write (meta, done, error,
 * keep-alive, close) first flushes what is held, so the order of events never changes.
 */
export function openSse(ctx: Context, opts: { keepAliveMs: number; headers?: Record<string, string>; coalesceMs?: number }): SseStream {
  const res = ctx.res;
  const controller = new AbortController();
  const coalesceMs = Math.max(0, opts.coalesceMs ?? 0);
  let closed = false;
  let lastWrite = Date.now();
  let writes = 0;
  /** Coalesced events waiting for the end of the window. */
  let held = '';
  /** Set while a coalescing window is open; re-armed with refresh(). */
  let windowTimer: NodeJS.Timeout | undefined;
  let windowOpen = false;

  ctx.respond = false;
  ctx.req.socket.setNoDelay(true);
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
    ...opts.headers,
  });
  res.flushHeaders();

  const writable = () => !closed && !res.writableEnded && !res.destroyed;
  const rawWrite = (chunk: string): boolean => {
    lastWrite = Date.now();
    writes += 1;
    return res.write(chunk);
  };
  /** Write now, after anything held. */
  const write = (chunk: string): boolean => {
    if (!writable()) return false;
    const out = held + chunk;
    held = '';
    return rawWrite(out);
  };
  const endOfWindow = () => {
    if (held && writable()) {
      const out = held;
      held = '';
      rawWrite(out);
      windowTimer?.refresh(); // what was held went out now: keep collecting for another window
    } else {
      windowOpen = false;
    }
  };
  const coalesced = (chunk: string): boolean => {
    if (!writable()) return false;
    if (windowOpen) {
      held += chunk;
      return true;
    }
    windowOpen = true;
    if (windowTimer) windowTimer.refresh();
    else windowTimer = setTimeout(endOfWindow, coalesceMs);
    return write(chunk);
  };

  const timer = setInterval(() => {
    if (Date.now() - lastWrite >= opts.keepAliveMs) write(': keep-alive\n\n');
  }, Math.max(10, Math.floor(opts.keepAliveMs / 2)));
  timer.unref();

  const onClose = () => {
    clearInterval(timer);
    clearTimeout(windowTimer);
    held = '';
    if (!closed) {
      closed = true;
      controller.abort(new Error('client disconnected'));
    }
  };
  res.on('close', onClose);

  return {
    signal: controller.signal,
    get closed() {
      return closed;
    },
    get writes() {
      return writes;
    },
    send(event, data, sendOpts) {
      const chunk = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
      return sendOpts?.coalesce && coalesceMs > 0 ? coalesced(chunk) : write(chunk);
    },
    sendData(data, sendOpts) {
      const chunk = `data: ${data.replace(/\n/g, '\ndata: ')}\n\n`;
      return sendOpts?.coalesce && coalesceMs > 0 ? coalesced(chunk) : write(chunk);
    },
    comment(text) {
      write(`: ${text.replace(/\n/g, ' ')}\n\n`);
    },
    close() {
      clearInterval(timer);
      clearTimeout(windowTimer);
      if (closed) return;
      if (held && writable()) write('');
      closed = true;
      res.end();
    },
  };
}

export function wantsSse(ctx: Context): boolean {
  const q = ctx.query.stream;
  if (q === 'true' || q === '1') return true;
  if (q === 'false' || q === '0') return false;
  return (ctx.get('accept') || '').includes('text/event-stream');
}
