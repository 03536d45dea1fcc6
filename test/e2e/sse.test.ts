import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { Context } from 'koa';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readSse, type SseItem } from '../../eval/client/sse';
import { openSse, type SseStream } from '../../serve';

const TOKENS = ['Hello', ',', ' wor', 'ld', ' — ', 'ünï', 'cödé', ' and', ' "quotes"', '\n', 'new line', '.'];
/** Long enough that a held token can only leave with the next non-token write during a test. */
const HUGE_WINDOW_MS = 600_000;

interface Served {
  url: string;
  close(): Promise<void>;
}

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

/**
 * A real HTTP server whose one route streams: meta, the first token, then waits for `gate` (released by
 * the client once it has parsed the first token), then the other tokens back to back, done, close.
 */
async function serve(coalesceMs: number, gate: Promise<void>, seen: { sse?: SseStream }): Promise<Served> {
  const app = new Koa();
  app.use(async (ctx) => {
    const sse = openSse(ctx, { keepAliveMs: 60_000, coalesceMs });
    seen.sse = sse;
    sse.send('meta', { n: TOKENS.length });
    sse.send('token', { text: TOKENS[0] }, { coalesce: true });
    await gate;
    for (const text of TOKENS.slice(1)) sse.send('token', { text }, { coalesce: true });
    sse.send('done', { text: TOKENS.join('') });
    sse.close();
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function stream(coalesceMs: number) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const seen: { sse?: SseStream } = {};
  served = await serve(coalesceMs, gate, seen);
  const res = await fetch(served.url, { headers: { accept: 'text/event-stream' } });
  const events: { event: string; data: { text?: string } }[] = [];
  let writesAtFirstToken = -1;
  for await (const item of readSse(res.body!) as AsyncGenerator<SseItem>) {
    if (item.kind !== 'event') continue;
    events.push({ event: item.event.event, data: JSON.parse(item.event.data) as { text?: string } });
    if (item.event.event === 'token' && writesAtFirstToken < 0) {
      // The client has the first token while the server still waits for the gate: it was not held.
      writesAtFirstToken = seen.sse!.writes;
      release();
    }
  }
  return { events, writes: seen.sse!.writes, writesAtFirstToken };
}

describe('openSse write coalescing (real HTTP, real SSE parsing)', () => {
  it('off: one socket write per event', async () => {
    const r = await stream(0);
    expect(r.events.map((e) => e.event)).toEqual(['meta', ...TOKENS.map(() => 'token'), 'done']);
    expect(r.events.filter((e) => e.event === 'token').map((e) => e.data.text)).toEqual(TOKENS);
    expect(r.writesAtFirstToken).toBe(2); // meta, token 1
    expect(r.writes).toBe(TOKENS.length + 2);
  });

  it('on: the same events; the first token is written at once, later tokens share writes', async () => {
    const off = await stream(0);
    await served?.close();
    served = undefined;
    const on = await stream(HUGE_WINDOW_MS);
    expect(on.events).toEqual(off.events);
    const tokens = on.events.filter((e) => e.event === 'token').map((e) => e.data.text);
    expect(tokens).toEqual(TOKENS);
    expect(tokens.join('')).toBe(on.events.at(-1)!.data.text);
    // meta and the first token went out alone, before the server produced the second token...
    expect(on.writesAtFirstToken).toBe(2);
    // ...and tokens 2..n, held by the open window, left in one write together with `done`.
    expect(on.writes).toBe(3);
  });
});

describe('openSse coalescing window (fake timers, fake response)', () => {
  function fakeCtx() {
    const writes: string[] = [];
    const res = Object.assign(new EventEmitter(), {
      writableEnded: false,
      destroyed: false,
      writeHead: () => undefined,
      flushHeaders: () => undefined,
      write: (chunk: string) => writes.push(chunk) > 0,
      end: () => {
        res.writableEnded = true;
      },
    });
    const ctx = { res, req: { socket: { setNoDelay: () => undefined } }, respond: true } as unknown as Context;
    return { ctx, writes, res };
  }
  const tokensIn = (chunk: string) => [...chunk.matchAll(/event: token\ndata: (.*)\n\n/g)].map((m) => (JSON.parse(m[1]!) as { text: string }).text);

  it('writes a token at once when no window is open, holds tokens within the window, flushes at its end', () => {
    vi.useFakeTimers();
    try {
      const { ctx, writes } = fakeCtx();
      const sse = openSse(ctx, { keepAliveMs: 60_000, coalesceMs: 5 });
      sse.send('meta', {});
      sse.send('token', { text: 'a' }, { coalesce: true });
      expect(writes).toHaveLength(2); // first token: at once
      sse.send('token', { text: 'b' }, { coalesce: true });
      sse.send('token', { text: 'c' }, { coalesce: true });
      expect(writes).toHaveLength(2); // held
      vi.advanceTimersByTime(5);
      expect(writes).toHaveLength(3);
      expect(tokensIn(writes[2]!)).toEqual(['b', 'c']); // one write, still one event per token
      sse.send('token', { text: 'd' }, { coalesce: true });
      expect(writes).toHaveLength(3); // the window was re-armed by the flush
      vi.advanceTimersByTime(5);
      expect(tokensIn(writes[3]!)).toEqual(['d']);
      vi.advanceTimersByTime(5); // nothing held: the window closes
      sse.send('token', { text: 'e' }, { coalesce: true });
      expect(writes).toHaveLength(5); // after a pause: at once again
      sse.send('token', { text: 'f' }, { coalesce: true });
      sse.send('done', {});
      expect(writes).toHaveLength(6); // done flushes what is held first, in order
      expect(writes[5]).toMatch(/^event: token\ndata: \{"text":"f"\}\n\nevent: done\n/);
      sse.send('token', { text: 'g' }, { coalesce: true });
      sse.close();
      expect(tokensIn(writes.join(''))).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']); // close flushes too
      expect(sse.writes).toBe(writes.length);
    } finally {
      vi.useRealTimers();
    }
  });

  it('drops what is held when the client goes away', () => {
    vi.useFakeTimers();
    try {
      const { ctx, writes, res } = fakeCtx();
      const sse = openSse(ctx, { keepAliveMs: 60_000, coalesceMs: 5 });
      sse.send('token', { text: 'a' }, { coalesce: true });
      sse.send('token', { text: 'b' }, { coalesce: true });
      res.emit('close');
      vi.advanceTimersByTime(50);
      expect(writes).toHaveLength(1);
      expect(sse.signal.aborted).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
