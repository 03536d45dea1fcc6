/**
 * LlmProvider for any OpenAI-compatible Chat Completions endpoint (api.openai.com, Azure OpenAI v1 endpoint
 * via baseUrl, vLLM, Ollama, llama.cpp server, our simulator), spoken directly over undici with a lean SSE
 * decoder (serve/llm/sse-parse.ts) rather than through the openai SDK: cheaper per chunk, and a malformed
 * line is skipped instead of ending the answer (docs/DECISIONS.md). No retries or timing here:
 * serve/llm/resilience.ts times, retries and aborts attempts through the per-call AbortSignal.
 *
 * What counts as an answer: a stream is complete only once a chunk carried a finish_reason; a body with
 * no chunk (HTML, empty) or one that ends without finish_reason is a `bad_response`. Output is cut at
 * maxTokens (counted as it streams) and the upstream call aborted, finishReason `length`.
 */
import { context, propagation } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { SseDecoder } from './sse-parse';
import { estimateUsage, StreamingTokenCounter, truncateTokens } from './tokens';
import { parseRetryAfter } from './retry';
import { LlmError } from './types';
import type { LlmCallOptions, LlmCompletion, LlmEvent, LlmProvider, LlmRequest, LlmUsage } from './types';

export interface OpenAiProviderOptions {
  /** Provider id in logs, metrics and `done.provider`; defaults to `openai:<host>`. */
  id?: string;
  /** OpenAI-compatible base URL ending in /v1 (default: OPENAI_BASE_URL or https://api.openai.com/v1). */
  baseUrl?: string;
  /** Absent for local servers: a placeholder is sent. */
  apiKey?: string;
  model: string;
  defaultTemperature?: number;
  /** Sent as the answer's limit when a request names none, and enforced on what comes back. */
  defaultMaxTokens?: number;
  /** Reasoning models (o-series, gpt-5) only accept `max_completion_tokens`; default `max_tokens` (widest support). */
  maxTokensParam?: 'max_tokens' | 'max_completion_tokens';
  /** Send `stream_options: {include_usage: true}` (default true; turn off for servers that reject it). */
  streamUsage?: boolean;
  /** Safety-net timeout per HTTP request (default 10 min): real attempt timing is done by the resilience layer. */
  sdkTimeoutMs?: number;
  /** Where skipped malformed stream lines are reported. */
  logger?: Logger;
}

const NO_KEY = 'sk-no-key-required';
/** The sampling options under OpenAI's names; absent ones are not sent. */
function samplingBody(s: LlmRequest['sampling']): Record<string, number> {
  if (!s) return {};
  const out: Record<string, number> = {};
  if (s.topP !== undefined) out.top_p = s.topP;
  if (s.frequencyPenalty !== undefined) out.frequency_penalty = s.frequencyPenalty;
  if (s.presencePenalty !== undefined) out.presence_penalty = s.presencePenalty;
  if (s.seed !== undefined) out.seed = s.seed;
  return out;
}

/** `traceparent` of the active span when tracing is on (serve/observability/tracing.ts); untouched when off (no propagator). */
function withTraceContext(h: Record<string, string>): Record<string, string> {
  propagation.inject(context.active(), h);
  return h;
}

/** Most of an error body kept for the log (never shown to clients). */
const MAX_ERROR_BODY = 16 * 1024;

