import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { MessageRow, Repos } from '../db/repos';
import { NotFoundError } from '../errors';
import { estimateUsage } from '../llm/tokens';
import { LlmError, type LlmEvent, type LlmProvider, type LlmUsage } from '../llm/types';
import { createAnswerSaver, type AnswerSaver } from './answer-saver';
import { toClientError, type ClientError } from './llm-errors';
import type { MemoryService, MemoryStatus, UsedMemory } from './memory-seam';
import { checkPromptBudget, MIN_PROMPT_TOKENS, planPrompt, PromptBudgetError, type AssembledPrompt, type PromptPlan } from './prompt';
import { AppError } from '../errors';

export interface ChatDeps {
  config: Config;
  repos: Repos;
  llm: LlmProvider;
  memory: MemoryService;
  logger: Logger;
  costUsd: (model: string, usage: LlmUsage) => number | null;
  /** Recorded on pending answers: which process owns them (serve/chat/answer-sweep.ts). */
  instanceId: string;
  /** Observability hook (metrics): called once per answered turn with its timings; must not throw. */
  onTurnDone?: (timings: TurnTimings) => void;
}

export interface TurnInput {
  userId: string;
  sessionId: string;
  content: string;
  temperature?: number;
  maxTokens?: number;
  /** performance.now() when the request arrived, so server-side TTFT includes everything. */
  receivedAt: number;
  /** The request's signal (the client went away, shutdown): stops the memory retrieval. */
  signal?: AbortSignal;
}

/** Per-stage timings in ms; the eval harness reads these instead of timing calls again. */
export interface TurnTimings {
  dbMs: number;
  retrievalMs: number;
  promptMs: number;
  queueWaitMs?: number;
  llmTtftMs?: number;
  llmMs?: number;
  ttftMs?: number;
  totalMs: number;
  /** Request received → the LLM called, plus the LLM queue wait: Memocha's own time before the upstream request. */
  preUpstreamMs?: number;
  /**
   * Memocha's own time on the way to the first token: preUpstreamMs plus handling the first token
   * (from the provider's event to the client write). The SDK's own request and chunk parsing are not in it.
   */
  overheadMs?: number;
  /** Mean time per token from the provider's event to the client write (Memocha's added time per token). */
  overheadPerTokenMs?: number;
}

/** The stages known once the turn has started (before the LLM is called): the SSE Server-Timing header. */
export interface TurnStages {
  dbMs: number;
  retrievalMs: number;
  promptMs: number;
}

export interface TurnMeta {
  sessionId: string;
  userMessageId: string;
  assistantMessageId: string;
  model: string;
  memory: MemoryStatus;
  memories: UsedMemory[];
  /** Prompt tokens by part (system, memories, window, user, total), counted with the tokenizer. */
  promptTokens: AssembledPrompt['tokens'];
}

export type TurnEvent =
  | { type: 'token'; text: string }
  | { type: 'done'; message: MessageRow; usage: LlmUsage; timings: TurnTimings; provider?: string; finishReason: string }
  | ({ type: 'error'; messageId: string } & ClientError);

export interface Turn {
  meta: TurnMeta;
  stages: TurnStages;
  run(signal: AbortSignal): AsyncGenerator<TurnEvent>;
}

