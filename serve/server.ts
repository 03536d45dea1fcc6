import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from './app';
import { jsonClientErrors } from './http/client-error';
import { ConfigError, openExposureProblem } from './config';
import type { Runtime } from './runtime';

export interface RunningServer {
  url: string;
  server: Server;
  /** Graceful: stop accepting, let streams finish for up to graceMs, abort the rest (stored as partial), close the pool. */
  close(graceMs?: number): Promise<void>;
}

export async function startServer(runtime: Runtime, port = runtime.deps.config.PORT, host = runtime.deps.config.HOST): Promise<RunningServer> {
  const { config } = runtime.deps;
  const exposed = openExposureProblem(config.authRequired, config.AUTH_ALLOW_OPEN, host);
  if (exposed) throw new ConfigError([exposed]);
  const app = createApp(runtime.deps);
  const server = app.listen(port, host);
  jsonClientErrors(server);
  await once(server, 'listening');
  server.keepAliveTimeout = 5_000;
  const { port: actual } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
  const { turns, logger } = runtime.deps;
  let closing: Promise<void> | undefined;

  async function shutdown(graceMs: number) {
    logger.info({ inflight: turns.size, graceMs }, 'shutting down: no new connections');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const deadline = Date.now() + graceMs;
    while (turns.size > 0 && Date.now() < deadline) await sleep(20);
    if (turns.size > 0) {
      logger.warn({ aborted: turns.size }, 'grace period over: aborting open answers');
      turns.cancelAll('server_shutting_down');
      const hard = Date.now() + 5_000;
      while (turns.size > 0 && Date.now() < hard) await sleep(10);
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
