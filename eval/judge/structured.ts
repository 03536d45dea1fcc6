/**
 * One structured judge call: render a prompt file, ask the judge model, pull the JSON verdict out of
 * the reply and validate it with zod. A reply that does not parse or validate is retried with the
 * validation error shown to the model; after the last attempt it is returned as an error, never
 * guessed or coerced into a score.
 */
import type { z } from 'zod';
import { extractJson, type ChatMessage } from '../../serve';
import type { JudgeModel } from './model';
import { promptRef, renderPrompt, type JudgePrompt } from './prompt-file';

export interface JudgeCallOptions {
  /** attempts in all, first included (default 3) */
  maxAttempts?: number;
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal;
}

export interface JudgeAttempt {
  raw: string;
  /** why this attempt's reply was refused; absent on the accepted one */
  problem?: string;
}

export type JudgeOutcome<T> =
  | { ok: true; value: T; prompt: string; attempts: JudgeAttempt[] }
  | { ok: false; error: string; prompt: string; attempts: JudgeAttempt[] };

// The parsing is shared with serve's live judge (serve/live/judge.ts).
export { extractJson };

function describeZodError(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

export async function judgeStructured<S extends z.ZodType>(
  model: JudgeModel,
  prompt: JudgePrompt,
  vars: Readonly<Record<string, string | number>>,
  schema: S,
  options: JudgeCallOptions = {},
): Promise<JudgeOutcome<z.infer<S>>> {
  const ref = promptRef(prompt);
  const { system, user } = renderPrompt(prompt, vars);
  const messages: ChatMessage[] = [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
  const attempts: JudgeAttempt[] = [];
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  for (let i = 0; i < maxAttempts; i++) {
    let raw: string;
    try {
      raw = await model.complete(messages, { temperature: options.temperature ?? 0, maxTokens: options.maxTokens ?? 512, signal: options.signal });
    } catch (err) {
      // transport failures were already retried by the resilient LLM layer: do not spend verdict attempts on them
      return { ok: false, error: `judge call failed: ${(err as Error).message}`, prompt: ref, attempts };
    }
    let problem: string;
    try {
      const parsed = schema.safeParse(extractJson(raw));
      if (parsed.success) {
        attempts.push({ raw });
        return { ok: true, value: parsed.data, prompt: ref, attempts };
      }
      problem = `the JSON does not match the schema: ${describeZodError(parsed.error)}`;
    } catch (err) {
      problem = `the reply is not valid JSON: ${(err as Error).message}`;
    }
    attempts.push({ raw, problem });
    messages.push({ role: 'assistant', content: raw }, { role: 'user', content: `Your reply was refused: ${problem}. Reply again with only the JSON object in the required format.` });
  }
  return { ok: false, error: `no valid verdict after ${maxAttempts} attempts: ${attempts[attempts.length - 1]?.problem ?? 'unknown'}`, prompt: ref, attempts };
}
