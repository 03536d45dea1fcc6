/**
 * The OpenAI-compatible API: POST /v1/chat/completions and GET /v1/models (README "OpenAI-compatible API").
 * A completion is a Memocha turn like POST /v1/sessions/:id/messages (serve/routes/chat.ts `answer`), with
 * the client's own history as the prompt's window and the session chosen by serve/openai/session-rule.ts;
 * only the request and the answer's shapes differ. Errors are rendered by openAiErrors (serve/openai/shape.ts).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { cancelledBy, TurnCancelled } from '../chat/running-turns';
import { answerReserve, type Turn } from '../chat/turn';
import { AppError } from '../errors';
import { readJson } from '../http/body';
import { USER_ID } from '../http/middleware';
import { serverTiming } from '../http/server-timing';
import { parseCompletionRequest, type CompletionRequest } from '../openai/schema';
import { checkSessionKey, resolveSession } from '../openai/session-rule';
import { countChatTokens } from '../llm/tokens';
import { rateLimited } from '../ratelimit/http';
import { chunkBody, completionBody, modelBody, openAiError, usageChunkBody, type CompletionIds } from '../openai/shape';
import { openSse } from '../sse';
import { admitted, answer, arrival, checkLength, finalEvent, settleCancelled, stageMetrics, timingMetrics, type ChatRouteDeps, type TurnRenderer } from './chat';

/** The alias every client may name instead of the configured model. */
export const MODEL_ALIAS = 'memocha';

export const isOpenAiPath = (path: string) => path === '/v1/chat/completions' || path === '/v1/models' || path.startsWith('/v1/models/');

export function openAiRoutes(deps: ChatRouteDeps) {
  const router = new Router();
  const created = Math.floor(Date.now() / 1000);
  const models = [...new Set([MODEL_ALIAS, deps.llm.model])];
  const known = (id: string) => models.includes(id);
  const notFound = (id: string) => new AppError(404, 'model_not_found', `The model '${id}' does not exist; GET /v1/models lists the models here`, { param: 'model' });

  router.get('/v1/models', (ctx) => {
    ctx.body = { object: 'list', data: models.map((id) => modelBody(id, created)) };
  });

  router.get('/v1/models/:model', (ctx) => {
    const id = ctx.params.model ?? '';
    if (!known(id)) throw notFound(id);
    ctx.body = modelBody(id, created);
  });

  router.post('/v1/chat/completions', async (ctx) => {
    const receivedAt = arrival(ctx);
    const req = parseCompletionRequest(await readJson(ctx, deps.config.MAX_BODY_BYTES));
    if (!known(req.model)) throw notFound(req.model);
    checkLength(req.content, deps.config.MAX_CONTENT_CHARS);
    let reserve: number;
    try {
      reserve = answerReserve(deps.config, req.maxTokens);
    } catch (err) {
      throw err instanceof AppError ? new AppError(err.status, err.code, err.message.replace('maxTokens', 'max_tokens'), { param: 'max_tokens' }) : err;
    }
    const header = ctx.get('x-memocha-session');
    const key = header !== '' ? checkSessionKey(header, 'X-Memocha-Session') : req.sessionKey !== undefined ? checkSessionKey(req.sessionKey, 'metadata.session_id') : undefined;
    await nameUser(ctx, deps, req.user);
    // OpenAI's estimate: the messages the client sent plus the answer's reserve (settled to the real usage).
    const estimate = () => countChatTokens([{ role: 'system', content: req.system }, ...req.history, { role: 'user', content: req.content }]) + reserve;
    await rateLimited(ctx, deps.rateLimits, estimate, async (onUsage) => {
      await admitted(deps); // no session is created for a request that would be refused anyway
      const { sessionId } = await resolveSession(deps.repos.sessions, { userId: ctx.state.userId as string, key, system: req.system, firstUser: req.firstUser });
      ctx.set('X-Memocha-Session', sessionId);
      await answer(
        ctx,
        deps,
        {
          sessionId,
          content: req.content,
          temperature: req.temperature,
          maxTokens: req.maxTokens,
          stop: req.stop,
          sampling: req.sampling,
          clientHistory: { system: req.system, messages: req.history },
          receivedAt,
          onUsage,
        },
        req.stream ? streamCompletion(req) : jsonCompletion,
      );
    });
  });

  return router;
}

