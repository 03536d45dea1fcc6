/** Run one batch of wire requests in this thread (closed loop): warm-up first, then the measured ones. */
import type { Agent } from 'undici';
import { chatOnce, directOnce, type ChatResult } from '../../client/chat';
import { closedLoop } from '../../lib/closed-loop';
import type { BatchRequest, WireRequest } from './client-protocol';

export function sendWire(r: WireRequest, dispatcher: Agent): Promise<ChatResult> {
  if (r.kind === 'memocha') return chatOnce(r.url, { message: r.message, stream: r.stream, ...(r.readDelayMs ? { readDelayMs: r.readDelayMs } : {}), ...(r.user ? { user: r.user } : {}) }, dispatcher);
  return directOnce(r.url, { messages: r.messages, model: r.model, stream: r.stream, ...(r.apiKey ? { apiKey: r.apiKey } : {}) }, dispatcher);
}

export async function runLocalBatch(b: BatchRequest, dispatcher: Agent, signal: AbortSignal, onDone?: () => void): Promise<ChatResult[]> {
  // sendWire records its failures in the result: a throw is a bug, and fails the batch
  if (b.warmup.length > 0) await closedLoop({ total: b.warmup.length, workers: b.concurrency, op: (i) => sendWire(b.warmup[i] as WireRequest, dispatcher), signal, failFast: true });
  const run = await closedLoop({
    total: b.measured.length,
    workers: b.concurrency,
    op: async (i) => {
      const r = await sendWire(b.measured[i] as WireRequest, dispatcher);
      onDone?.();
      return r;
    },
    signal,
    rampMs: b.rampMs ?? 0,
    failFast: true,
    keepResults: true,
  });
  return run.results;
}
