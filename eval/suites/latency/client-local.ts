/** Run one batch of wire requests in this thread (closed loop): warm-up first, then the measured ones. */
import type { Agent } from 'undici';
import { chatOnce, directOnce, type ChatResult } from '../../client/chat';
import type { BatchRequest, WireRequest } from './client-protocol';
import { closedLoop } from './closed-loop';

export function sendWire(r: WireRequest, dispatcher: Agent): Promise<ChatResult> {
  if (r.kind === 'memocha') return chatOnce(r.url, { message: r.message, stream: r.stream, ...(r.readDelayMs ? { readDelayMs: r.readDelayMs } : {}) }, dispatcher);
  return directOnce(r.url, { messages: r.messages, model: r.model, stream: r.stream, ...(r.apiKey ? { apiKey: r.apiKey } : {}) }, dispatcher);
}

export async function runLocalBatch(b: BatchRequest, dispatcher: Agent, signal: AbortSignal, onDone?: () => void): Promise<ChatResult[]> {
  if (b.warmup.length > 0) await closedLoop(b.warmup.length, b.concurrency, (i) => sendWire(b.warmup[i] as WireRequest, dispatcher), signal);
  return closedLoop(
    b.measured.length,
    b.concurrency,
    async (i) => {
      const r = await sendWire(b.measured[i] as WireRequest, dispatcher);
      onDone?.();
      return r;
    },
    signal,
    b.rampMs ?? 0,
  );
}