/** Steps 1-4 of a turn: check the session, store the user message, retrieve memories, build the prompt. */
export async function startTurn(deps: ChatDeps, input: TurnInput): Promise<Turn> {
  const { repos, config } = deps;
  const answerReserveTokens = answerReserve(config, input.maxTokens);
  const t0 = performance.now();
  const session = await repos.sessions.get(input.userId, input.sessionId);
  if (!session) throw new NotFoundError('session', input.sessionId);
  const history = await repos.messages.recent(input.sessionId, config.HISTORY_WINDOW);
  const userMessage = await repos.messages.insert({
    sessionId: input.sessionId,
    userId: input.userId,
    role: 'user',
    content: input.content,
    status: 'complete',
  });
  const dbMs = performance.now() - t0;

  const tPlan = performance.now();
  const plan = planTurnPrompt(config, history, input, answerReserveTokens);
  const planMs = performance.now() - tPlan;

  const t1 = performance.now();
  const retrieved = await deps.memory
    .retrieve({ userId: input.userId, sessionId: input.sessionId, query: input.content, recent: plan.surelyKept }, input.signal)
    .catch((err: unknown) => {
      deps.logger.warn({ err }, 'memory retrieval failed; answering without memories');
      return { status: 'unavailable' as const, memories: [] };
    });
  const retrievalMs = performance.now() - t1;

  const t2 = performance.now();
  const prompt = plan.assemble(retrieved.memories);
  const messages = prompt.messages;
  const used = new Set<unknown>(prompt.memoriesUsed);
  const memoriesUsed = retrieved.memories.filter((m) => used.has(m));
  const promptMs = planMs + performance.now() - t2;

  const meta: TurnMeta = {
    sessionId: input.sessionId,
    userMessageId: userMessage.id,
    assistantMessageId: randomUUID(),
    model: deps.llm.model,
    memory: retrieved.status,
    memories: memoriesUsed,
    promptTokens: prompt.tokens,
  };
  // The answer's row exists before the LLM is called: a crash leaves it pending, swept to interrupted later.
  await repos.messages.insert({
    id: meta.assistantMessageId,
    sessionId: input.sessionId,
    userId: input.userId,
    role: 'assistant',
    content: '',
    status: 'pending',
    model: deps.llm.model,
    promptTokens: prompt.tokens.total,
    instanceId: deps.instanceId,
  });
  let saver: AnswerSaver | undefined;

  async function* run(signal: AbortSignal): AsyncGenerator<TurnEvent> {
    const tLlm = performance.now();
    let text = '';
    let ttftMs: number | undefined;
    let llmTtftMs: number | undefined;
    let done: Extract<LlmEvent, { type: 'done' }> | undefined;
    // Handling of each token: its event from the provider → the consumer asks for the next one (client written).
    let tokens = 0;
    let handlingMs = 0;
    let firstHandlingMs = 0;
    let saveFailed = false;
    saver = createAnswerSaver({
      intervalMs: config.ANSWER_SAVE_INTERVAL_MS,
      heartbeatMs: config.ANSWER_LEASE_MS / 3,
      write: (t) => repos.messages.savePending(meta.assistantMessageId, t),
      onError: (err) => {
        if (!saveFailed) deps.logger.warn({ err, messageId: meta.assistantMessageId }, 'saving the streaming answer failed');
        saveFailed = true;
      },
    });
    let ended = false;
    try {
      for await (const ev of deps.llm.stream(
        { messages, temperature: input.temperature, maxTokens: input.maxTokens },
        { signal },
      )) {
        if (ev.type === 'token') {
          if (ttftMs === undefined) {
            ttftMs = performance.now() - input.receivedAt;
            llmTtftMs = performance.now() - tLlm;
          }
          const tIn = performance.now();
          text += ev.text;
          saver.update(text);
          yield { type: 'token', text: ev.text };
          const spent = performance.now() - tIn;
          if (tokens === 0) firstHandlingMs = spent;
          handlingMs += spent;
          tokens += 1;
        } else {
          done = ev;
        }
      }
      ended = true;
    } catch (err) {
      ended = true;
      const aborted = signal.aborted || (err instanceof LlmError && err.kind === 'aborted');
      const clientError = aborted ? toClientError(new LlmError('aborted', 'client closed')) : toClientError(err);
      const llmMs = performance.now() - tLlm;
      const usage = estimateUsage(messages, text);
      await finish({ status: aborted ? 'partial' : 'error', text, usage, llmTtftMs, llmMs, error: clientError, err });
      if (!aborted) {
        deps.logger.warn({ err, code: clientError.code, sessionId: input.sessionId }, 'LLM call failed');
        yield { type: 'error', messageId: meta.assistantMessageId, ...clientError };
      }
      return;
    } finally {
      if (!ended) {
        // The consumer stopped iterating mid-answer: still settle the row (never left pending by a live process).
        const error = toClientError(new LlmError('aborted', 'consumer stopped'));
        await finish({ status: 'partial', text, usage: estimateUsage(messages, text), llmTtftMs, llmMs: performance.now() - tLlm, error }).catch((err: unknown) =>
          deps.logger.warn({ err, messageId: meta.assistantMessageId }, 'storing the partial answer failed'),
        );
      }
    }
    const llmMs = performance.now() - tLlm;
    const usage = done?.usage ?? estimateUsage(messages, text);
    const message = await finish({ status: 'complete', text, usage, llmTtftMs, llmMs, provider: done?.provider, model: done?.model, attempts: done?.attempts });
    if (!message) {
      yield { type: 'error', messageId: meta.assistantMessageId, status: 404, code: 'session_not_found', message: `session ${input.sessionId} was deleted while answering` };
      return;
    }
    deps.memory.afterTurn({ userId: input.userId, sessionId: input.sessionId, messages: [userMessage, message] });
    const preUpstreamMs = tLlm - input.receivedAt + (done?.queueWaitMs ?? 0);
    const timings: TurnTimings = {
      dbMs,
      retrievalMs,
      promptMs,
      queueWaitMs: done?.queueWaitMs,
      llmTtftMs,
      llmMs,
      ttftMs,
      totalMs: performance.now() - input.receivedAt,
      preUpstreamMs,
      overheadMs: preUpstreamMs + firstHandlingMs,
      ...(tokens > 0 ? { overheadPerTokenMs: handlingMs / tokens } : {}),
    };
    deps.onTurnDone?.(timings);
    yield {
      type: 'done',
      message,
      usage,
      provider: done?.provider,
      finishReason: done?.finishReason ?? 'stop',
      timings,
    };
  }

  async function finish(f: {
    status: 'complete' | 'partial' | 'error';
    text: string;
    usage: LlmUsage;
    llmTtftMs?: number;
    llmMs: number;
    provider?: string;
    model?: string;
    attempts?: number;
    error?: ClientError;
    err?: unknown;
  }): Promise<MessageRow | null> {
    const model = f.model ?? deps.llm.model;
    await saver?.close(); // no background save may land after the final update
    // One transaction: a crash between the two must not leave a settled answer without its ledger row
    // (the sweep only adds ledger rows for answers still pending).
    // null: the row is gone (its session was deleted meanwhile); the usage ledger still records the call.
    const message = await repos.transaction(async (tx) => {
      const settled = await tx.messages.update(meta.assistantMessageId, {
        content: f.text,
        status: f.status,
        model,
        promptTokens: f.usage.promptTokens,
        completionTokens: f.usage.completionTokens,
        ttftMs: f.llmTtftMs ?? null,
        totalMs: f.llmMs,
        errorCode: f.error?.code ?? null,
        errorMessage: f.error?.message ?? null,
      });
      await tx.usage.record({
        userId: input.userId,
        sessionId: input.sessionId,
        messageId: meta.assistantMessageId,
        provider: f.provider ?? deps.llm.id,
        model,
        promptTokens: f.usage.promptTokens,
        completionTokens: f.usage.completionTokens,
        costUsd: deps.costUsd(model, f.usage),
        ttftMs: f.llmTtftMs ?? null,
        totalMs: f.llmMs,
        outcome: f.status === 'complete' ? 'ok' : f.status === 'partial' ? 'aborted' : 'error',
        errorCode: f.error?.code ?? null,
        attempts: f.attempts ?? (f.err instanceof LlmError ? (f.err.opts as { attempts?: number }).attempts ?? 1 : 1),
      });
      return settled;
    });
    await repos.sessions.touch(input.sessionId);
    return message;
  }

  return { meta, stages: { dbMs, retrievalMs, promptMs }, run };
}

