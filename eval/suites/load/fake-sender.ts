/** A fake Sender for tests: answers after `latencyMs` with `tokens` chunks, or fails as told. Not used by the suites. */
import type { ChatRequest, ChatResult } from '../../client/chat';
import type { Sender } from './types';

export interface FakeSenderOptions {
  latencyMs: number;
  tokens?: number;
  /** decide per request whether it fails (and with which HTTP status) */
  fail?: (req: ChatRequest, n: number) => number | null;
}

export function fakeSender(o: FakeSenderOptions): Sender & { calls: ChatRequest[] } {
  const calls: ChatRequest[] = [];
  const send = async (req: ChatRequest): Promise<ChatResult> => {
    const n = calls.length;
    calls.push(req);
    const sentAt = performance.now();
    const status = o.fail?.(req, n) ?? null;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, o.latencyMs);
      req.signal?.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      }, { once: true });
    });
    const endAt = performance.now();
    if (req.signal?.aborted) return { ok: false, status: 200, error: 'This operation was aborted', sentAt, endAt, chunks: [], outputTokens: 0, keepAlives: 0, bytes: 0 };
    if (status !== null) return { ok: false, status, error: `HTTP ${status}`, sentAt, endAt, chunks: [], outputTokens: 0, keepAlives: 0, bytes: 0 };
    const k = o.tokens ?? 4;
    const chunks = Array.from({ length: k }, (_, i) => ({ at: sentAt + ((endAt - sentAt) * (i + 1)) / k, text: 'x' }));
    return { ok: true, status: 200, sentAt, endAt, chunks, outputTokens: k, keepAlives: 0, bytes: 0, sessionId: req.sessionId ?? `s-${n}`, messageId: `m-${n}` };
  };
  return Object.assign(send, { calls });
}
