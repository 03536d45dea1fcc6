/**
 * One chat request against Memocha (SSE or JSON) or straight against an OpenAI-compatible provider,
 * timed on arrival of every content chunk. Latency is never taken from a cached result.
 */
import { Agent, request } from 'undici';
import type { StreamChunk } from '../metrics/latency';
import { SseParser } from './sse';

/** One connection pool for a whole run, sized for the load (undici's default would cap it). */
export function createDispatcher(connections = 1024): Agent {
  return new Agent({ connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });
}

export interface ChatResult {
  ok: boolean;
  status: number;
  error?: string;
  errorCode?: string;
  sentAt: number;
  endAt: number;
  /** content chunks with their arrival times (performance.now()) */
  chunks: StreamChunk[];
  outputTokens: number;
  promptTokens?: number;
  sessionId?: string;
  messageId?: string;
  /** Memocha's own per-stage timings (ms), from the `done` event or the JSON body */
  serverTimings?: Record<string, number | undefined>;
  /** tokens of the prompt spent on memories, by part */
  promptParts?: Record<string, number>;
  memories?: number;
  retryAfterS?: number;
  /** the `X-Memocha-Instance` response header: which server answered (behind a load balancer) */
  instance?: string;
  keepAlives: number;
  bytes: number;
}

export interface ChatRequest {
  message: string;
  sessionId?: string;
  user?: string;
  stream: boolean;
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
  /** stop reading after this many content chunks (a client that goes away) */
  abortAfterChunks?: number;
  /** wait this long between reads (a slow-reading client) */
  readDelayMs?: number;
}

