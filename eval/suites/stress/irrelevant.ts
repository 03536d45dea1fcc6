/**
 * (c) Retrieval with nothing relevant, through the chat: a user with no memories at all, and a user
 * whose memories are about other things, ask an unrelated question. The chat must answer, with no
 * memory in the prompt (the service keeps only memories scoring ≥ MEMORY_MIN_SCORE).
 */
import { createPgvectorStore, embedderFromConfig } from '../../../serve';
import { chatOnce, type ChatResult } from '../../client/chat';
import type { Target } from '../../harness/target';

export interface IrrelevantCase {
  name: 'no-memories' | 'unrelated-memories';
  ok: boolean;
  error?: string;
  /** memories put in the prompt (SSE meta) */
  memoriesUsed: number;
  /** memories the user has in the store */
  memoriesStored: number | null;
  /** best cosine of any of the user's memories to the question (service search, no threshold), when known */
  bestScore: number | null;
  answerChars: number;
  e2elMs: number;
  ttftMs: number | null;
  retrievalMs: number | null;
}

const QUESTION = 'How far is the Moon from the Earth, roughly?';
const UNRELATED = ['I repaired the kitchen tap this weekend with a new washer.', 'My favourite board game is Carcassonne; we play it on Fridays.', 'I switched my phone plan to a cheaper one last month.'];

export async function irrelevant(target: Target, o: { userPrefix: string; signal: AbortSignal }): Promise<IrrelevantCase[]> {
  const memory = target.runtime?.memoryService;
  const out: IrrelevantCase[] = [];
  const fresh = `${o.userPrefix}-fresh`;
  out.push(await ask(target, 'no-memories', fresh, o.signal));
  const told = `${o.userPrefix}-unrelated`;
  let sessionId: string | undefined;
  for (const m of UNRELATED) {
    const r = await chatOnce(target.url, { message: m, user: told, stream: false, ...(sessionId ? { sessionId } : {}), signal: o.signal });
    sessionId ??= r.sessionId;
    await memory?.idle();
  }
  out.push(await ask(target, 'unrelated-memories', told, o.signal));
  return out;
}

async function ask(target: Target, name: IrrelevantCase['name'], user: string, signal: AbortSignal): Promise<IrrelevantCase> {
  // what the user holds before asking (the question's own turn is indexed right after it)
  const memory = target.runtime?.memoryService;
  const stored = memory ? await memory.count(user) : null;
  const best = stored ? await rawBestScore(target, user, QUESTION).catch(() => null) : null;
  const r: ChatResult = await chatOnce(target.url, { message: QUESTION, user, stream: true, signal });
  const first = r.chunks.find((c) => c.text.length > 0);
  return {
    name,
    ok: r.ok,
    ...(r.ok ? {} : { error: r.error ?? `HTTP ${r.status}` }),
    memoriesUsed: r.memories ?? 0,
    memoriesStored: stored,
    bestScore: best,
    answerChars: r.chunks.reduce((s, c) => s + c.text.length, 0),
    e2elMs: r.endAt - r.sentAt,
    ttftMs: first ? first.at - r.sentAt : null,
    retrievalMs: r.serverTimings?.retrievalMs ?? null,
  };
}

/** The best raw cosine of the user's memories to `query`, read from the pgvector table with no threshold. */
async function rawBestScore(target: Target, user: string, query: string): Promise<number | null> {
  const deps = target.runtime?.deps;
  if (!deps || deps.config.VECTOR_STORE !== 'pgvector') return null;
  const embedder = embedderFromConfig(deps.config, { cacheEntries: 0, worker: false });
  const store = createPgvectorStore({ knex: deps.db.knex, backend: deps.db.backend });
  await store.ensure(embedder.dimensions);
  const [vector] = await embedder.embed([query]);
  if (!vector) return null;
  const hits = await store.search(vector, { k: 1, filter: { userId: user } });
  return hits[0]?.score ?? null;
}