export function createOpenAiProvider(opts: OpenAiProviderOptions): LlmProvider {
  const base = (opts.baseUrl ?? process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
  const id = opts.id ?? `openai:${new URL(base).host}`;
  const url = `${base}/chat/completions`;
  const headers = { authorization: `Bearer ${opts.apiKey || NO_KEY}`, 'content-type': 'application/json' };
  const timeoutMs = opts.sdkTimeoutMs ?? 600_000;
  const maxTokensParam = opts.maxTokensParam ?? 'max_tokens';

  const body = (req: LlmRequest) => {
    const maxTokens = req.maxTokens ?? opts.defaultMaxTokens;
    const temperature = req.temperature ?? opts.defaultTemperature;
    return {
      model: opts.model,
      messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
      ...(temperature !== undefined ? { temperature } : {}),
      ...(maxTokens !== undefined ? { [maxTokensParam]: maxTokens } : {}),
      ...(req.stop?.length ? { stop: req.stop } : {}),
      ...samplingBody(req.sampling),
    };
  };

  /** POST; a non-2xx answer becomes the LlmError of its status (its body kept in the message, for the log). */
  async function post(payload: unknown, signal: AbortSignal | undefined, accept: string): Promise<Dispatcher.ResponseData> {
    const res = await request(url, {
      method: 'POST',
      headers: withTraceContext({ ...headers, accept }),
      body: JSON.stringify(payload),
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    const text = await readLimited(res.body, MAX_ERROR_BODY).catch(() => '');
    throw httpError(id, res.statusCode, res.headers, text);
  }

  return {
    id,
    model: opts.model,

    async *stream(req: LlmRequest, callOpts: LlmCallOptions = {}): AsyncIterable<LlmEvent> {
      const { signal } = callOpts;
      const maxTokens = req.maxTokens ?? opts.defaultMaxTokens;
      const counter = maxTokens !== undefined ? new StreamingTokenCounter() : undefined;
      let text = '';
      let usage: LlmUsage | undefined;
      let finishReason: string | undefined;
      let malformed = 0;
      let chunks = 0;
      let sawDone = false;
      let cut = false;
      let res: Dispatcher.ResponseData | undefined;
      try {
        res = await post(
          { ...body(req), stream: true, ...(opts.streamUsage !== false ? { stream_options: { include_usage: true } } : {}) },
          signal,
          'text/event-stream',
        );
        const sse = new SseDecoder();
        const handle = (data: string): string | undefined => {
          if (sawDone) return undefined;
          if (data === '[DONE]') {
            sawDone = true;
            return undefined;
          }
          let chunk: ChatCompletionChunk & { error?: unknown };
          try {
            chunk = JSON.parse(data) as ChatCompletionChunk & { error?: unknown };
          } catch {
            malformed++;
            return undefined;
          }
          if (typeof chunk !== 'object' || chunk === null) {
            malformed++;
            return undefined;
          }
          if (chunk.error) throw new LlmError('server', `${id}: error event in stream: ${errorText(chunk.error)}`, { provider: id });
          chunks++;
          if (chunk.usage) usage = fromUsage(chunk.usage);
          const choice = chunk.choices?.[0];
          if (choice?.finish_reason) finishReason = choice.finish_reason;
          const delta = choice?.delta?.content;
          return typeof delta === 'string' && delta ? delta : undefined;
        };
        /** The deltas completed by these bytes, cut at maxTokens (then `cut` is set). */
        const take = (bytes: Uint8Array | string): string[] => {
          const out: string[] = [];
          for (const msg of sse.push(bytes)) {
            const delta = handle(msg.data);
            if (delta === undefined) continue;
            counter?.push(delta);
            if (counter && maxTokens !== undefined && !counter.atMost(maxTokens)) {
              const kept = truncateTokens(text + delta, maxTokens).text;
              const extra = kept.startsWith(text) ? kept.slice(text.length) : '';
              if (extra) out.push(extra);
              text += extra;
              finishReason = 'length';
              cut = true;
              break;
            }
            text += delta;
            out.push(delta);
          }
          return out;
        };
        for await (const bytes of res.body) {
          if (sawDone) continue; // read to the end, as the SDK does, so the connection can be reused
          for (const t of take(bytes as Uint8Array)) yield { type: 'token', text: t };
          if (cut) break;
        }
        // a last event the server did not end with a blank line is still taken (lenient, as most clients are)
        if (!cut && !sawDone) for (const t of take('\n\n')) yield { type: 'token', text: t };
      } catch (err) {
        throw toLlmError(err, id, signal);
      } finally {
        // A cut, an error or a consumer that stopped: closing the connection is what aborts the generation.
        if (res && !res.body.destroyed && !res.body.readableEnded) res.body.destroy();
        if (malformed > 0) opts.logger?.warn({ provider: id, malformedLines: malformed, chunks }, 'LLM stream: skipped malformed lines');
      }
      if (signal?.aborted) throw toLlmError(signal.reason, id, signal);
      if (finishReason === undefined) {
        const what = chunks === 0 ? `no completion chunk in the response (content-type ${String(res?.headers['content-type'] ?? 'none')})` : 'the stream ended without a finish_reason';
        throw new LlmError('bad_response', `${id}: ${what}${sawDone ? ' (after [DONE])' : ''}${malformed ? `, ${malformed} malformed lines` : ''}`, { provider: id });
      }
      yield { type: 'done', usage: (!cut && usage) || estimateUsage(req.messages, text), finishReason };
    },

    async complete(req: LlmRequest, callOpts: LlmCallOptions = {}): Promise<LlmCompletion> {
      const { signal } = callOpts;
      const t0 = performance.now();
      let parsed: unknown;
      try {
        const res = await post({ ...body(req), stream: false }, signal, 'application/json');
        parsed = JSON.parse(await res.body.text());
      } catch (err) {
        throw toLlmError(err, id, signal);
      }
      const res = parsed as Partial<ChatCompletion> | null;
      if (!res || typeof res !== 'object' || !Array.isArray(res.choices)) {
        throw new LlmError('bad_response', `${id}: response has no choices`, { provider: id });
      }
      const choice = res.choices[0];
      // A whole JSON body cannot have been cut, so a missing finish_reason alone is tolerated; no message at all is not.
      if (!choice?.message || (typeof choice.message.content !== 'string' && !choice.finish_reason)) {
        throw new LlmError('bad_response', `${id}: response has no message`, { provider: id });
      }
      let text = typeof choice.message.content === 'string' ? choice.message.content : '';
      let finishReason: string = choice.finish_reason ?? 'unknown';
      const maxTokens = req.maxTokens ?? opts.defaultMaxTokens;
      let cut = false;
      if (maxTokens !== undefined) {
        const t = truncateTokens(text, maxTokens);
        if (t.truncated) [text, finishReason, cut] = [t.text, 'length', true];
      }
      const totalMs = performance.now() - t0;
      return {
        text,
        usage: res.usage && !cut ? fromUsage(res.usage) : estimateUsage(req.messages, text),
        finishReason,
        provider: id,
        model: opts.model,
        ttftMs: totalMs,
        totalMs,
      };
    },
  };
}

async function readLimited(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const b of body) {
    const buf = b as Buffer;
    parts.push(buf);
    size += buf.length;
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(parts).toString('utf8').slice(0, limit);
}

function errorText(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
  return JSON.stringify(e);
}

const headerSource = (h: Dispatcher.ResponseData['headers']) => ({
  get: (name: string) => {
    const v = h[name];
    return Array.isArray(v) ? v[0] : v;
  },
});

/** An HTTP error answer as an LlmError: 429 rate_limited, 408/409/5xx server, other 4xx client. */
export function httpError(provider: string, status: number, h: Dispatcher.ResponseData['headers'], body: string): LlmError {
  const retryAfterMs = parseRetryAfter(headerSource(h));
  let detail = body.trim();
  try {
    const j = JSON.parse(detail) as { error?: unknown; message?: unknown };
    detail = j.error !== undefined ? errorText(j.error) : typeof j.message === 'string' ? j.message : detail;
  } catch {
    // not JSON (an HTML error page, a proxy's text): keep it as it is, it only goes to the log
  }
  const opts = { provider, status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  const message = `${provider}: HTTP ${status}${detail ? `: ${detail.slice(0, 2000)}` : ''}`;
  if (status === 429) return new LlmError('rate_limited', `${provider}: rate limited (429)${detail ? `: ${detail.slice(0, 2000)}` : ''}`, opts);
  if (status === 408 || status === 409 || status >= 500) return new LlmError('server', message, opts);
  return new LlmError('client', message, opts);
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

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function hasCode(err: unknown, codes: Set<string>): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && codes.has(code);
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

/** Map anything undici, the SDK (embeddings) or fetch throws to an LlmError of the right kind. */
export function toLlmError(err: unknown, provider: string, signal?: AbortSignal): LlmError {
  if (err instanceof LlmError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  const base = { provider, cause: err };
  if (signal?.aborted || err instanceof APIUserAbortError) {
    return new LlmError('aborted', `${provider}: request aborted`, base);
  }
  if (err instanceof APIConnectionTimeoutError || hasCode(err, TIMEOUT_CODES)) return new LlmError('timeout', `${provider}: ${msg}`, base);
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