/**
 * The one owner of the token-budget rule for a turn: the answer's reserve (maxTokens, else LLM_MAX_TOKENS)
 * must leave the model's context room for the minimal prompt. Returns the reserve; 400 otherwise.
 * The chat route calls it before storing anything, startTurn for the reserve it plans with.
 */
export function answerReserve(config: Config, maxTokens: number | undefined): number {
  const reserve = maxTokens ?? config.LLM_MAX_TOKENS;
  try {
    checkPromptBudget(config.LLM_CONTEXT_TOKENS, reserve);
  } catch (err) {
    if (!(err instanceof PromptBudgetError)) throw err;
    const most = config.LLM_CONTEXT_TOKENS - MIN_PROMPT_TOKENS;
    throw new AppError(400, 'max_tokens_too_large', `maxTokens must leave room for the prompt: at most ${most} with a ${config.LLM_CONTEXT_TOKENS}-token context`);
  }
  return reserve;
}

/** The turn's prompt without memories yet; its surelyKept window is what retrieved memories are deduplicated against. */
function planTurnPrompt(config: Config, history: MessageRow[], input: TurnInput, answerReserveTokens: number): PromptPlan<MessageRow> {
  return planPrompt({
    systemPrompt: config.SYSTEM_PROMPT,
    // A failed answer with no text would only confuse the model; another turn's pending answer is not written yet.
    window: history.filter((m) => m.role !== 'system' && !(m.role === 'assistant' && (m.content === '' || m.status === 'pending'))),
    userMessage: input.content,
    contextTokens: config.LLM_CONTEXT_TOKENS,
    answerReserveTokens,
    budget: { memoriesShare: config.MEMORY_SHARE, windowShare: 1 - config.MEMORY_SHARE },
    currentSessionId: input.sessionId,
  });
}
