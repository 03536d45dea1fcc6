import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from './app';
import type { Runtime } from './runtime';

export interface RunningServer {
  url: string;
  server: Server;
  /** Graceful: stop accepting, let streams finish for up to graceMs, abort the rest (stored as partial), close the pool. */
  close(graceMs?: number): Promise<void>;
}

export async function startServer(runtime: Runtime, port = runtime.deps.config.PORT, host = runtime.deps.config.HOST): Promise<RunningServer> {
  const app = createApp(runtime.deps);
  const server = app.listen(port, host);
  await once(server, 'listening');
  server.keepAliveTimeout = 5_000;
  const { port: actual } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
  const { inflight, logger } = runtime.deps;
  let closing: Promise<void> | undefined;

  async function shutdown(graceMs: number) {
    logger.info({ inflight: inflight.size, graceMs }, 'shutting down: no new connections');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const deadline = Date.now() + graceMs;
    while (inflight.size > 0 && Date.now() < deadline) await sleep(20);
    if (inflight.size > 0) {
      logger.warn({ aborted: inflight.size }, 'grace period over: aborting open answers');
      for (const c of inflight) c.abort();
      const hard = Date.now() + 5_000;
      while (inflight.size > 0 && Date.now() < hard) await sleep(10);
    }
    server.closeAllConnections();
    await closed;
    await runtime.close();
    logger.info('shutdown complete');
  }

  return {
    url,
    server,
    close(graceMs = runtime.deps.config.SHUTDOWN_GRACE_MS) {
      closing ??= shutdown(graceMs);
      return closing;
    },
  };
}
