import { ConfigError, loadConfig } from './config';
import { createRuntime } from './runtime';
import { startServer } from './server';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const runtime = await createRuntime(config);
  const running = await startServer(runtime);
  runtime.deps.logger.info({ url: running.url, llm: config.llmMode, model: config.model, database: runtime.deps.db.backend }, 'Memocha listening');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      runtime.deps.logger.info({ signal }, 'signal received');
      running.close().then(
        () => process.exit(0),
        (err: unknown) => {
          runtime.deps.logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`Memocha failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
