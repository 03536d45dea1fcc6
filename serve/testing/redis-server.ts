/** A private redis-server on a free port, for tests that stop or stall Redis without touching the shared one. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

export interface PrivateRedis {
  url: string;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
}

export async function startRedisServer(): Promise<PrivateRedis> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  };
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined); // refused until the server listens
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode})`);
      const up = await client.connect().then(
        () => client.ping().then((p) => p === 'PONG'),
        () => false,
      );
      if (up) return { url, kill };
      if (i > 200) throw new Error('redis-server did not start');
      await sleep(25);
    }
  } catch (err) {
    await kill();
    throw err;
  } finally {
    client.disconnect();
  }
}
