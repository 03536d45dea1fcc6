/**
 * LlmProvider on the official `openai` SDK, for any OpenAI-compatible Chat Completions endpoint
 * (api.openai.com, Azure OpenAI v1 endpoint via baseUrl, vLLM, Ollama, llama.cpp server, our simulator).
 * The SDK's own retries are off (maxRetries: 0) and its timeout is huge: serve/llm/resilience.ts times,
 * retries and aborts attempts itself through the per-call AbortSignal.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import { estimateUsage } from './tokens';
import { parseRetryAfter } from './retry';
import { LlmError } from './types';
import type { LlmCallOptions, LlmCompletion, LlmEvent, LlmProvider, LlmRequest, LlmUsage } from './types';

export interface OpenAiProviderOptions {
  /** Provider id in logs, metrics and `done.provider`; defaults to `openai:<host>`. */
  id?: string;
  /** OpenAI-compatible base URL ending in /v1 (default: the SDK's, i.e. OPENAI_BASE_URL or api.openai.com). */
  baseUrl?: string;
  /** Absent for local servers: a placeholder is sent. */
  apiKey?: string;
  model: string;
  defaultTemperature?: number;
  defaultMaxTokens?: number;
  /** Reasoning models (o-series, gpt-5) only accept `max_completion_tokens`; default `max_tokens` (widest support). */
  maxTokensParam?: 'max_tokens' | 'max_completion_tokens';
  /** Send `stream_options: {include_usage: true}` (default true; turn off for servers that reject it). */
  streamUsage?: boolean;
  /** Safety-net timeout per HTTP request (default 10 min): real attempt timing is done by the resilience layer. */
  sdkTimeoutMs?: number;
}

const NO_KEY = 'sk-no-key-required';

export function createOpenAiProvider(opts: OpenAiProviderOptions): LlmProvider {
  const id = opts.id ?? `openai:${opts.baseUrl ? new URL(opts.baseUrl).host : 'api.openai.com'}`;
  const client = new OpenAI({
    baseURL: opts.baseUrl,
    apiKey: opts.apiKey || NO_KEY,
    maxRetries: 0,
    timeout: opts.sdkTimeoutMs ?? 600_000,
    logLevel: 'off',
  });
  const maxTokensParam = opts.maxTokensParam ?? 'max_tokens';

  const body = (req: LlmRequest) => {
    const maxTokens = req.maxTokens ?? opts.defaultMaxTokens;
    const temperature = req.temperature ?? opts.defaultTemperature;
    return {
      model: opts.model,
      messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
      ...(temperature !== undefined ? { temperature } : {}),
      ...(maxTokens !== undefined ? { [maxTokensParam]: maxTokens } : {}),
    };
  };

  return {
    id,
    model: opts.model,

    async *stream(req: LlmRequest, callOpts: LlmCallOptions = {}): AsyncIterable<LlmEvent> {
      const { signal } = callOpts;
      let text = '';
      let usage: LlmUsage | undefined;
      let finishReason = 'unknown';
      try {
        const chunks = await client.chat.completions.create(
          { ...body(req), stream: true, ...(opts.streamUsage !== false ? { stream_options: { include_usage: true } } : {}) },
          { signal },
        );
        for await (const chunk of chunks as AsyncIterable<ChatCompletionChunk>) {
          if (chunk.usage) usage = fromUsage(chunk.usage);
          const choice = chunk.choices?.[0];
          if (choice?.finish_reason) finishReason = choice.finish_reason;
          const delta = choice?.delta?.content;
          if (delta) {
            text += delta;
            yield { type: 'token', text: delta };
          }
        }
      } catch (err) {
        throw toLlmError(err, id, signal);
      }
      // The SDK ends the iteration silently when its request is aborted: that is not a complete answer.
      if (signal?.aborted) throw toLlmError(signal.reason, id, signal);
      yield { type: 'done', usage: usage ?? estimateUsage(req.messages, text), finishReason };
    },

    async complete(req: LlmRequest, callOpts: LlmCallOptions = {}): Promise<LlmCompletion> {
      const { signal } = callOpts;
      const t0 = performance.now();
      let res: ChatCompletion;
      try {
        res = await client.chat.completions.create({ ...body(req), stream: false }, { signal });
      } catch (err) {
        throw toLlmError(err, id, signal);
      }
      if (!res || !Array.isArray(res.choices)) {
        throw new LlmError('bad_response', `${id}: response has no choices`, { provider: id });
      }
      const choice = res.choices[0];
      const text = choice?.message?.content ?? '';
      const totalMs = performance.now() - t0;
      return {
        text,
        usage: res.usage ? fromUsage(res.usage) : estimateUsage(req.messages, text),
        finishReason: choice?.finish_reason ?? 'unknown',
        provider: id,
        model: opts.model,
        ttftMs: totalMs,
        totalMs,
      };
    },
  };
}

