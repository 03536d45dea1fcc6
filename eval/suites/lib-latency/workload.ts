/** Batches of requests (warm-up, then measured, closed loop) against Memocha or straight at the provider. */
import type { Agent } from 'undici';
import { chatOnce, directOnce, type ChatResult } from '../../client/chat';
import type { RequestTiming } from '../../metrics/latency';
import { closedLoop } from './closed-loop';

export interface BatchSpec {
  /** measured requests */
  n: number;
  concurrency: number;
  /** warm-up requests run first at the same concurrency, then discarded */
  warmup: number;
}

export type Send = (i: number, warm: boolean) => Promise<ChatResult>;

/** Warm-up requests (not returned), then `n` measured ones; `onDone` ticks after each measured one. */
export async function runBatch(spec: BatchSpec, send: Send, signal: AbortSignal, onDone?: () => void): Promise<ChatResult[]> {
  if (spec.warmup > 0) await closedLoop(spec.warmup, spec.concurrency, (i) => send(i, true), signal);
  return closedLoop(
    spec.n,
    spec.concurrency,
    async (i) => {
      const r = await send(i, false);
      onDone?.();
      return r;
    },
    signal,
  );
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
  dispatcher: Agent;
}

/** POST /chat on Memocha (a new session each time, so no history enters the prompt). */
export function memochaSend(e: Endpoints, message: string, stream: boolean, readDelayMs?: number, signal?: AbortSignal): Promise<ChatResult> {
  return chatOnce(e.memochaUrl, { message, stream, ...(readDelayMs ? { readDelayMs } : {}), ...(signal ? { signal } : {}) }, e.dispatcher);
}

/** The same message straight to the provider, with Memocha's system prompt (no memories, no history). */
export function directSend(e: Endpoints, message: string, stream: boolean, signal?: AbortSignal): Promise<ChatResult> {
  if (!e.directUrl) throw new Error('no direct URL');
  const messages = [
    { role: 'system', content: e.systemPrompt },
    { role: 'user', content: message },
  ];
  return directOnce(e.directUrl, { messages, model: e.model, stream, ...(e.apiKey ? { apiKey: e.apiKey } : {}), ...(signal ? { signal } : {}) }, e.dispatcher);
}