/** AUTH off: the `user` field names the user unless X-Memocha-User does. AUTH on: the key's user stays. */
async function nameUser(ctx: Context, deps: ChatRouteDeps, user: string | undefined) {
  if (deps.config.authRequired || user === undefined || ctx.get('x-memocha-user') !== '') return;
  if (!USER_ID.test(user)) throw new AppError(400, 'invalid_user', 'user must be 1-128 characters of letters, digits, _ . @ -', { param: 'user' });
  await deps.repos.users.ensure(user);
  ctx.state.userId = user;
}

function idsOf(turn: Turn): CompletionIds {
  return { id: `chatcmpl-${turn.meta.assistantMessageId}`, created: Math.floor(Date.now() / 1000), model: turn.meta.model };
}

/** What Memocha adds to a completion (clients ignore unknown fields). */
function memochaOf(turn: Turn) {
  const m = turn.meta;
  return { session_id: m.sessionId, user_message_id: m.userMessageId, message_id: m.assistantMessageId, memory: m.memory, memories: m.memories };
}

const jsonCompletion: TurnRenderer = async (ctx, deps, turn, controller) => {
  const final = await finalEvent(ctx, deps, turn, controller);
  ctx.set('Server-Timing', serverTiming(timingMetrics(final.timings)));
  ctx.body = completionBody(idsOf(turn), final.message, final.finishReason, final.usage, memochaOf(turn));
};

/**
 * OpenAI's stream: a first chunk with the role, one chunk per token, a last chunk with finish_reason, the usage
 * chunk when asked, `[DONE]`. A failure after the headers is a `data: {"error": …}` event, then the stream closes.
 */
function streamCompletion(req: CompletionRequest): TurnRenderer {
  return async (ctx, deps, turn, controller, receivedAt) => {
    const timing = serverTiming([...stageMetrics(turn.stages), { name: 'pre', dur: performance.now() - receivedAt, desc: 'received to headers sent' }]);
    const sse = openSse(ctx, {
      keepAliveMs: deps.config.SSE_KEEPALIVE_MS,
      coalesceMs: deps.config.SSE_COALESCE_MS,
      headers: { 'X-Request-Id': ctx.state.requestId as string, 'Server-Timing': timing, 'X-Memocha-Session': turn.meta.sessionId },
    });
    sse.signal.addEventListener('abort', () => controller.abort(new TurnCancelled('client_closed')), { once: true });
    const ids = idsOf(turn);
    const send = (body: unknown, coalesce = false) => sse.sendData(JSON.stringify(body), { coalesce });
    const fail = (status: number, code: string, message: string) => send(openAiError(status, code, message));
    const sendCancelled = async (c: TurnCancelled) => {
      await settleCancelled(deps, ctx.state.userId as string, turn, c);
      fail(c.status, c.code, c.message);
    };
    try {
      send(chunkBody(ids, { role: 'assistant', content: '', refusal: null }, null, req.includeUsage));
      for await (const ev of turn.run(controller.signal)) {
        if (ev.type === 'token') {
          send(chunkBody(ids, { content: ev.text }, null, req.includeUsage), true);
          continue;
        }
        const stopped = cancelledBy(controller.signal);
        if (stopped) await sendCancelled(stopped);
        else if (ev.type === 'error') fail(ev.status, ev.code, ev.message);
        else {
          send(chunkBody(ids, {}, ev.finishReason, req.includeUsage));
          if (req.includeUsage) send(usageChunkBody(ids, ev.usage));
          sse.sendData('[DONE]');
        }
        return;
      }
      const stopped = cancelledBy(controller.signal);
      if (stopped && !sse.closed) await sendCancelled(stopped);
    } catch (err) {
      const stopped = cancelledBy(controller.signal);
      if (stopped) await sendCancelled(stopped);
      else {
        deps.logger.error({ err, sessionId: turn.meta.sessionId }, 'the streamed completion failed');
        fail(500, 'internal_error', 'The answer failed; try again');
      }
    } finally {
      sse.close();
    }
  };
}
