/** The shapes of the Memocha API the chat reads (see serve/routes and serve/db/repos). */

export interface Session {
  id: string;
  title: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface MessageRow {
  id: string;
  seq: number;
  sessionId: string;
  role: 'user' | 'assistant' | 'system';
  content: string;
  status: string;
  model: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  ttftMs: number | null;
  totalMs: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: string;
}

export interface UsedMemory {
  id: string;
  text: string;
  score: number;
  sessionId: string | null;
  createdAt: string;
}

/** An item of GET /v1/memories without `q` (the memory manager's list, newest first). */
export interface ListedMemory {
  id: string;
  text: string;
  role: string;
  sessionId: string | null;
  sessionTitle: string | null;
  createdAt: string;
}

/** The SSE `meta` event: sent before the first token. */
export interface TurnMeta {
  sessionId: string;
  userMessageId: string;
  assistantMessageId: string;
  model: string;
  memory: 'ok' | 'disabled' | 'unavailable';
  memories: UsedMemory[];
}

/** The SSE `done` event. */
export interface TurnDone {
  message: MessageRow;
  usage: { promptTokens: number; completionTokens: number };
  timings: { ttftMs?: number; totalMs: number };
  provider?: string;
  finishReason: string;
  costUsd?: number | null;
}

/** The SSE `error` event. */
export interface TurnError {
  code: string;
  message: string;
  messageId?: string;
  retryAfterS?: number;
}

export type ItemStatus = 'streaming' | 'complete' | 'stopped' | 'error' | 'reconnecting';

/** One bubble of the conversation. */
export interface ChatItem {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  status: ItemStatus;
  /** The user message this answer replies to (regenerate and retry send it again). */
  question?: string;
  error?: { code: string; message: string };
  model?: string | null;
  ttftMs?: number | null;
  promptTokens?: number | null;
  completionTokens?: number | null;
  costUsd?: number | null;
  /** From the meta event; undefined for answers loaded from history (the server does not keep them). */
  memories?: UsedMemory[];
  memoryStatus?: TurnMeta['memory'];
}
