import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { toClientError } from '../chat/llm-errors';
import { cancelledBy, TurnCancelled, type RunningTurns } from '../chat/running-turns';
import { answerReserve, startTurn, type ChatDeps, type Turn, type TurnEvent, type TurnInput, type TurnStages, type TurnTimings } from '../chat/turn';
import { AppError } from '../errors';
import { parseWith, readJson, requireUuid } from '../http/body';
import { serverTiming } from '../http/server-timing';
import { countTokens } from '../llm/tokens';
import type { LlmError } from '../llm/types';
import { rateLimited } from '../ratelimit/http';
import type { RateLimits } from '../ratelimit/rate-limits';
import { openSse, wantsSse } from '../sse';

export interface ChatRouteDeps extends ChatDeps {
  /** Fails fast (breaker open, queue full) before anything is stored. */
  admit: () => LlmError | null;
  /** Turns running, so that shutdown and deletes (of a session, of memories) can stop them. */
  turns: RunningTurns;
  /** Per-user limits (serve/ratelimit/); absent or null: none. */
  rateLimits?: RateLimits | null;
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
    const receivedAt = arrival(ctx);
    const sessionId = requireUuid(ctx.params.id, 'session id');
    const body = parseWith(messageBody, await readJson(ctx, bodyLimit));
    checkLength(body.content, maxChars);
    const reserve = answerReserve(deps.config, body.maxTokens);
    await rateLimited(ctx, deps.rateLimits, () => countTokens(body.content) + reserve, (onUsage) =>
      answer(ctx, deps, { sessionId, content: body.content, temperature: body.temperature, maxTokens: body.maxTokens, receivedAt, onUsage }),
    );
  });

  router.post('/chat', async (ctx) => {
    const receivedAt = arrival(ctx);
    const body = parseWith(chatBody, await readJson(ctx, bodyLimit));
    checkLength(body.message, maxChars);
    const reserve = answerReserve(deps.config, body.maxTokens);
    const given = body.sessionId !== undefined ? requireUuid(body.sessionId, 'sessionId') : undefined;
    await rateLimited(ctx, deps.rateLimits, () => countTokens(body.message) + reserve, async (onUsage) => {
      let sessionId = given;
      if (sessionId === undefined) {
        await admitted(deps); // no empty session for a request that would be refused anyway
        sessionId = (await deps.repos.sessions.create({ userId: ctx.state.userId })).id;
      }
      await answer(ctx, deps, { sessionId, content: body.message, temperature: body.temperature, maxTokens: body.maxTokens, receivedAt, onUsage });
    });
  });

  return router;
}

/** When the request reached the server (the first middleware), else now. */
export function arrival(ctx: Context): number {
  const at = (ctx.state as { receivedAt?: unknown }).receivedAt;
  return typeof at === 'number' ? at : performance.now();
}

export function checkLength(content: string, maxChars: number) {
  if (content.length > maxChars) {
    throw new AppError(413, 'content_too_long', `content has ${content.length} characters; the limit is ${maxChars}`);
  }
}

export async function admitted(deps: ChatRouteDeps) {
  const refusal = deps.admit();
  if (refusal) {
    const e = toClientError(refusal);
    throw new AppError(e.status, e.code, e.message, undefined, e.retryAfterS ? { 'Retry-After': String(e.retryAfterS) } : {});
  }
}

/** How a started turn is answered: Memocha's SSE or JSON here, OpenAI's shapes in serve/routes/openai.ts. */
export type TurnRenderer = (ctx: Context, deps: ChatRouteDeps, turn: Turn, controller: AbortController, receivedAt: number) => Promise<void>;

