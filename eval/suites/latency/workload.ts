/** Batches of requests (warm-up, then measured, closed loop) against Memocha or straight at the provider. */
import type { ChatResult } from '../../client/chat';
import type { RequestTiming } from '../../metrics/latency';
import type { LoadClient } from './client';
import type { WireRequest } from './client-protocol';

export interface BatchSpec {
  /** measured requests */
  n: number;
  concurrency: number;
  /** warm-up requests run first at the same concurrency, then discarded */
  warmup: number;
  /** spread the first measured requests over this many ms (closedLoop's ramp) */
  rampMs?: number;
}

/** The i-th request of a batch; `warm` for the warm-up ones. */
export type MakeRequest = (i: number, warm: boolean) => WireRequest;

/** Warm-up requests (not returned), then `n` measured ones; `onDone` ticks after each measured one. */
export function runBatch(client: LoadClient, spec: BatchSpec, make: MakeRequest, signal: AbortSignal, onDone?: () => void): Promise<ChatResult[]> {
  const warmup = Array.from({ length: spec.warmup }, (_, i) => make(i, true));
  const measured = Array.from({ length: spec.n }, (_, i) => make(i, false));
  return client.run({ warmup, measured, concurrency: spec.concurrency, ...(spec.rampMs ? { rampMs: spec.rampMs } : {}) }, signal, onDone);
}

/** A ChatResult as metrics/latency's RequestTiming; a failed request carries its error. */
export function toTiming(r: ChatResult): RequestTiming {
  return { sentAt: r.sentAt, chunks: r.chunks, endAt: r.endAt, outputTokens: r.outputTokens, ...(r.ok ? {} : { error: r.error ?? `HTTP ${r.status}` }) };
}

export interface Endpoints {
  /** Memocha's base URL (possibly through a proxy) */
  memochaUrl: string;
  /** the provider's OpenAI-compatible base URL (ending in /v1), when known */
  directUrl?: string;
  model: string;
  systemPrompt: string;
  apiKey?: string;
}

/** POST /chat on Memocha (a new session each time, so no history enters the prompt), as `user` when given. */
export function memochaRequest(e: Endpoints, message: string, stream: boolean, readDelayMs?: number, user?: string): WireRequest {
  return { kind: 'memocha', url: e.memochaUrl, message, stream, ...(readDelayMs ? { readDelayMs } : {}), ...(user ? { user } : {}) };
}

/** The same message straight to the provider, with Memocha's system prompt (no memories, no history). */
export function directRequest(e: Endpoints, message: string, stream: boolean): WireRequest {
  if (!e.directUrl) throw new Error('no direct URL');
  const messages = [
    { role: 'system', content: e.systemPrompt },
    { role: 'user', content: message },
  ];
  return { kind: 'direct', url: e.directUrl, messages, model: e.model, stream, ...(e.apiKey ? { apiKey: e.apiKey } : {}) };
}
