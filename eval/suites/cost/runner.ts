/**
 * Play the conversations against a Memocha server, streamed (SSE) or batch (JSON): users run
 * concurrently, each user's conversations and turns in order, every conversation in a new session.
 */
import type { Agent } from 'undici';
import { chatOnce, type ChatResult } from '../../client/chat';
import type { RequestTiming } from '../../metrics/latency';
import type { Conversation } from './conversations';

export type Mode = 'stream' | 'batch';

export interface MessageRecord {
  mode: Mode;
  conversation: string;
  user: string;
  turn: number;
  ok: boolean;
  error?: string;
  promptTokens: number;
  completionTokens: number;
  /** prompt tokens by part (SSE meta only) */
  parts?: Record<string, number>;
  memories?: number;
  timing: RequestTiming;
  serverTimings?: Record<string, number | undefined>;
}

export interface PlayOptions {
  url: string;
  mode: Mode;
  /** user ids are `${userPrefix}-u${n}` */
  userPrefix: string;
  maxTokens?: number;
  signal: AbortSignal;
  dispatcher?: Agent;
  /** awaited after every turn (in-process: wait for memory indexing, so both modes see the same memories) */
  afterTurn?: () => Promise<void>;
  onMessage?: (r: MessageRecord) => void;
}

export function toRecord(mode: Mode, conv: Conversation, user: string, turn: number, r: ChatResult): MessageRecord {
  return {
    mode,
    conversation: conv.id,
    user,
    turn,
    ok: r.ok,
    ...(r.ok ? {} : { error: r.error ?? `HTTP ${r.status}` }),
    promptTokens: r.promptTokens ?? 0,
    completionTokens: r.outputTokens,
    ...(r.promptParts ? { parts: r.promptParts } : {}),
    ...(r.memories !== undefined ? { memories: r.memories } : {}),
    timing: { sentAt: r.sentAt, chunks: r.chunks, endAt: r.endAt, outputTokens: r.outputTokens, ...(r.ok ? {} : { error: r.error ?? 'failed' }) },
    ...(r.serverTimings ? { serverTimings: r.serverTimings } : {}),
  };
}

/** Every message of every conversation; wall time from the first request to the last answer. */
export async function playConversations(convs: readonly Conversation[], o: PlayOptions): Promise<{ records: MessageRecord[]; wallMs: number }> {
  const byUser = new Map<number, Conversation[]>();
  for (const c of convs) byUser.set(c.user, [...(byUser.get(c.user) ?? []), c]);
  const records: MessageRecord[] = [];
  const t0 = performance.now();
  await Promise.all(
    [...byUser.entries()].map(async ([u, list]) => {
      const user = `${o.userPrefix}-u${u + 1}`;
      for (const conv of list) {
        let sessionId: string | undefined;
        for (let t = 0; t < conv.turns.length && !o.signal.aborted; t++) {
          const r = await chatOnce(
            o.url,
            { message: conv.turns[t] as string, user, stream: o.mode === 'stream', ...(sessionId ? { sessionId } : {}), ...(o.maxTokens ? { maxTokens: o.maxTokens } : {}), signal: o.signal },
            o.dispatcher,
          );
          sessionId ??= r.sessionId;
          const rec = toRecord(o.mode, conv, user, t + 1, r);
          records.push(rec);
          o.onMessage?.(rec);
          await o.afterTurn?.();
        }
      }
    }),
  );
  return { records, wallMs: performance.now() - t0 };
}
