/**
 * OpenAI's response shapes for the OpenAI-compatible routes: errors, completions, stream chunks, models.
 * Pure: no I/O.
 */
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import type { MessageRow } from '../db/repos';
import { AppError } from '../errors';
import type { LlmUsage } from '../llm/types';

export interface OpenAiError {
  error: { message: string; type: string; param: string | null; code: string };
}

/** OpenAI's error type for a Memocha error: by status, with the upstream rate limit as `rate_limit_error`. */
export function errorType(status: number, code: string): string {
  if (code === 'llm_rate_limited' || status === 429) return 'rate_limit_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** `param` of an AppError: its details' `param`, or the first zod issue's path. */
function paramOf(details: unknown): string | null {
  if (typeof details !== 'object' || details === null) return null;
  const d = details as { param?: unknown; issues?: { path?: unknown }[] };
  if (typeof d.param === 'string') return d.param;
  const path = d.issues?.[0]?.path;
  return typeof path === 'string' && path !== '' ? path : null;
}

export function openAiError(status: number, code: string, message: string, param: string | null = null): OpenAiError {
  return { error: { message, type: errorType(status, code), param, code } };
}

/**
 * Errors on the OpenAI-compatible routes in OpenAI's shape (`{error: {message, type, param, code}}`, Memocha's
 * code as `code`), from authentication to the answer; unknown paths under them too. Goes before the user.
 */
export function openAiErrors(isOpenAiPath: (path: string) => boolean) {
  return async (ctx: Context, next: Next) => {
    if (!isOpenAiPath(ctx.path)) return next();
    try {
      await next();
      if (ctx.status === 404 && ctx.body == null && ctx.respond !== false) {
        throw new AppError(404, 'not_found', `No route for ${ctx.method} ${ctx.path}`);
      }
    } catch (err) {
      if (ctx.respond === false || ctx.headerSent) throw err;
      if (!(err instanceof AppError)) {
        (ctx.state.log as Logger).error({ err }, 'unhandled error');
        ctx.status = 500;
        ctx.body = openAiError(500, 'internal_error', 'Internal server error');
        return;
      }
      ctx.status = err.status;
      for (const [k, v] of Object.entries(err.headers)) ctx.set(k, v);
      ctx.body = openAiError(err.status, err.code, err.message, paramOf(err.details));
    }
  };
}

export function usageBody(u: LlmUsage) {
  return { prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens, total_tokens: u.promptTokens + u.completionTokens };
}

export interface CompletionIds {
  /** `chatcmpl-` + the answer's message id. */
  id: string;
  /** Unix seconds. */
  created: number;
  model: string;
}

export function completionBody(ids: CompletionIds, message: MessageRow, finishReason: string, usage: LlmUsage, memocha: Record<string, unknown>) {
  return {
    id: ids.id,
    object: 'chat.completion' as const,
    created: ids.created,
    model: message.model ?? ids.model,
    choices: [{ index: 0, message: { role: 'assistant' as const, content: message.content, refusal: null }, logprobs: null, finish_reason: finishReason }],
    usage: usageBody(usage),
    memocha,
  };
}

/** One `chat.completion.chunk`; with include_usage every chunk carries `usage: null` but the last. */
export function chunkBody(ids: CompletionIds, delta: Record<string, unknown>, finishReason: string | null, includeUsage: boolean) {
  return {
    id: ids.id,
    object: 'chat.completion.chunk' as const,
    created: ids.created,
    model: ids.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  };
}

/** The include_usage chunk: no choices, the usage. */
export function usageChunkBody(ids: CompletionIds, usage: LlmUsage) {
  return { id: ids.id, object: 'chat.completion.chunk' as const, created: ids.created, model: ids.model, choices: [], usage: usageBody(usage) };
}

export function modelBody(id: string, created: number) {
  return { id, object: 'model' as const, created, owned_by: 'memocha' };
}
