/** Messages between the suite (main thread) and the load-generating client (a worker thread or the main thread). */
import type { ChatResult } from '../../client/chat';

/** One request, as plain data (it crosses a thread boundary). */
export type WireRequest =
  | { kind: 'memocha'; url: string; message: string; stream: boolean; readDelayMs?: number; user?: string }
  | { kind: 'direct'; url: string; messages: { role: string; content: string }[]; model: string; stream: boolean; apiKey?: string };

export interface BatchRequest {
  /** run first at the same concurrency; not returned */
  warmup: WireRequest[];
  measured: WireRequest[];
  concurrency: number;
  /** spread the workers' first measured requests over this many ms (see closedLoop) */
  rampMs?: number;
}

export type ToWorker = { type: 'batch'; id: number; batch: BatchRequest } | { type: 'abort' } | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'tick'; id: number }
  /** times already on the main thread's performance.now() clock */
  | { type: 'result'; id: number; results: ChatResult[] }
  | { type: 'failed'; id: number; error: string };

export interface WorkerInit {
  /** the main thread's performance.timeOrigin: the worker shifts its times onto that clock */
  mainTimeOrigin: number;
  connections: number;
}

/** A result with every time moved by `offsetMs` (worker clock → main clock). */
export function shiftResult(r: ChatResult, offsetMs: number): ChatResult {
  return { ...r, sentAt: r.sentAt + offsetMs, endAt: r.endAt + offsetMs, chunks: r.chunks.map((c) => ({ ...c, at: c.at + offsetMs })) };
}
