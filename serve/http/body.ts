import type { Context } from 'koa';
import type { z } from 'zod';
import { AppError, ValidationError } from '../errors';

/** Read a JSON body with a size limit: 415 for another content type, 413 when too large, 400 when not JSON. */
export async function readJson(ctx: Context, limitBytes: number): Promise<unknown> {
  const length = Number(ctx.get('content-length') || 0);
  const hasBody = length > 0 || ctx.get('transfer-encoding') !== '';
  if (!hasBody) return undefined;
  if (!ctx.is('application/json')) {
    throw new AppError(415, 'unsupported_media_type', 'Send the body as application/json');
  }
  if (length > limitBytes) throw tooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw tooLarge(limitBytes);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new AppError(400, 'invalid_json', `Body is not valid JSON: ${(err as Error).message}`);
  }
}

function tooLarge(limit: number) {
  return new AppError(413, 'payload_too_large', `Body is larger than ${limit} bytes`);
}

/** Validate with zod; the first issue becomes the message, all issues go in details. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, what = 'body'): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = issues[0];
  throw new ValidationError(`Invalid ${what}: ${first ? `${first.path || what} ${first.message}` : 'invalid'}`, { issues });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function requireUuid(value: string | undefined, what: string): string {
  if (!value || !UUID.test(value)) throw new AppError(400, 'invalid_id', `${what} must be a UUID`);
  return value.toLowerCase();
}
