import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../serve';
import { startStack } from '../../serve/testing';
import { api } from '../support/client';

const run = promisify(execFile);

describe('npm run memory:reindex', () => {
  it('re-embeds every stored message into a fresh memories table', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'memocha-reindex-'));
    try {
      const db = await openDb({ dataDir });
      const t = await startStack({ env: { DATA_DIR: dataDir, SIM_TTFT_MS: '1', SIM_ITL_MS: '0', MEMORY_CHUNKING: 'message' }, db });
      for (const content of ['I keep bees on my roof.', 'My car is a green Volvo.']) await api(`${t.url}/chat`, { body: { message: content } });
      await t.runtime.memoryService!.idle();
      const before = await t.runtime.memoryService!.count('default');
      await t.close();
      await db.close();
      expect(before).toBeGreaterThan(0);

      const out = await run('npx', ['tsx', 'serve/memory/reindex.ts'], { env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'silent', MEMORY_CHUNKING: 'message' }, timeout: 90_000 });
      expect(out.stdout).toMatch(/re-indexed 4 messages/);

      const again = await openDb({ dataDir });
      const rows = (await again.knex('memories').where('user_id', 'default').select('text')) as { text: string }[];
      await again.close();
      expect(rows.length).toBe(before);
      expect(rows.map((r) => r.text).join(' ')).toContain('green Volvo');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
