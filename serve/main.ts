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
  runtime.deps.logger.info({ url: running.url, llm: config.llmMode, model: config.model, database: runtime.deps.db.backend, auth: config.authRequired ? 'api keys' : 'off (X-Memocha-User)' }, 'Memocha listening');
  // `npm start` execs node (package.json), so npm's forwarded signal lands here. Ctrl-C in a terminal reaches
  // npm and node both, and npm forwards its copy: later signals must not cut the graceful shutdown short
  // (it is bounded by SHUTDOWN_GRACE_MS anyway).
  let closing = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      runtime.deps.logger.info({ signal, alreadyClosing: closing }, 'signal received');
      if (closing) return;
      closing = true;
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
