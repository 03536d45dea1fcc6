export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** Sampling options passed to the provider as they are (OpenAI's top_p, frequency_penalty, presence_penalty, seed). */
export interface LlmSampling {
  topP?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  seed?: number;
}

export interface LlmRequest {
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  /** Up to 4 stop sequences, sent to the provider (which ends the answer before the first it produces). */
  stop?: string[];
  sampling?: LlmSampling;
}

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** `provider` when the server reported usage, `estimated` when counted with our tokenizer. */
  source: 'provider' | 'estimated';
  /** Prompt tokens served from the provider's prompt cache (a subset of promptTokens), when reported. */
  cachedPromptTokens?: number;
}

export type LlmEvent =
  | { type: 'token'; text: string }
  | {
      type: 'done';
      usage: LlmUsage;
      finishReason: string;
      /** Set by the resilient wrapper: which provider/model answered (after a fallback it is not the primary). */
      provider?: string;
      model?: string;
      /** Upstream attempts made for this call, across retries and fallbacks (1 = first try succeeded). */
      attempts?: number;
      /** Time spent waiting for a slot in the concurrency queue. */
      queueWaitMs?: number;
    };

export interface LlmCallOptions {
  signal?: AbortSignal;
}

export interface LlmCompletion {
  text: string;
  usage: LlmUsage;
  finishReason: string;
  /** Which provider/model finally answered (differs from the primary after a fallback). */
  provider: string;
  model: string;
  ttftMs: number;
  totalMs: number;
  attempts?: number;
  queueWaitMs?: number;
}

/** One OpenAI-compatible endpoint, or the resilient wrapper around a chain of them. */
export interface LlmProvider {
  readonly id: string;
  readonly model: string;
  /** Yields token deltas then exactly one `done`. Throws LlmError on failure. */
  stream(req: LlmRequest, opts?: LlmCallOptions): AsyncIterable<LlmEvent>;
  complete(req: LlmRequest, opts?: LlmCallOptions): Promise<LlmCompletion>;
}

export type LlmErrorKind =
  | 'timeout' // attempt or idle timeout
  | 'deadline' // overall deadline across retries
  | 'rate_limited' // 429
  | 'server' // 5xx, 408, 409
  | 'connection' // refused, reset, DNS
  | 'bad_response' // malformed chunk / body
  | 'client' // other 4xx: never retried
  | 'aborted' // our caller aborted (client went away)
  | 'breaker_open'
  | 'queue_full';

export class LlmError extends Error {
  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    readonly opts: {
      status?: number;
      retryAfterMs?: number;
      provider?: string;
      cause?: unknown;
      /** Upstream attempts made before giving up. */
      attempts?: number;
      /** True when tokens were already delivered to the caller before the failure (never retried). */
      partial?: boolean;
    } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'LlmError';
  }

  get retryable(): boolean {
    return ['timeout', 'rate_limited', 'server', 'connection', 'bad_response'].includes(this.kind);
  }
}
