import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import type { ApiKeysRepo } from '../db/repos';
import { AppError } from '../errors';

/** last_used_at is written at most this often per key, so a busy key costs no write per request. */
const TOUCH_EVERY_MS = 60_000;

function unauthorized(code: 'unauthorized' | 'invalid_api_key', message: string): AppError {
  const challenge = code === 'invalid_api_key' ? 'Bearer realm="memocha", error="invalid_token"' : 'Bearer realm="memocha"';
  return new AppError(401, code, message, undefined, { 'WWW-Authenticate': challenge });
}

/**
 * AUTH on: the caller is the user of the API key in `Authorization: Bearer <key>`; X-Memocha-User is ignored.
 * The key is looked up by its hash on every request (no cache), so a revoked key stops working at once,
 * even when another process revoked it. Keys never reach a log.
 */
export function requireApiKey(keys: Pick<ApiKeysRepo, 'findByKey' | 'touch'>) {
  const touched = new Map<string, number>();
  return async (ctx: Context, next: Next) => {
    const header = ctx.get('authorization');
    if (header === '') {
      throw unauthorized('unauthorized', 'An API key is required: send Authorization: Bearer <key> (an operator creates one with npm run keys -- create <user>)');
    }
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match?.[1]) throw unauthorized('unauthorized', 'The Authorization header must be "Bearer <api key>"');
    const key = await keys.findByKey(match[1]);
    if (!key) throw unauthorized('invalid_api_key', 'The API key is not valid (unknown or revoked)');
    ctx.state.userId = key.userId;
    ctx.state.apiKeyId = key.id;
    const now = Date.now();
    if (now - (touched.get(key.id) ?? 0) >= TOUCH_EVERY_MS) {
      touched.set(key.id, now);
      keys.touch(key.id).catch((err: unknown) => (ctx.state.log as Logger).warn({ err, apiKeyId: key.id }, 'could not record the use of an API key'));
    }
    await next();
  };
}
