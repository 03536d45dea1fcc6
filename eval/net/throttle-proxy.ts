/**
 * A throttling TCP proxy on 127.0.0.1 (node:net) for slow-network conditions: every connection to
 * the proxy is forwarded to the target, and each direction goes through its own LinkSchedule
 * (one-way latency + bandwidth limit). Bytes are written on an absolute schedule computed when they
 * arrive, in order, never early; the proxy holds at most `maxBufferedBytes` per direction before it
 * stops reading (so a slow reader's back-pressure still reaches the sender).
 */
import net from 'node:net';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { LinkSchedule, sliceBytes, type LinkOptions } from './link';

export interface ThrottleOptions extends LinkOptions {
  /** client → target overrides (default: the shared latencyMs / bytesPerSec) */
  up?: LinkOptions;
  /** target → client overrides */
  down?: LinkOptions;
  /** bytes queued per direction before the proxy pauses reading (default 256 KiB) */
  maxBufferedBytes?: number;
  /** where the proxy listens (default 127.0.0.1, an ephemeral port) */
  host?: string;
  port?: number;
}

export interface ThrottleStats {
  connections: number;
  /** bytes delivered client → target */
  bytesUp: number;
  /** bytes delivered target → client */
  bytesDown: number;
}

export interface ThrottleProxy {
  readonly host: string;
  readonly port: number;
  /** http://host:port, for HTTP clients */
  readonly url: string;
  stats(): ThrottleStats;
  /** stop listening and destroy every open connection */
  close(): Promise<void>;
}

interface Entry {
  at: number;
  buf: Buffer;
}

/** Forward src → dst through `link`; returns nothing, cleans up through socket events. */
function pipeThrottled(src: Socket, dst: Socket, link: LinkSchedule, slice: number, maxBuffered: number, count: (n: number) => void): void {
  const queue: Entry[] = [];
  let head = 0;
  let queued = 0;
  let ended = false;
  let timer: NodeJS.Timeout | undefined;
  let blocked = false;

  const flush = (): void => {
    if (timer !== undefined || blocked || dst.destroyed) return;
    while (head < queue.length) {
      const e = queue[head] as Entry;
      const wait = e.at - performance.now();
      if (wait > 0) {
        // setTimeout may fire a little early against performance.now(): flush() re-checks and re-arms
        timer = setTimeout(() => {
          timer = undefined;
          flush();
        }, Math.max(1, Math.ceil(wait)));
        return;
      }
      head++;
      if (head >= 1024) {
        queue.splice(0, head);
        head = 0;
      }
      queued -= e.buf.length;
      count(e.buf.length);
      const ok = dst.write(e.buf);
      if (src.isPaused() && queued <= maxBuffered / 2 && !src.destroyed) src.resume();
      if (!ok) {
        blocked = true;
        dst.once('drain', () => {
          blocked = false;
          flush();
        });
        return;
      }
    }
    queue.length = 0;
    head = 0;
    if (ended && !dst.writableEnded) dst.end();
  };

  src.on('data', (data: Buffer) => {
    const now = performance.now();
    for (let off = 0; off < data.length; off += slice) {
      const buf = data.subarray(off, Math.min(data.length, off + slice));
      queue.push({ at: link.schedule(buf.length, now), buf });
      queued += buf.length;
    }
    if (queued > maxBuffered) src.pause();
    flush();
  });
  src.on('end', () => {
    ended = true;
    flush();
  });
  src.on('close', () => {
    // closed without an orderly end (reset, destroy): drop what is queued and close the other side
    if (!ended) {
      clearTimeout(timer);
      dst.destroy();
    }
  });
  dst.on('close', () => clearTimeout(timer));
}

/** Start a proxy to `target` (a TCP host and port, e.g. Memocha's). */
export async function startThrottleProxy(target: { host: string; port: number }, o: ThrottleOptions = {}): Promise<ThrottleProxy> {
  const up: LinkOptions = { latencyMs: o.latencyMs, bytesPerSec: o.bytesPerSec, ...o.up };
  const down: LinkOptions = { latencyMs: o.latencyMs, bytesPerSec: o.bytesPerSec, ...o.down };
  new LinkSchedule(up); // validate before listening
  new LinkSchedule(down);
  const maxBuffered = o.maxBufferedBytes ?? 256 * 1024;
  const sockets = new Set<Socket>();
  const stats: ThrottleStats = { connections: 0, bytesUp: 0, bytesDown: 0 };
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };

  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    stats.connections++;
    const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
    track(client);
    track(upstream);
    pipeThrottled(client, upstream, new LinkSchedule(up), sliceBytes(up.bytesPerSec), maxBuffered, (n) => (stats.bytesUp += n));
    pipeThrottled(upstream, client, new LinkSchedule(down), sliceBytes(down.bytesPerSec), maxBuffered, (n) => (stats.bytesDown += n));
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');
  const port = address.port;
  return {
    host,
    port,
    url: `http://${host}:${port}`,
    stats: () => ({ ...stats }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
