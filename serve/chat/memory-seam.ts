import type { MessageRow } from '../db/repos';

/** A memory injected into the prompt, as the API lists it. */
export interface UsedMemory {
  id: string;
  text: string;
  score: number;
  sessionId: string | null;
  createdAt: string;
}

export type MemoryStatus = 'ok' | 'disabled' | 'unavailable';

/**
 * The seam long-term memory plugs into. `retrieve` runs before the LLM call: `recent` are the window
 * messages surely in the prompt (memories are deduplicated against them), `signal` the request's (the
 * retrieval stops when it aborts). `afterTurn` only enqueues work and must never block or fail the chat.
 */
export interface MemoryService {
  retrieve(
    q: { userId: string; sessionId: string; query: string; recent: readonly { id?: string; content: string }[] },
    signal?: AbortSignal,
  ): Promise<{ status: MemoryStatus; memories: UsedMemory[] }>;
  afterTurn(turn: { userId: string; sessionId: string; messages: MessageRow[] }): void;
}

export const noMemory: MemoryService = {
  retrieve: async () => ({ status: 'disabled', memories: [] }),
  afterTurn: () => undefined,
};
