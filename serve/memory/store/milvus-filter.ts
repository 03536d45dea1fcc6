/**
 * Milvus boolean expressions built from a MemoryFilter. Every user-supplied value goes through
 * `milvusString` (a double-quoted literal with `\` and `"` escaped and control characters as
 * \uXXXX) or is a validated integer, so no value can end its literal and change the expression.
 */
import { InvalidMemoryError, type MemoryFilter } from './types';
import { validateCountFilter, assertUserId } from './validate';

/** A Milvus string literal for any well-formed string. */
export function milvusString(value: string): string {
  if (typeof value !== 'string') throw new InvalidMemoryError('a Milvus filter value must be a string');
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (code >= 0xd800 && code <= 0xdfff) throw new InvalidMemoryError('a Milvus filter value must be well-formed Unicode (no lone surrogates)');
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Epoch milliseconds of a valid Date, as an integer literal. */
export function milvusEpochMs(date: Date): string {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isSafeInteger(ms)) throw new InvalidMemoryError('a Milvus filter date must be a valid Date');
  return String(ms);
}

export interface MilvusFilterInput extends Partial<MemoryFilter> {
  ids?: string[];
}

/**
 * The expression for a filter (clauses joined with &&; '' when there is nothing to filter).
 * Stored null sessions are '' in Milvus, and empty session filters are refused, so they never match.
 */
export function milvusFilter(filter: MilvusFilterInput): string {
  validateCountFilter(filter);
  const parts: string[] = [];
  if (filter.userId !== undefined) {
    assertUserId(filter.userId);
    parts.push(`user_id == ${milvusString(filter.userId)}`);
  }
  if (filter.sessionId !== undefined) parts.push(`session_id == ${milvusString(filter.sessionId)}`);
  if (filter.from !== undefined) parts.push(`created_at >= ${milvusEpochMs(filter.from)}`);
  if (filter.to !== undefined) parts.push(`created_at <= ${milvusEpochMs(filter.to)}`);
  if (filter.ids !== undefined) {
    if (!Array.isArray(filter.ids)) throw new InvalidMemoryError('ids must be an array');
    parts.push(`id in [${filter.ids.map(milvusString).join(', ')}]`);
  }
  return parts.join(' && ');
}
