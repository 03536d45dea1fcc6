/**
 * (d) Prompts at the context limit: a target with a tiny LLM_CONTEXT_TOKENS gets messages of about
 * MAX_CONTENT_CHARS characters, so the budget must cut the window, memories and the user message. Each
 * request must succeed and the prompt the simulator received must fit (promptTokens ≤ context − reserve).
 * What was dropped or cut is read from the prompt as received (recordPrompts), never from Memocha's word.
 */
import { MEMORY_HEADER, MIN_PROMPT_TOKENS } from '../../../serve';
import { chatOnce, type ChatResult } from '../../client/chat';
import type { Target } from '../../harness/target';
import { createRng } from '../../metrics/random';
import { filler } from '../../lib/filler';

const FACT = 'Biscuit';

export interface LimitTurn {
  turn: number;
  sentChars: number;
  ok: boolean;
  error?: string;
  e2elMs: number;
  /** prompt tokens the simulator counted for the (last) LLM call of the turn */
  promptTokens: number | null;
  budget: number;
  fits: boolean;
  userTruncated: boolean;
  systemTruncated: boolean;
  memoriesInPrompt: boolean;
  /** memories the SSE meta event listed as used */
  memoriesUsed: number;
  /** window messages the turn could have used (min(HISTORY_WINDOW, earlier messages)) and kept */
  windowAvailable: number;
  windowKept: number;
}

export interface LimitResult {
  contextTokens: number;
  reserveTokens: number;
  maxChars: number;
  turns: LimitTurn[];
  /** the fact told in turn 1 ("Biscuit") reached the last turn's prompt (window or memories) */
  factInLastPrompt: boolean;
  /** a message one character over MAX_CONTENT_CHARS: status and error code (413 content_too_long expected) */
  overLimit: { status: number; code?: string };
  /** maxTokens leaving no room for a prompt: status and code (400 max_tokens_too_large expected) */
  tooManyTokens: { status: number; code?: string };
}

export async function contextLimit(target: Target, o: { turns: number; user: string; seed: number; signal: AbortSignal }): Promise<LimitResult> {
  const runtime = target.runtime;
  const sim = target.sim;
  if (!runtime || !sim) throw new Error('the context-limit check needs the in-process target (it reads the simulator’s recorded prompts)');
  const config = runtime.deps.config;
  const reserve = config.LLM_MAX_TOKENS;
  const budget = config.LLM_CONTEXT_TOKENS - reserve;
  const rng = createRng(o.seed);
  const turns: LimitTurn[] = [];
  let sessionId: string | undefined;
  let earlier = 0;
  const messages = [`My dog is called ${FACT} and he is a beagle.`];
  let lastPrompt = '';
  for (let i = 0; i < o.turns; i++) messages.push(`${filler(rng, config.MAX_CONTENT_CHARS - 60).slice(0, config.MAX_CONTENT_CHARS - 40)} What is my dog called?`);
  messages.push("What's my dog's name?");
  for (const [i, message] of messages.entries()) {
    if (o.signal.aborted) break;
    const before = sim.requests.length;
    const r: ChatResult = await chatOnce(target.url, { message, user: o.user, stream: true, ...(sessionId ? { sessionId } : {}), signal: o.signal });
    sessionId ??= r.sessionId;
    await runtime.memoryService?.idle();
    const rec = sim.requests.slice(before).at(-1);
    const prompt = rec?.messages ?? [];
    const nonSystem = prompt.filter((m) => m.role !== 'system');
    const last = prompt.at(-1);
    lastPrompt = prompt.map((m) => m.content).join('\n');
    const windowAvailable = Math.min(config.HISTORY_WINDOW, earlier);
    turns.push({
      turn: i + 1,
      sentChars: message.length,
      ok: r.ok,
      ...(r.ok ? {} : { error: r.error ?? `HTTP ${r.status}` }),
      e2elMs: r.endAt - r.sentAt,
      promptTokens: rec?.promptTokens ?? null,
      budget,
      fits: rec !== undefined && rec.promptTokens <= budget,
      userTruncated: last?.role === 'user' && last.content !== message,
      systemTruncated: prompt[0]?.role === 'system' && prompt[0].content !== config.SYSTEM_PROMPT,
      memoriesUsed: r.memories ?? 0,
      memoriesInPrompt: prompt.some((m) => m.role === 'system' && m.content.startsWith(MEMORY_HEADER)),
      windowAvailable,
      windowKept: Math.max(0, nonSystem.length - 1),
    });
    if (r.ok) earlier += 2;
  }
  const over = await chatOnce(target.url, { message: 'x'.repeat(config.MAX_CONTENT_CHARS + 1), user: o.user, stream: true, ...(sessionId ? { sessionId } : {}), signal: o.signal });
  const tooMany = await chatOnce(target.url, { message: 'hello', user: o.user, stream: true, maxTokens: config.LLM_CONTEXT_TOKENS - MIN_PROMPT_TOKENS + 1, ...(sessionId ? { sessionId } : {}), signal: o.signal });
  return {
    contextTokens: config.LLM_CONTEXT_TOKENS,
    reserveTokens: reserve,
    maxChars: config.MAX_CONTENT_CHARS,
    turns,
    factInLastPrompt: lastPrompt.includes(FACT),
    overLimit: { status: over.status, ...(over.errorCode ? { code: over.errorCode } : {}) },
    tooManyTokens: { status: tooMany.status, ...(tooMany.errorCode ? { code: tooMany.errorCode } : {}) },
  };
}
