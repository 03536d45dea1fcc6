import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { MessageRow, Repos, StartedTurn } from '../db/repos';
import { NotFoundError } from '../errors';
import { estimateUsage } from '../llm/tokens';
import { LlmError, type ChatMessage, type LlmEvent, type LlmProvider, type LlmSampling, type LlmUsage } from '../llm/types';
import { answerSaveBatcherFor } from './answer-save-batch';
import { withStoredIds } from './client-window';
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
  /** Live quality monitoring (serve/live/): called once per complete answer; it must only enqueue, never throw. */
  onTurnAnswered?: (turn: AnsweredTurn) => void;
  /** Tracing hook (serve/observability/trace-hooks.ts): runs the turn inside its span; absent when tracing is off. */
  traceTurn?: (input: TurnInput, start: () => Promise<Turn>) => Promise<Turn>;
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
  /** Passed to the provider as they are (the OpenAI-compatible route). */
  stop?: string[];
  sampling?: LlmSampling;
  /**
   * The client's own conversation (the OpenAI-compatible route): the prompt's recent window instead of the
   * stored one, its system text after SYSTEM_PROMPT. Only the new user message and the answer are stored.
   */
  clientHistory?: { system: string; messages: ChatMessage[] };
  /** The answer's token usage as its ledger row records it, however it ended (the rate limit settles with it); must not throw. */
  onUsage?: (usage: LlmUsage) => void;
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

/** A complete answer with what the turn knew: what live quality monitoring samples. */
export interface AnsweredTurn {
  userId: string;
  question: string;
  answer: string;
  meta: TurnMeta;
  /** Prompt tokens planned for memories (the memories' share of the flexible budget). */
  memoryBudgetTokens: number;
  timings: TurnTimings;
  usage: LlmUsage;
  /** The model that answered (a fallback's, when one did). */
  model: string;
  provider?: string;
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
export function startTurn(deps: ChatDeps, input: TurnInput): Promise<Turn> {
  return deps.traceTurn ? deps.traceTurn(input, () => startTurnUntraced(deps, input)) : startTurnUntraced(deps, input);
}

async function startTurnUntraced(deps: ChatDeps, input: TurnInput): Promise<Turn> {
  const { repos, config } = deps;
  const answerReserveTokens = answerReserve(config, input.maxTokens);
  const t0 = performance.now();
  // One database call: session check, window, the user message and the answer's pending row (a crash from here
  // on leaves it pending, swept to interrupted later). Its prompt size is recorded once the prompt is built.
  const started = await repos.turns.start({
    userId: input.userId,
    sessionId: input.sessionId,
    // With the client's own history, as many stored messages as it sends: to match them (withStoredIds).
    window: input.clientHistory ? input.clientHistory.messages.length : config.HISTORY_WINDOW,
    userMessage: { id: randomUUID(), content: input.content },
    answer: { id: randomUUID(), model: deps.llm.model, instanceId: deps.instanceId },
  });
  if (!started) throw new NotFoundError('session', input.sessionId);
  const dbMs = performance.now() - t0;
  try {
    return await prepareTurn(deps, input, answerReserveTokens, started, dbMs);
  } catch (err) {
    // Never leave this live process's row pending (the sweep only takes dead instances' rows).
    await repos.messages
      .update(started.answer.id, { status: 'error', errorCode: 'internal_error', errorMessage: 'The turn failed before the LLM was called' })
      .catch((e: unknown) => deps.logger.warn({ err: e, messageId: started.answer.id }, 'settling a failed turn failed'));
    throw err;
  }
}

async function prepareTurn(deps: ChatDeps, input: TurnInput, answerReserveTokens: number, started: StartedTurn, dbMs: number): Promise<Turn> {
  const { repos, config } = deps;
  const { history, userMessage } = started;

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
    assistantMessageId: started.answer.id,
    model: deps.llm.model,
    memory: retrieved.status,
    memories: memoriesUsed,
    promptTokens: prompt.tokens,
  };
  // What the sweep bills if this process dies mid-answer: off the path to the first token (it is on its
  // way before the LLM request); finish() waits for it so the final figures are written last.
  const promptTokensSaved = repos.messages.setPendingPromptTokens(meta.assistantMessageId, prompt.tokens.total).catch((err: unknown) => {
    deps.logger.warn({ err, messageId: meta.assistantMessageId }, "recording the pending answer's prompt size failed");
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
      write: (t) => answerSaveBatcherFor(repos.messages).save(meta.assistantMessageId, t),
      onError: (err) => {
        if (!saveFailed) deps.logger.warn({ err, messageId: meta.assistantMessageId }, 'saving the streaming answer failed');
        saveFailed = true;
      },
    });
    let ended = false;
    try {
      for await (const ev of deps.llm.stream(
        { messages, temperature: input.temperature, maxTokens: input.maxTokens, stop: input.stop, sampling: input.sampling },
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
    deps.onTurnAnswered?.({ userId: input.userId, question: input.content, answer: text, meta, memoryBudgetTokens: prompt.budget.memories, timings, usage, model: message.model ?? meta.model, provider: done?.provider });
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
    input.onUsage?.(f.usage);
    await saver?.close(); // no background save may land after the final update
    await promptTokensSaved;
    // One call, one commit: a crash must not leave a settled answer without its ledger row (the sweep only
    // adds ledger rows for answers still pending). null: the row is gone (its session was deleted meanwhile).
    return repos.turns.settle({
      messageId: meta.assistantMessageId,
      sessionId: input.sessionId,
      userId: input.userId,
      content: f.text,
      status: f.status,
      model,
      promptTokens: f.usage.promptTokens,
      completionTokens: f.usage.completionTokens,
      ttftMs: f.llmTtftMs ?? null,
      totalMs: f.llmMs,
      errorCode: f.error?.code ?? null,
      errorMessage: f.error?.message ?? null,
      usage: {
        provider: f.provider ?? deps.llm.id,
        costUsd: deps.costUsd(model, f.usage),
        outcome: f.status === 'complete' ? 'ok' : f.status === 'partial' ? 'aborted' : 'error',
        attempts: f.attempts ?? (f.err instanceof LlmError ? (f.err.opts as { attempts?: number }).attempts ?? 1 : 1),
      },
    });
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

/** A window message: a stored one (with its id) or one of the client's own. */
type WindowMessage = ChatMessage & { id?: string };

/** The turn's prompt without memories yet; its surelyKept window is what retrieved memories are deduplicated against. */
function planTurnPrompt(config: Config, history: MessageRow[], input: TurnInput, answerReserveTokens: number): PromptPlan<WindowMessage> {
  const client = input.clientHistory;
  return planPrompt<WindowMessage>({
    systemPrompt: client?.system ? `${config.SYSTEM_PROMPT}\n\n${client.system}` : config.SYSTEM_PROMPT,
    // A failed answer with no text would only confuse the model; another turn's pending answer is not written yet.
    window: client
      ? withStoredIds(client.messages, history)
      : history.filter((m) => m.role !== 'system' && !(m.role === 'assistant' && (m.content === '' || m.status === 'pending'))),
    userMessage: input.content,
    contextTokens: config.LLM_CONTEXT_TOKENS,
    answerReserveTokens,
    budget: { memoriesShare: config.MEMORY_SHARE, windowShare: 1 - config.MEMORY_SHARE },
    currentSessionId: input.sessionId,
  });
}
