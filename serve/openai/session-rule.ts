/**
 * Which Memocha session an OpenAI-style request belongs to (README "OpenAI-compatible API"):
 * 1. a session key (`X-Memocha-Session`, else `metadata.session_id`): one of the user's own session ids
 *    is used as it is; any other key names a session derived from (user, key);
 * 2. no key: the session derived from (user, the client's system text, its first user message), so each
 *    client conversation, which resends its whole history each call, maps to one session.
 * Derived ids are name-based UUIDs (RFC 9562 version 5), so the same conversation finds the same session
 * on any server, and a key never reaches another user's session (the user is part of the name).
 */
import { createHash } from 'node:crypto';
import type { SessionsRepo } from '../db/repos';
import { AppError } from '../errors';

/** The name space of derived session ids (a fixed random UUID). */
const NAMESPACE = '6f1c2b9e-4d7a-4c1e-9b3f-0a8d5e7c2f41';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEY = /^[\x21-\x7e](?:[\x20-\x7e]{0,198}[\x21-\x7e])?$/;

/** RFC 9562 UUIDv5: SHA-1 of the name space's bytes and the name, with version 5 and the RFC variant. */
export function uuidV5(name: string, namespace = NAMESPACE): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x50;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function checkSessionKey(key: string, param: string): string {
  if (!KEY.test(key)) {
    throw new AppError(400, 'invalid_session_key', `${param} must be 1-200 printable ASCII characters`, { param });
  }
  return key;
}

/** The derived session id of a conversation without a key (JSON keeps the parts apart). */
export function conversationSessionId(userId: string, system: string, firstUser: string): string {
  return uuidV5(JSON.stringify(['conversation', userId, system, firstUser]));
}

export function keyedSessionId(userId: string, key: string): string {
  return uuidV5(JSON.stringify(['key', userId, key]));
}

export type SessionChoice = { sessionId: string; rule: 'session' | 'key' | 'conversation' };

/**
 * The session of this request, created on first use (titled with the first user message). Two first
 * calls of one conversation at once both end in the same session.
 */
export async function resolveSession(
  sessions: Pick<SessionsRepo, 'get' | 'create'>,
  q: { userId: string; key?: string; system: string; firstUser: string },
): Promise<SessionChoice> {
  if (q.key !== undefined && UUID.test(q.key)) {
    const own = await sessions.get(q.userId, q.key.toLowerCase());
    if (own) return { sessionId: own.id, rule: 'session' };
  }
  const choice: SessionChoice =
    q.key !== undefined
      ? { sessionId: keyedSessionId(q.userId, q.key), rule: 'key' }
      : { sessionId: conversationSessionId(q.userId, q.system, q.firstUser), rule: 'conversation' };
  if (await sessions.get(q.userId, choice.sessionId)) return choice;
  const title = (q.key ?? q.firstUser).replace(/\s+/g, ' ').trim().slice(0, 80);
  try {
    await sessions.create({ id: choice.sessionId, userId: q.userId, title });
  } catch (err) {
    // Created by a concurrent first call meanwhile (a unique violation): use it.
    if (!(await sessions.get(q.userId, choice.sessionId))) throw err;
  }
  return choice;
}
