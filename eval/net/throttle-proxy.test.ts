import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { startThrottleProxy, type ThrottleProxy } from './throttle-proxy';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function listen(handler: (s: Socket) => void): Promise<{ host: string; port: number }> {
  const server: Server = net.createServer({ allowHalfOpen: true }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set<Socket>();
  server.on('connection', (s) => sockets.add(s));
  cleanup.push(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
}

async function proxy(target: { host: string; port: number }, o: Parameters<typeof startThrottleProxy>[1]): Promise<ThrottleProxy> {
  const p = await startThrottleProxy(target, o);
  cleanup.push(() => p.close());
  return p;
}

function connect(p: ThrottleProxy): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: p.host, port: p.port, noDelay: true }, () => resolve(s));
    s.once('error', reject);
    cleanup.push(async () => void s.destroy());
  });
}

/** Everything the socket receives until it ends. */
function readAll(s: Socket): Promise<{ data: Buffer; lastAt: number }> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let lastAt = 0;
    s.on('data', (d: Buffer) => {
      parts.push(d);
      lastAt = performance.now();
    });
    s.once('end', () => resolve({ data: Buffer.concat(parts), lastAt }));
    s.once('error', reject);
  });
}

describe('throttle proxy', () => {
  it('adds at least the configured one-way latency in each direction (echo round trip >= 2 × latency)', async () => {
    const echo = await listen((s) => s.pipe(s));
    const p = await proxy(echo, { latencyMs: 40 });
    const s = await connect(p);
    const rtts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const got = new Promise<void>((resolve) => s.once('data', () => resolve()));
      s.write(`ping ${i}`);
      await got;
      rtts.push(performance.now() - t0);
    }
    for (const rtt of rtts) expect(rtt).toBeGreaterThanOrEqual(80);
  });

  it('delivers every byte intact and in order, in both directions', async () => {
    const echo = await listen((s) => s.pipe(s));
    const p = await proxy(echo, { latencyMs: 2, bytesPerSec: 20_000_000 });
    const s = await connect(p);
    const payload = randomBytes(300_000);
    const received = readAll(s);
    // many writes of uneven sizes
    for (let off = 0, k = 1; off < payload.length; k++) {
      const n = (k * 7919) % 9000 + 1;
      s.write(payload.subarray(off, off + n));
      off += n;
    }
    s.end();
    const { data } = await received;
    expect(data.length).toBe(payload.length);
    expect(createHash('sha256').update(data).digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
    expect(p.stats()).toMatchObject({ connections: 1, bytesUp: payload.length, bytesDown: payload.length });
  });

  it('limits the bandwidth: N bytes take at least N / rate', async () => {
    const n = 12_000;
    const rate = 40_000; // bytes/s → at least 300 ms
    const sink = await listen((s) => {
      const parts: Buffer[] = [];
      s.on('data', (d: Buffer) => parts.push(d));
      s.on('end', () => s.end(String(Buffer.concat(parts).length)));
    });
    const p = await proxy(sink, { up: { bytesPerSec: rate } });
    const s = await connect(p);
    const reply = readAll(s);
    const t0 = performance.now();
    s.end(randomBytes(n));
    const { data, lastAt } = await reply;
    expect(Number(data.toString())).toBe(n);
    expect(lastAt - t0).toBeGreaterThanOrEqual((n / rate) * 1000);
  });

  it('closes the client side when the target refuses the connection', async () => {
    const p = await proxy({ host: '127.0.0.1', port: 1 }, {});
    const s = await connect(p);
    await new Promise<void>((resolve) => s.once('close', () => resolve()));
    expect(s.destroyed).toBe(true);
  });
});
