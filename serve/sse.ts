import type { Context } from 'koa';

export interface SseStream {
  send(event: string, data: unknown): boolean;
  comment(text: string): void;
  close(): void;
  /** Aborted when the client goes away before close(). */
  readonly signal: AbortSignal;
  readonly closed: boolean;
}

/**
 * Take over the response as a Server-Sent Events stream. Koa no longer touches the response;
 * an idle stream gets a keep-alive comment every `keepAliveMs`.
 */
export function openSse(ctx: Context, opts: { keepAliveMs: number; headers?: Record<string, string> }): SseStream {
  const res = ctx.res;
  const controller = new AbortController();
  let closed = false;
  let lastWrite = Date.now();

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

  const write = (chunk: string): boolean => {
    if (closed || res.writableEnded || res.destroyed) return false;
    lastWrite = Date.now();
    return res.write(chunk);
  };

  const timer = setInterval(() => {
    if (Date.now() - lastWrite >= opts.keepAliveMs) write(': keep-alive\n\n');
  }, Math.max(10, Math.floor(opts.keepAliveMs / 2)));
  timer.unref();

  const onClose = () => {
    clearInterval(timer);
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
    send(event, data) {
      return write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    comment(text) {
      write(`: ${text.replace(/\n/g, ' ')}\n\n`);
    },
    close() {
      clearInterval(timer);
      if (closed) return;
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
