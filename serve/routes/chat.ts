import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { toClientError } from '../chat/llm-errors';
import { answerReserve, startTurn, type ChatDeps, type Turn, type TurnEvent } from '../chat/turn';
import { AppError } from '../errors';
import { parseWith, readJson, requireUuid } from '../http/body';
import type { LlmError } from '../llm/types';
import { openSse, wantsSse } from '../sse';

export interface ChatRouteDeps extends ChatDeps {
  /** Fails fast (breaker open, queue full) before anything is stored. */
  admit: () => LlmError | null;
  /** Streams in flight, so shutdown can abort them. */
  inflight: Set<AbortController>;
}

const options = {
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().min(1).max(32_768).optional(),
};
const text = () =>
  z
    .string()
    .refine((s) => s.trim().length > 0, 'must not be empty')
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');

export function chatRoutes(deps: ChatRouteDeps) {
  const router = new Router();
  const maxChars = deps.config.MAX_CONTENT_CHARS;
  const bodyLimit = deps.config.MAX_BODY_BYTES;
  const messageBody = z.object({ content: text(), ...options }).strict();
  const chatBody = z.object({ message: text(), sessionId: z.string().optional(), ...options }).strict();

  router.post('/v1/sessions/:id/messages', async (ctx) => {
    const receivedAt = performance.now();
    const sessionId = requireUuid(ctx.params.id, 'session id');
    const body = parseWith(messageBody, await readJson(ctx, bodyLimit));
    checkLength(body.content, maxChars);
    answerReserve(deps.config, body.maxTokens);
    await answer(ctx, deps, { sessionId, content: body.content, temperature: body.temperature, maxTokens: body.maxTokens, receivedAt });
  });

  router.post('/chat', async (ctx) => {
    const receivedAt = performance.now();
    const body = parseWith(chatBody, await readJson(ctx, bodyLimit));
    checkLength(body.message, maxChars);
    answerReserve(deps.config, body.maxTokens);
    let sessionId: string;
    if (body.sessionId !== undefined) sessionId = requireUuid(body.sessionId, 'sessionId');
    else {
      await admitted(deps); // no empty session for a request that would be refused anyway
      sessionId = (await deps.repos.sessions.create({ userId: ctx.state.userId })).id;
    }
    await answer(ctx, deps, { sessionId, content: body.message, temperature: body.temperature, maxTokens: body.maxTokens, receivedAt });
  });

  return router;
}

function checkLength(content: string, maxChars: number) {
  if (content.length > maxChars) {
    throw new AppError(413, 'content_too_long', `content has ${content.length} characters; the limit is ${maxChars}`);
  }
}

async function admitted(deps: ChatRouteDeps) {
  const refusal = deps.admit();
  if (refusal) {
    const e = toClientError(refusal);
    throw new AppError(e.status, e.code, e.message, undefined, e.retryAfterS ? { 'Retry-After': String(e.retryAfterS) } : {});
  }
}

async function answer(
  ctx: Context,
  deps: ChatRouteDeps,
  input: { sessionId: string; content: string; temperature?: number; maxTokens?: number; receivedAt: number },
) {
  await admitted(deps);
  const controller = new AbortController();
  // The client going away while the turn starts stops its memory retrieval.
  const onEarlyClose = () => controller.abort();
  ctx.res.once('close', onEarlyClose);
  let turn: Turn;
  try {
    turn = await startTurn(deps, { userId: ctx.state.userId as string, ...input, signal: controller.signal });
  } finally {
    ctx.res.off('close', onEarlyClose);
  }
  deps.inflight.add(controller);
  try {
    if (wantsSse(ctx)) await streamTurn(ctx, deps, turn, controller);
    else await jsonTurn(ctx, turn, controller);
  } finally {
    deps.inflight.delete(controller);
  }
}

async function streamTurn(ctx: Context, deps: ChatRouteDeps, turn: Turn, controller: AbortController) {
  const sse = openSse(ctx, { keepAliveMs: deps.config.SSE_KEEPALIVE_MS, coalesceMs: deps.config.SSE_COALESCE_MS, headers: { 'X-Request-Id': ctx.state.requestId as string } });
  sse.signal.addEventListener('abort', () => controller.abort(), { once: true });
  sse.send('meta', turn.meta);
  for await (const ev of turn.run(controller.signal)) {
    if (ev.type === 'token') sse.send('token', { text: ev.text }, { coalesce: true });
    else if (ev.type === 'done') sse.send('done', doneBody(ev));
    else sse.send('error', { code: ev.code, message: ev.message, messageId: ev.messageId, retryAfterS: ev.retryAfterS });
  }
  if (controller.signal.aborted && !sse.closed) {
    // Aborted by us (shutdown), not by the client: say so before closing.
    sse.send('error', { code: 'server_shutting_down', message: 'The server is shutting down; the partial answer was stored', messageId: turn.meta.assistantMessageId });
  }
  sse.close();
}

async function jsonTurn(ctx: Context, turn: Turn, controller: AbortController) {
  const onClose = () => {
    if (!ctx.res.writableFinished) controller.abort();
  };
  ctx.res.once('close', onClose);
  let final: TurnEvent | undefined;
  for await (const ev of turn.run(controller.signal)) if (ev.type !== 'token') final = ev;
  if (!final || final.type === 'token') throw new AppError(499, 'client_closed', 'The client closed the request');
  if (final.type === 'error') {
    throw new AppError(final.status, final.code, final.message, { messageId: final.messageId, userMessageId: turn.meta.userMessageId }, final.retryAfterS ? { 'Retry-After': String(final.retryAfterS) } : {});
  }
  ctx.body = { ...doneBody(final), sessionId: turn.meta.sessionId, userMessageId: turn.meta.userMessageId, memory: turn.meta.memory, memories: turn.meta.memories };
}

function doneBody(ev: Extract<TurnEvent, { type: 'done' }>) {
  return { message: ev.message, usage: ev.usage, timings: ev.timings, provider: ev.provider, finishReason: ev.finishReason };
}
