/**
 * Test-only OpenAI-compatible upstream on 127.0.0.1 whose behaviour per request is a queue of scripted steps
 * ("two 503s then success", "hang", "cut after 2 tokens"...). Used by the serve/llm tests; not for production.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LlmError } from '../llm/types';
import type { LlmEvent, LlmProvider, LlmRequest } from '../llm/types';

export type Step =
  /**
   * A normal answer (streamed when the request asks for it). Faults on top: `malformedAfter` writes a line
   * that is not JSON after that many tokens and carries on; `noFinish` leaves out the finish_reason chunk,
   * `noDone` the final `data: [DONE]`.
   */
  | { kind: 'ok'; tokens?: string[]; usage?: boolean; ttftMs?: number; itlMs?: number; finishReason?: string; malformedAfter?: number; noFinish?: boolean; noDone?: boolean }
  /** An HTTP error before any token (`body` as JSON, or `rawBody` as it is). */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown; rawBody?: string }
  /** Any answer at all, e.g. 200 text/html or an empty 200 body. */
  | { kind: 'raw'; status?: number; contentType?: string; body: string }
  /** Never answer; the connection stays open until the client gives up. */
  | { kind: 'hang' }
  /** Stream `afterTokens` tokens, then destroy the connection. */
  | { kind: 'cut'; tokens?: string[]; afterTokens: number }
  /** Stream `afterTokens` tokens, then go silent with the connection open. */
  | { kind: 'stall'; tokens?: string[]; afterTokens: number }
  /** Stream one chunk that is not JSON, then end the body (non-streaming: an invalid JSON body). */
  | { kind: 'malformed' }
  /** Destroy the connection without any response. */
  | { kind: 'reset' };

export interface UpstreamRequest {
  body: { model?: string; stream?: boolean; messages?: unknown[]; stream_options?: unknown; [k: string]: unknown };
  step: Step['kind'];
  /** The client closed the connection before the response was complete (an abort reached us). */
  closedByClient: boolean;
  /** The W3C trace context the request carried (sent when Memocha's tracing is on). */
  traceparent?: string;
}

export interface TestUpstream {
  /** Base URL ending in /v1. */
  readonly url: string;
  readonly requests: UpstreamRequest[];
  /** Append steps; when the queue is empty the default step answers. */
  push(...steps: Step[]): void;
  setDefault(step: Step): void;
  close(): Promise<void>;
}

export const DEFAULT_TOKENS = ['Hello', ',', ' world', '!'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startTestUpstream(defaultStep: Step = { kind: 'ok' }): Promise<TestUpstream> {
  const queue: Step[] = [];
  const requests: UpstreamRequest[] = [];
  let fallback = defaultStep;

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as UpstreamRequest['body'];
    const step = queue.shift() ?? fallback;
    const rec: UpstreamRequest = { body, step: step.kind, closedByClient: false, ...(typeof req.headers.traceparent === 'string' ? { traceparent: req.headers.traceparent } : {}) };
    requests.push(rec);
    let weClosed = false;
    res.on('close', () => {
      if (!res.writableFinished && !weClosed) rec.closedByClient = true;
    });
    const model = body.model ?? 'test-model';
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const startStream = () => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(chunk({ role: 'assistant', content: '' }));
    };

    switch (step.kind) {
      case 'status':
        res.writeHead(step.status, { 'content-type': step.rawBody !== undefined ? 'text/html' : 'application/json', ...step.headers });
        res.end(step.rawBody ?? JSON.stringify(step.body ?? { error: { message: `scripted ${step.status}`, type: 'test' } }));
        return;
      case 'raw':
        res.writeHead(step.status ?? 200, step.contentType ? { 'content-type': step.contentType } : {});
        res.end(step.body);
        return;
      case 'hang':
        return; // keep the socket open
      case 'reset':
        weClosed = true;
        req.socket.destroy();
        return;
      case 'malformed':
        if (!body.stream) {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"id": "c1", "choices": [');
          return;
        }
        startStream();
        res.end('data: {"this is": not json\n\n');
        return;
      case 'cut':
      case 'stall': {
        const tokens = step.tokens ?? DEFAULT_TOKENS;
        startStream();
        for (const t of tokens.slice(0, step.afterTokens)) res.write(chunk({ content: t }));
        if (step.kind === 'cut') {
          await sleep(20);
          weClosed = true;
          req.socket.destroy();
        }
        return;
      }
      case 'ok': {
        const tokens = step.tokens ?? DEFAULT_TOKENS;
        const usage = { prompt_tokens: 11, completion_tokens: tokens.length, total_tokens: 11 + tokens.length };
        const withUsage = step.usage !== false;
        if (step.ttftMs) await sleep(step.ttftMs);
        if (!body.stream) {
          const message = { role: 'assistant', content: tokens.join('') };
          const out = { id: 'c1', object: 'chat.completion', created: 0, model, choices: [{ index: 0, message, finish_reason: step.finishReason ?? 'stop' }] };
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(withUsage ? { ...out, usage } : out));
          return;
        }
        startStream();
        for (const [i, t] of tokens.entries()) {
          if (i > 0 && step.itlMs) await sleep(step.itlMs);
          if (res.destroyed) return;
          if (i === step.malformedAfter) res.write('data: {"choices": [{"delta": {"content": "lost\n\n');
          // let a fast producer feel back-pressure instead of buffering everything
          if (!res.write(chunk({ content: t }))) await once(res, 'drain').catch(() => undefined);
        }
        if (!step.noFinish) res.write(chunk({}, step.finishReason ?? 'stop'));
        if (withUsage && body.stream_options) {
          res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 0, model, choices: [], usage })}\n\n`);
        }
        res.end(step.noDone ? '' : 'data: [DONE]\n\n');
        return;
      }
    }
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    push: (...steps) => void queue.push(...steps),
    setDefault: (step) => void (fallback = step),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A base URL on which nothing listens (connection refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

/** Poll until `pred` holds (for effects that arrive asynchronously, e.g. a server noticing a closed socket). */
export async function waitFor(pred: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!pred()) {
    if (performance.now() > until) throw new Error('waitFor: condition not met in time');
    await sleep(10);
  }
}

export const req: LlmRequest = { messages: [{ role: 'user', content: 'hi' }] };

/** Consume a stream: the tokens seen, the done event, and the LlmError it ended with (if any). */
export async function drain(llm: LlmProvider, signal?: AbortSignal, request: LlmRequest = req) {
  const tokens: string[] = [];
  let done: Extract<LlmEvent, { type: 'done' }> | undefined;
  try {
    for await (const ev of llm.stream(request, { signal })) {
      if (ev.type === 'token') tokens.push(ev.text);
      else done = ev;
    }
    return { tokens, done, error: undefined };
  } catch (e) {
    if (!(e instanceof LlmError)) throw e;
    return { tokens, done, error: e };
  }
}
