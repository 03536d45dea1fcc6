import type { Logger } from 'pino';
import { testConfig } from '../../serve/config';
import type { DbBackend } from '../../serve/db';
import { openTestDb } from '../../serve/testing/db';
import type { MemoryService } from '../../serve/chat/memory-seam';
import { createRuntime, type Runtime } from '../../serve/runtime';
import { startServer, type RunningServer } from '../../serve/server';
import type { Simulator, SimulatorOptions } from '../../serve/llm/simulator';

export interface TestServer {
  url: string;
  runtime: Runtime;
  sim: Simulator;
  server: RunningServer;
  close(): Promise<void>;
}

/** Memocha on 127.0.0.1 with a real database (PGlite or the local PostgreSQL) and the built-in simulator. */
export async function startTestServer(opts: {
  backend?: DbBackend;
  env?: Record<string, string>;
  sim?: Partial<SimulatorOptions>;
  memory?: MemoryService;
  logger?: Logger;
} = {}): Promise<TestServer> {
  const { db, cleanup } = await openTestDb(opts.backend ?? 'pglite');
  const config = testConfig({ SIM_TTFT_MS: '5', SIM_ITL_MS: '1', PORT: '0', ...opts.env });
  const runtime = await createRuntime(config, { db, sim: opts.sim, memory: opts.memory, logger: opts.logger });
  const server = await startServer(runtime, 0, '127.0.0.1');
  if (!runtime.sim) throw new Error('test server expects the built-in simulator');
  return {
    url: server.url,
    runtime,
    sim: runtime.sim,
    server,
    async close() {
      await server.close(0);
      await cleanup();
    },
  };
}
