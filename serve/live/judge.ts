/**
 * The live judge: one call per sampled answer grading groundedness (is every claim about the user supported by
 * the memories it was given or the question?) and answer relevance, 1-5 each. A reply that is not the JSON asked
 * for is recorded as a parse failure with its reason, never guessed into a score. One attempt: live traffic
 * should not pay for retries, and a failed verdict is still a data point (counted).
 */
import { z } from 'zod';
import { extractJson } from '../llm/json-reply';
import type { ChatMessage } from '../llm/types';

export interface JudgeInput {
  question: string;
  answer: string;
  memories: readonly { text: string; score: number }[];
}

export type JudgeVerdict =
  | { ok: true; groundedness: number; relevance: number; /** mean of both scaled to 0..1 */ score: number; reason: string }
  | { ok: false; failure: 'unparseable' | 'call_failed'; error: string };

export interface LiveJudge {
  readonly model: string;
  judge(input: JudgeInput, signal?: AbortSignal): Promise<JudgeVerdict>;
  close(): void;
}

const verdictSchema = z.object({
  groundedness: z.number().int().min(1).max(5),
  relevance: z.number().int().min(1).max(5),
  reason: z.string(),
});

export const LIVE_JUDGE_MARKER = 'Live judge: groundedness and relevance';

export function liveJudgePrompt(input: JudgeInput): ChatMessage[] {
  const memories = input.memories.length ? input.memories.map((m) => `- (${m.score.toFixed(3)}) ${m.text}`).join('\n') : '(none)';
  return [
    {
      role: 'system',
      content:
        'You grade one answer of a chat assistant that has long-term memory of earlier conversations with the user. ' +
        'Reply with only a JSON object: {"groundedness": <1-5>, "relevance": <1-5>, "reason": "<one sentence>"}.\n' +
        'groundedness: 5 = every claim about the user or their past is supported by the memories or the question; ' +
        '1 = it states things about the user that nothing supports. General knowledge does not count against it.\n' +
        'relevance: 5 = it answers exactly what was asked; 1 = it does not address the question.',
    },
    { role: 'user', content: `${LIVE_JUDGE_MARKER}\nMemories given to the assistant:\n<<<\n${memories}\n>>>\nQuestion:\n<<<\n${input.question}\n>>>\nAnswer:\n<<<\n${input.answer}\n>>>` },
  ];
}

/** The judge's reply → a verdict, or an `unparseable` failure naming what was wrong. */
export function parseVerdict(raw: string): JudgeVerdict {
  let json: unknown;
  try {
    json = extractJson(raw);
  } catch (err) {
    return { ok: false, failure: 'unparseable', error: `not JSON: ${(err as Error).message}` };
  }
  const parsed = verdictSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, failure: 'unparseable', error: `wrong shape: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
  }
  const { groundedness, relevance, reason } = parsed.data;
  return { ok: true, groundedness, relevance, score: (groundedness - 1 + (relevance - 1)) / 8, reason };
}

/** A judge over any `complete` function (the resilient LLM layer in production). */
export function createLiveJudge(model: string, complete: (messages: ChatMessage[], signal?: AbortSignal) => Promise<string>, close: () => void = () => undefined): LiveJudge {
  return {
    model,
    async judge(input, signal) {
      let raw: string;
      try {
        raw = await complete(liveJudgePrompt(input), signal);
      } catch (err) {
        return { ok: false, failure: 'call_failed', error: `judge call failed: ${(err as Error).message}` };
      }
      return parseVerdict(raw);
    },
    close,
  };
}
