/**
 * Ask the dataset's questions through the real chat endpoint: a Memocha server over the ingested
 * database, whose long-term memory is the variant under test. Each question goes to a new session
 * of its conversation's user. Retrieval runs on the dataset's clock ("now" = when the question is
 * asked), and questions are not indexed as memories (they would leak into later questions).
 */
import type { Logger } from 'pino';
import { request } from 'undici';
import { createMemoryService, noMemory, type Config, type EmbeddingProvider, type FullMemoryService, type MemoryService, type UsedMemory } from '../../../serve';
import { startStack } from '../../../serve/testing';
import type { ResolvedVariant } from './config';
import type { IngestedStore } from './ingest';

export interface Answer {
  ok: boolean;
  answer: string;
  /** the memories the prompt held */
  memories: UsedMemory[];
  status: number;
  error?: string;
  ms: number;
}

export interface AskEnv {
  url: string;
  model: string;
  /** Switch the long-term memory the server uses ('off' = no memory at all). */
  use(variant: ResolvedVariant | 'off'): Promise<void>;
  /** The variant's ranked memories for a query (retrieval metrics), at the given "now". */
  rank(userId: string, query: string, depth: number, now: Date): Promise<UsedMemory[]>;
  ask(userId: string, question: string, now: Date, signal?: AbortSignal): Promise<Answer>;
  close(): Promise<void>;
}

export async function startAskEnv(p: { ingested: IngestedStore; embedder: EmbeddingProvider; config: Config; logger: Logger }): Promise<AskEnv> {
  const { ingested, embedder, config, logger } = p;
  let now = new Date();
  let current: FullMemoryService | null = null;
  const delegate: MemoryService = {
    retrieve: (q, signal) => (current ?? noMemory).retrieve(q, signal),
    afterTurn: () => undefined,
  };
  const stack = await startStack({ config, llm: 'config', db: ingested.db, logger, memory: delegate, graceMs: 1_000 });

  async function use(variant: ResolvedVariant | 'off') {
    await current?.close();
    current =
      variant === 'off'
        ? null
        : createMemoryService({ config, repos: ingested.repos, store: ingested.store, embedder, logger, retrieval: variant.retrieval, chunking: variant.chunking, clock: () => now });
  }

  return {
    url: stack.url,
    model: config.model,
    use,
    async rank(userId, query, depth, at) {
      if (!current) return [];
      return current.search({ userId, query, k: depth, now: at });
    },
    async ask(userId, question, at, signal) {
      now = at;
      const t0 = performance.now();
      try {
        const res = await request(`${stack.url}/chat?stream=false`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', 'x-memocha-user': userId },
          body: JSON.stringify({ message: question }),
          signal,
        });
        const body = (await res.body.json()) as { message?: { content?: string }; memories?: UsedMemory[]; error?: { code?: string; message?: string } };
        const ms = performance.now() - t0;
        if (res.statusCode !== 200) return { ok: false, answer: '', memories: [], status: res.statusCode, error: `${body.error?.code ?? res.statusCode}: ${body.error?.message ?? ''}`, ms };
        return { ok: true, answer: body.message?.content ?? '', memories: body.memories ?? [], status: 200, ms };
      } catch (err) {
        return { ok: false, answer: '', memories: [], status: 0, error: (err as Error).message, ms: performance.now() - t0 };
      }
    },
    async close() {
      await current?.close();
      current = null;
      await stack.close();
    },
  };
}