/** POST /chat on a Memocha server. */
export async function chatOnce(baseUrl: string, req: ChatRequest, dispatcher?: Agent): Promise<ChatResult> {
  const body = JSON.stringify({ message: req.message, ...(req.sessionId ? { sessionId: req.sessionId } : {}), ...(req.maxTokens ? { maxTokens: req.maxTokens } : {}), ...(req.temperature !== undefined ? { temperature: req.temperature } : {}) });
  const r: ChatResult = { ok: false, status: 0, sentAt: performance.now(), endAt: 0, chunks: [], outputTokens: 0, keepAlives: 0, bytes: 0 };
  try {
    const res = await request(`${baseUrl}/chat?stream=${req.stream}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: req.stream ? 'text/event-stream' : 'application/json', ...(req.user ? { 'x-memocha-user': req.user } : {}) },
      body,
      dispatcher,
      signal: req.signal,
    });
    r.status = res.statusCode;
    const retryAfter = res.headers['retry-after'];
    if (typeof retryAfter === 'string') r.retryAfterS = Number(retryAfter);
    const instance = res.headers['x-memocha-instance'];
    if (typeof instance === 'string') r.instance = instance;
    const isSse = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
    if (!isSse) {
      const text = await res.body.text();
      r.endAt = performance.now();
      r.bytes = text.length;
      const json = JSON.parse(text) as Record<string, unknown>;
      if (res.statusCode !== 200) return fail(r, json);
      readDone(r, json);
      const content = (json.message as { content?: string } | undefined)?.content ?? '';
      if (content) r.chunks.push({ at: r.endAt, text: content });
      r.ok = true;
      return r;
    }
    const parser = new SseParser();
    const decoder = new TextDecoder();
    let content = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      const at = performance.now();
      r.bytes += chunk.length;
      for (const item of parser.push(decoder.decode(chunk, { stream: true }), at)) {
        if (item.kind === 'comment') {
          r.keepAlives++;
          continue;
        }
        const data = JSON.parse(item.event.data) as Record<string, unknown>;
        if (item.event.event === 'meta') {
          r.sessionId = data.sessionId as string;
          r.messageId = data.assistantMessageId as string;
          r.memories = Array.isArray(data.memories) ? data.memories.length : 0;
          r.promptParts = data.promptTokens as Record<string, number> | undefined;
        } else if (item.event.event === 'token') {
          r.chunks.push({ at: item.at, text: String(data.text ?? '') });
          content++;
        } else if (item.event.event === 'done') {
          readDone(r, data);
          r.ok = true;
        } else if (item.event.event === 'error') {
          fail(r, { error: data });
        }
      }
      if (req.abortAfterChunks !== undefined && content >= req.abortAfterChunks) {
        res.body.destroy();
        r.error = 'client aborted';
        break;
      }
      if (req.readDelayMs) await new Promise((resolve) => setTimeout(resolve, req.readDelayMs));
    }
    r.endAt = performance.now();
    if (!r.ok && !r.error) r.error = 'stream ended without done';
    return r;
  } catch (err) {
    r.endAt = performance.now();
    r.error = err instanceof Error ? err.message : String(err);
    return r;
  }
}

function readDone(r: ChatResult, data: Record<string, unknown>) {
  const usage = data.usage as { completionTokens?: number; promptTokens?: number } | undefined;
  r.outputTokens = usage?.completionTokens ?? 0;
  r.promptTokens = usage?.promptTokens;
  r.serverTimings = data.timings as Record<string, number | undefined> | undefined;
  const message = data.message as { id?: string; sessionId?: string } | undefined;
  r.messageId ??= message?.id;
  r.sessionId ??= (data.sessionId as string | undefined) ?? message?.sessionId;
}

function fail(r: ChatResult, json: Record<string, unknown>): ChatResult {
  const e = json.error as { code?: string; message?: string } | undefined;
  r.ok = false;
  r.errorCode = e?.code;
  r.error = e?.message ?? `HTTP ${r.status}`;
  return r;
}

/** The same workload straight to an OpenAI-compatible /v1/chat/completions (for --direct overhead). */
export async function directOnce(
  baseUrl: string,
  req: { messages: { role: string; content: string }[]; model: string; stream: boolean; maxTokens?: number; apiKey?: string; signal?: AbortSignal },
  dispatcher?: Agent,
): Promise<ChatResult> {
  const r: ChatResult = { ok: false, status: 0, sentAt: performance.now(), endAt: 0, chunks: [], outputTokens: 0, keepAlives: 0, bytes: 0 };
  try {
    const res = await request(`${baseUrl.replace(/\/$/, '')}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${req.apiKey ?? 'none'}` },
      body: JSON.stringify({ model: req.model, messages: req.messages, stream: req.stream, ...(req.stream ? { stream_options: { include_usage: true } } : {}), ...(req.maxTokens ? { max_tokens: req.maxTokens } : {}) }),
      dispatcher,
      signal: req.signal,
    });
    r.status = res.statusCode;
    if (!req.stream || res.statusCode !== 200) {
      const json = (await res.body.json()) as { choices?: { message?: { content?: string } }[]; usage?: { completion_tokens?: number; prompt_tokens?: number }; error?: { message?: string } };
      r.endAt = performance.now();
      if (res.statusCode !== 200) return { ...r, error: json.error?.message ?? `HTTP ${res.statusCode}` };
      const content = json.choices?.[0]?.message?.content ?? '';
      if (content) r.chunks.push({ at: r.endAt, text: content });
      r.outputTokens = json.usage?.completion_tokens ?? 0;
      r.promptTokens = json.usage?.prompt_tokens;
      r.ok = true;
      return r;
    }
    const parser = new SseParser();
    const decoder = new TextDecoder();
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      const at = performance.now();
      r.bytes += chunk.length;
      for (const item of parser.push(decoder.decode(chunk, { stream: true }), at)) {
        if (item.kind !== 'event' || item.event.data === '[DONE]') continue;
        const data = JSON.parse(item.event.data) as { choices?: { delta?: { content?: string } }[]; usage?: { completion_tokens?: number; prompt_tokens?: number } | null };
        const text = data.choices?.[0]?.delta?.content ?? '';
        if (text) r.chunks.push({ at: item.at, text });
        if (data.usage) {
          r.outputTokens = data.usage.completion_tokens ?? 0;
          r.promptTokens = data.usage.prompt_tokens;
        }
      }
    }
    r.endAt = performance.now();
    r.ok = true;
    return r;
  } catch (err) {
    r.endAt = performance.now();
    r.error = err instanceof Error ? err.message : String(err);
    return r;
  }
}
