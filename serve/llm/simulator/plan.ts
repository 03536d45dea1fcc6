/** What one request will do, decided up front from the options, the request and its sequence number. */
import { countChatTokens, countTokens, tokenPieces, truncateTokens, type TokenPiece } from '../tokens';
import { requestRng, sampleDelay } from './delays';
import { decideFault, type FaultDecision } from './faults';
import type { ResolvedOptions } from './options';
import { generateReply } from './replies';
import type { ChatRequest } from './wire';

/** Independent random streams of a request. */
const PURPOSE = { fault: 1, delay: 2, reply: 3 } as const;

export interface Plan {
  fault: FaultDecision;
  text: string;
  finishReason: 'stop' | 'length';
  /** Content chunks of at least chunkTokens tokens each (the last may be shorter). */
  chunks: TokenPiece[];
  ttftMs: number;
  /** Gaps before chunks[1..]: length chunks.length - 1. */
  gapsMs: number[];
  promptTokens: number;
  completionTokens: number;
  preciseTimers: boolean;
}

/** Group token pieces into chunks of `size` tokens. */
export function chunkPieces(pieces: readonly TokenPiece[], size: number): TokenPiece[] {
  const chunks: TokenPiece[] = [];
  let cur: TokenPiece | undefined;
  for (const p of pieces) {
    cur = cur ? { text: cur.text + p.text, tokens: cur.tokens + p.tokens } : { ...p };
    if (cur.tokens >= size) {
      chunks.push(cur);
      cur = undefined;
    }
  }
  if (cur) chunks.push(cur);
  return chunks;
}

/** The text before the earliest stop sequence it contains (as OpenAI does: the sequence itself is not sent). */
export function cutAtStop(text: string, stop: readonly string[] | undefined): string {
  let end = text.length;
  for (const s of stop ?? []) {
    const at = s === '' ? -1 : text.indexOf(s);
    if (at >= 0 && at < end) end = at;
  }
  return text.slice(0, end);
}

export function planRequest(resolved: ResolvedOptions, req: ChatRequest, seq: number): Plan {
  const o = resolved.options;
  const seed = o.seed ?? 0;
  const fault = decideFault(o.faults, requestRng(seed, seq, PURPOSE.fault), req.stream);
  const mode = o.mode ?? 'extractive';

  let text = generateReply({
    mode,
    messages: req.messages,
    rng: requestRng(seed, seq, PURPOSE.reply),
    outputTokens: o.outputTokens,
    script: resolved.rules,
  });
  if (mode !== 'lorem' && o.outputTokens !== undefined) text = truncateTokens(text, o.outputTokens).text;
  let finishReason: 'stop' | 'length' = 'stop';
  text = cutAtStop(text, req.stop);
  if (req.maxTokens !== undefined) {
    const capped = truncateTokens(text, req.maxTokens);
    text = capped.text;
    if (capped.truncated) finishReason = 'length';
  }

  const chunks = chunkPieces(tokenPieces(text), Math.max(1, o.chunkTokens ?? 1));
  const delayRng = requestRng(seed, seq, PURPOSE.delay);
  const ttftMs = o.ttft ? sampleDelay(o.ttft, delayRng) : 0;
  const itl = o.itl;
  const gapsMs = chunks.slice(1).map(() => (itl ? sampleDelay(itl, delayRng) : 0));
  return {
    fault,
    text,
    finishReason,
    chunks,
    ttftMs,
    gapsMs,
    promptTokens: countChatTokens(req.messages),
    completionTokens: countTokens(text),
    preciseTimers: o.preciseTimers === true,
  };
}
