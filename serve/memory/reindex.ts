/**
 * npm run memory:reindex — re-embed every stored message with the configured embedder, e.g. after
 * changing EMBEDDINGS. With pgvector or pgarray the memories table is dropped first (its vector size is fixed
 * at creation); with Milvus, drop the collection yourself first.
 */
import { loadConfig } from '../config';
import { openDb } from '../db';
import { createRepos } from '../db/repos';
import { createLogger } from '../logger';
import { createMemoryFromConfig } from './wire';

async function main() {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'memocha-reindex');
  const db = await openDb({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: config.DB_POOL_MAX, pgliteMode: config.PGLITE_MODE });
  try {
    if (config.VECTOR_STORE === 'pgvector' || config.VECTOR_STORE === 'pgarray') await db.knex.schema.dropTableIfExists('memories');
    const repos = createRepos(db.knex);
    const reset = await repos.memoryIndex.reset({});
    const memory = await createMemoryFromConfig({ config, db, repos, logger });
    if (!memory) throw new Error('MEMORY_ENABLED=false: nothing to re-index');
    if (memory.startupError) throw new Error(memory.startupError);
    // Load the model (or read / build the static table) before the clock starts: the figure is re-indexing speed.
    await memory.embedder.warmup?.();
    const started = performance.now();
    for (;;) {
      const before = memory.service.stats().indexer.messagesIndexed;
      await memory.service.sweep({ minAgeMs: 0 });
      await memory.service.idle();
      const s = memory.service.stats().indexer;
      if (s.failures > 0) throw new Error(`indexing failed: ${s.lastError}`);
      if (s.messagesIndexed === before) break;
    }
    const s = memory.service.stats().indexer;
    console.log(
      `re-indexed ${s.messagesIndexed} messages (${reset} were indexed before) into ${s.chunksUpserted} memories with ${memory.embedder.id} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    await memory.service.close();
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`memory:reindex failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