/** Admission, registration (deletes and shutdown stop it), the turn, its cancellation; `render` answers. */
export async function answer(ctx: Context, deps: ChatRouteDeps, input: Omit<TurnInput, 'userId' | 'signal'>, render?: TurnRenderer) {
  const receivedAt = input.receivedAt;
  await admitted(deps);
  const userId = ctx.state.userId as string;
  const controller = new AbortController();
  // Registered before the turn starts, so a delete or shutdown from now on stops it.
  const release = deps.turns.add(userId, input.sessionId, controller);
  try {
    // The client going away while the turn starts stops its memory retrieval.
    const onEarlyClose = () => controller.abort(new TurnCancelled('client_closed'));
    ctx.res.once('close', onEarlyClose);
    let turn: Turn;
    try {
      turn = await startTurn(deps, { userId, ...input, signal: controller.signal });
    } catch (err) {
      throw await stopError(deps, userId, input.sessionId, controller.signal, err);
    } finally {
      ctx.res.off('close', onEarlyClose);
    }
    const early = cancelledBy(controller.signal);
    if (early) {
      // Stopped while starting: settle the turn's rows, then answer before any SSE header.
      try {
        for await (const ev of turn.run(controller.signal)) void ev;
      } catch (err) {
        deps.logger.debug({ err, code: early.code }, 'a cancelled turn failed while stopping');
      }
      await settleCancelled(deps, userId, turn, early);
      throw cancelError(early, turn);
    }
    if (render) await render(ctx, deps, turn, controller, receivedAt);
    else if (wantsSse(ctx)) await streamTurn(ctx, deps, turn, controller, receivedAt);
    else await jsonTurn(ctx, deps, turn, controller);
  } finally {
    release();
  }
}

export function cancelError(c: TurnCancelled, turn?: Turn): AppError {
  const details = turn ? { messageId: turn.meta.assistantMessageId, userMessageId: turn.meta.userMessageId } : undefined;
  return new AppError(c.status, c.code, c.message, details, c.retryAfterS ? { 'Retry-After': String(c.retryAfterS) } : {});
}

/**
 * What a turn that threw answers: its cancellation when it was stopped (a write into a session deleted
 * meanwhile fails), 410 when its session is gone without a cancel reaching it (deleted just as it
 * started), else the error itself.
 */
async function stopError(deps: ChatRouteDeps, userId: string, sessionId: string, signal: AbortSignal, err: unknown): Promise<unknown> {
  const stopped = cancelledBy(signal);
  if (stopped) {
    deps.logger.debug({ err, code: stopped.code }, 'a cancelled turn failed while stopping');
    return cancelError(stopped);
  }
  if (err instanceof AppError) return err;
  const gone = await deps.repos.sessions.get(userId, sessionId).then(
    (s) => s === null,
    () => false,
  );
  if (gone) {
    deps.logger.debug({ err }, 'the session was deleted while the turn ran');
    return cancelError(new TurnCancelled('session_deleted'));
  }
  return err;
}

/**
 * A turn stopped because memories were deleted is never remembered: its own messages are marked
 * forgotten once it has stored them (the delete's own mark may have run before they existed).
 */
export async function settleCancelled(deps: ChatRouteDeps, userId: string, turn: Turn, c: TurnCancelled) {
  if (c.code !== 'memories_forgotten') return;
  await deps.repos.memoryIndex.forget({ userId, ids: [turn.meta.userMessageId, turn.meta.assistantMessageId] }).catch((err: unknown) => {
    deps.logger.error({ err, messageId: turn.meta.assistantMessageId }, 'could not mark a cancelled turn forgotten');
  });
}

async function streamTurn(ctx: Context, deps: ChatRouteDeps, turn: Turn, controller: AbortController, receivedAt: number) {
  // What is known when the headers go out: the stages before the LLM and Memocha's time so far.
  const timing = serverTiming([...stageMetrics(turn.stages), { name: 'pre', dur: performance.now() - receivedAt, desc: 'received to headers sent' }]);
  const sse = openSse(ctx, { keepAliveMs: deps.config.SSE_KEEPALIVE_MS, coalesceMs: deps.config.SSE_COALESCE_MS, headers: { 'X-Request-Id': ctx.state.requestId as string, 'Server-Timing': timing } });
  sse.signal.addEventListener('abort', () => controller.abort(new TurnCancelled('client_closed')), { once: true });
  const userId = ctx.state.userId as string;
  const sendCancelled = async (c: TurnCancelled) => {
    await settleCancelled(deps, userId, turn, c);
    sse.send('error', { code: c.code, message: c.message, messageId: turn.meta.assistantMessageId, ...(c.retryAfterS ? { retryAfterS: c.retryAfterS } : {}) });
  };
  try {
    sse.send('meta', turn.meta);
    for await (const ev of turn.run(controller.signal)) {
      if (ev.type === 'token') {
        sse.send('token', { text: ev.text }, { coalesce: true });
        continue;
      }
      // A turn stopped by us ends with why, whatever it managed to finish meanwhile.
      const stopped = cancelledBy(controller.signal);
      if (stopped) await sendCancelled(stopped);
      else if (ev.type === 'done') sse.send('done', doneBody(ev, deps.costUsd));
      else sse.send('error', { code: ev.code, message: ev.message, messageId: ev.messageId, retryAfterS: ev.retryAfterS });
      return;
    }
    // Ended without a last event: aborted (by the client, shutdown or a delete).
    const stopped = cancelledBy(controller.signal);
    if (stopped && !sse.closed) await sendCancelled(stopped);
  } catch (err) {
    const stopped = cancelledBy(controller.signal);
    if (stopped) await sendCancelled(stopped);
    else {
      deps.logger.error({ err, sessionId: turn.meta.sessionId }, 'the streamed turn failed');
      sse.send('error', { code: 'internal_error', message: 'The answer failed; try again', messageId: turn.meta.assistantMessageId });
    }
  } finally {
    sse.close();
  }
}