function fromUsage(u: CompletionUsage): LlmUsage {
  const cached = u.prompt_tokens_details?.cached_tokens;
  return {
    promptTokens: u.prompt_tokens,
    completionTokens: u.completion_tokens,
    totalTokens: u.total_tokens ?? u.prompt_tokens + u.completion_tokens,
    source: 'provider',
    ...(cached ? { cachedPromptTokens: cached } : {}),
  };
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const CONNECTION_MESSAGE = /socket hang up|terminated|other side closed|fetch failed|ECONNREFUSED|ECONNRESET/i;

/** Walk an error and its `cause` chain (bounded). */
function* causes(err: unknown): Generator<unknown> {
  let e: unknown = err;
  for (let i = 0; i < 6 && e !== undefined && e !== null; i++) {
    yield e;
    e = e instanceof Error ? e.cause : undefined;
  }
}

function isConnectionFailure(err: unknown): boolean {
  for (const e of causes(err)) {
    if (typeof e !== 'object' || e === null) continue;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
    if (e instanceof Error && CONNECTION_MESSAGE.test(e.message)) return true;
  }
  return false;
}

/** Map anything the SDK (or fetch underneath it) throws to an LlmError of the right kind. */
export function toLlmError(err: unknown, provider: string, signal?: AbortSignal): LlmError {
  if (err instanceof LlmError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  const base = { provider, cause: err };
  if (signal?.aborted || err instanceof APIUserAbortError) {
    return new LlmError('aborted', `${provider}: request aborted`, base);
  }
  if (err instanceof APIConnectionTimeoutError) return new LlmError('timeout', `${provider}: ${msg}`, base);
  if (err instanceof APIConnectionError) return new LlmError('connection', `${provider}: ${connectionMessage(err)}`, base);
  if (err instanceof APIError) {
    const status = err.status;
    const retryAfterMs = parseRetryAfter(err.headers);
    const opts = { ...base, ...(status !== undefined ? { status } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    if (status === undefined) return new LlmError('server', `${provider}: error event in stream: ${msg}`, opts);
    if (status === 429) return new LlmError('rate_limited', `${provider}: rate limited (429)`, opts);
    if (status === 408 || status === 409 || status >= 500) return new LlmError('server', `${provider}: ${msg}`, opts);
    return new LlmError('client', `${provider}: ${msg}`, opts);
  }
  if (err instanceof SyntaxError) return new LlmError('bad_response', `${provider}: malformed response: ${msg}`, base);
  if (isConnectionFailure(err)) return new LlmError('connection', `${provider}: ${connectionMessage(err)}`, base);
  return new LlmError('bad_response', `${provider}: unexpected error: ${msg}`, base);
}

function connectionMessage(err: unknown): string {
  const parts: string[] = [];
  for (const e of causes(err)) {
    if (e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      parts.push(typeof code === 'string' ? `${e.message} (${code})` : e.message);
    }
  }
  return parts.join(': ') || 'connection failed';
}
