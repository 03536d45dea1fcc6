import { type Config, embedderFromConfig, type EmbeddingProvider, loadConfig } from '../../../serve';

/** The server configuration the memory suites answer with: the environment's, on the built-in simulator unless an LLM is configured, on a private embedded database. */
export function evalServerConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig({
    ...env,
    LOG_LEVEL: env.LOG_LEVEL ?? 'warn',
    SIM_TTFT_MS: env.SIM_TTFT_MS ?? '0',
    SIM_ITL_MS: env.SIM_ITL_MS ?? '0',
    MEMORY_SWEEP_MS: '3600000',
    DATABASE_URL: '',
  });
}

/** The server's embedder, in this thread, with a cache large enough that every question is embedded once per run. */
export function evalEmbedder(server: Config): EmbeddingProvider {
  return embedderFromConfig(server, { cacheEntries: 50_000, worker: false });
}