async function jsonTurn(ctx: Context, deps: ChatRouteDeps, turn: Turn, controller: AbortController) {
  const final = await finalEvent(ctx, deps, turn, controller);
  ctx.set('Server-Timing', serverTiming(timingMetrics(final.timings)));
  ctx.body = { ...doneBody(final, deps.costUsd), sessionId: turn.meta.sessionId, userMessageId: turn.meta.userMessageId, memory: turn.meta.memory, memories: turn.meta.memories };
}

/** Runs a turn answered in one body to its end: its `done` event, or the AppError it (or its cancellation) ends with. */
export async function finalEvent(ctx: Context, deps: ChatRouteDeps, turn: Turn, controller: AbortController): Promise<Extract<TurnEvent, { type: 'done' }>> {
  const onClose = () => {
    if (!ctx.res.writableFinished) controller.abort(new TurnCancelled('client_closed'));
  };
  ctx.res.once('close', onClose);
  let final: TurnEvent | undefined;
  try {
    for await (const ev of turn.run(controller.signal)) if (ev.type !== 'token') final = ev;
  } catch (err) {
    throw await stopError(deps, ctx.state.userId as string, turn.meta.sessionId, controller.signal, err);
  }
  // A turn stopped by us answers why, whatever it managed to finish meanwhile.
  const stopped = cancelledBy(controller.signal);
  if (stopped) {
    await settleCancelled(deps, ctx.state.userId as string, turn, stopped);
    throw cancelError(stopped, turn);
  }
  if (!final || final.type === 'token') throw new AppError(499, 'client_closed', 'The client closed the request');
  if (final.type === 'error') {
    throw new AppError(final.status, final.code, final.message, { messageId: final.messageId, userMessageId: turn.meta.userMessageId }, final.retryAfterS ? { 'Retry-After': String(final.retryAfterS) } : {});
  }
  return final;
}

export function stageMetrics(s: TurnStages) {
  return [
    { name: 'db', dur: s.dbMs },
    { name: 'retrieval', dur: s.retrievalMs },
    { name: 'prompt', dur: s.promptMs },
  ];
}

/** Every stage of a finished turn, for the JSON answer's Server-Timing header. */
export function timingMetrics(t: TurnTimings) {
  const optional: [string, number | undefined, string][] = [
    ['queue', t.queueWaitMs, 'LLM queue wait'],
    ['upstream-ttft', t.llmTtftMs, 'LLM call to first token'],
    ['llm', t.llmMs, 'LLM call'],
    ['ttft', t.ttftMs, 'received to first token'],
    ['pre-upstream', t.preUpstreamMs, 'received to LLM request'],
    ['overhead', t.overheadMs, "Memocha's own time before the first token"],
    ['overhead-token', t.overheadPerTokenMs, 'per token'],
  ];
  return [
    ...stageMetrics(t),
    ...optional.filter(([, dur]) => dur !== undefined).map(([name, dur, desc]) => ({ name, dur, desc })),
    { name: 'total', dur: t.totalMs },
  ];
}

/** `costUsd`: the answer's price from LLM_PRICING (null when its model has no price), shown by the web chat. */
function doneBody(ev: Extract<TurnEvent, { type: 'done' }>, cost: ChatDeps['costUsd']) {
  const costUsd = ev.message.model ? cost(ev.message.model, ev.usage) : null;
  return { message: ev.message, usage: ev.usage, timings: ev.timings, provider: ev.provider, finishReason: ev.finishReason, costUsd };
}
