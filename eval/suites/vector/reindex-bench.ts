/**
 * `npm run memory:reindex` throughput: seeds N chat messages (user/assistant pairs, `--per-session`
 * per session, one user per 10 sessions) into a fresh PGlite under a temp DATA_DIR, runs the real
 * CLI (serve/memory/reindex.ts) as a child process with the given EMBEDDINGS, and reports what it
 * printed plus memories/s and messages/s over the CLI's own timing (model or table load excluded:
 * the CLI starts its clock after the embedder and the store are ready).
 *
 *   npx tsx eval/suites/vector/reindex-bench.ts [--messages 5000] [--per-session 20]
 *       [--embeddings static] [--chunking turn] [--keep]
 *
 * The static table is read from (or built once into) ./data/embeddings through a symlink, so the
 * measurement does not include a build.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { openDb } from '../../../serve';
import { sentence } from './measure';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../../..');

const REPLIES = ['That sounds great — tell me more about it.', 'Noted. Anything else I should remember?', 'Oh no, I hope it works out.', 'How exciting! When did you decide that?'];

async function seed(dataDir: string, messages: number, perSession: number): Promise<void> {
  const db = await openDb({ dataDir });
  try {
    const k = db.knex;
    const sessions = Math.ceil(messages / perSession);
    const users = [...new Set(Array.from({ length: sessions }, (_, s) => `user-${Math.floor(s / 10)}`))];
    await k('users').insert(users.map((id) => ({ id })));
    const t0 = Date.parse('2024-01-01T00:00:00Z');
    let n = 0;
    for (let s = 0; s < sessions; s++) {
      const sessionId = randomUUID();
      const userId = `user-${Math.floor(s / 10)}`;
      await k('sessions').insert({ id: sessionId, user_id: userId });
      const rows = [];
      for (let i = 0; i < perSession && n < messages; i++, n++) {
        const user = i % 2 === 0;
        rows.push({
          id: randomUUID(),
          session_id: sessionId,
          user_id: userId,
          role: user ? 'user' : 'assistant',
          content: user ? sentence(n) : (REPLIES[n % REPLIES.length] as string),
          status: 'complete',
          created_at: new Date(t0 + n * 60_000),
        });
      }
      await k.batchInsert('messages', rows, 500);
    }
  } finally {
    await db.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '5000' },
      'per-session': { type: 'string', default: '20' },
      embeddings: { type: 'string', default: 'static' },
      chunking: { type: 'string', default: 'turn' },
      keep: { type: 'boolean', default: false },
    },
  });
  const messages = Number(values.messages);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'memocha-reindex-bench-'));
  try {
    await mkdir(path.join(ROOT, 'data', 'embeddings'), { recursive: true });
    await symlink(path.join(ROOT, 'data', 'embeddings'), path.join(dataDir, 'embeddings'));
    const t0 = performance.now();
    await seed(dataDir, messages, Number(values['per-session']));
    process.stderr.write(`seeded ${messages} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s into ${dataDir}\n`);
    const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'silent', EMBEDDINGS: values.embeddings, MEMORY_CHUNKING: values.chunking, EMBEDDINGS_WORKER: 'false' };
    const out = await run('npx', ['tsx', path.join(ROOT, 'serve/memory/reindex.ts')], { env, cwd: ROOT, timeout: 3_600_000, maxBuffer: 1 << 24 });
    const line = out.stdout.trim().split('\n').pop() ?? '';
    const m = /re-indexed (\d+) messages .* into (\d+) memories with (\S+) in ([\d.]+) s/.exec(line);
    if (!m) throw new Error(`unexpected memory:reindex output: ${out.stdout}${out.stderr}`);
    const [msgs, memories, embedder, seconds] = [Number(m[1]), Number(m[2]), m[3], Number(m[4])];
    console.log(line);
    console.log(JSON.stringify({ embedder, chunking: values.chunking, messages: msgs, memories, seconds, memoriesPerSec: Math.round(memories / seconds), messagesPerSec: Math.round(msgs / seconds) }));
  } finally {
    if (!values.keep) await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
