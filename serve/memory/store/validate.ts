/** Checks shared by every VectorStore, so all stores refuse the same bad input the same way. */
import {
  DimensionMismatchError,
  InvalidMemoryError,
  type MemoryFilter,
  type MemoryIdsFilter,
  type MemoryRecord,
} from './types';

// PostgreSQL text cannot hold NUL, and Milvus drops it: refuse it everywhere.
function assertText(value: unknown, what: string, { nonEmpty = false } = {}): asserts value is string {
  if (typeof value !== 'string') throw new InvalidMemoryError(`${what} must be a string`);
  if (nonEmpty && value.length === 0) throw new InvalidMemoryError(`${what} must not be empty`);
  if (value.includes('\u0000')) throw new InvalidMemoryError(`${what} must not contain NUL characters`);
}

function assertDate(value: unknown, what: string): asserts value is Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new InvalidMemoryError(`${what} must be a valid Date`);
}

export function assertUserId(userId: unknown): asserts userId is string {
  assertText(userId, 'userId', { nonEmpty: true });
}

/** A search/delete filter: userId required, optional parts well-formed. */
export function validateFilter(filter: MemoryFilter): void {
  if (typeof filter !== 'object' || filter === null) throw new InvalidMemoryError('a filter with a userId is required');
  assertUserId(filter.userId);
  validateOptionalParts(filter);
}

/** A count filter: like validateFilter, but userId may be left out. */
export function validateCountFilter(filter: Partial<MemoryFilter>): void {
  if (filter.userId !== undefined) assertUserId(filter.userId);
  validateOptionalParts(filter);
}

function validateOptionalParts(filter: Partial<MemoryFilter>): void {
  if (filter.sessionId !== undefined) assertText(filter.sessionId, 'filter.sessionId', { nonEmpty: true });
  if (filter.from !== undefined) assertDate(filter.from, 'filter.from');
  if (filter.to !== undefined) assertDate(filter.to, 'filter.to');
}

export function isIdsFilter(filter: MemoryFilter | MemoryIdsFilter): filter is MemoryIdsFilter {
  return Array.isArray((filter as Partial<MemoryIdsFilter>).ids);
}

export function validateIdsFilter(filter: MemoryIdsFilter): void {
  assertUserId(filter.userId);
  filter.ids.forEach((id, i) => assertText(id, `ids[${i}]`, { nonEmpty: true }));
}

/** Length, finiteness and non-zero norm (cosine is undefined for a zero vector). */
export function validateVector(vector: unknown, dimensions: number, where: string): asserts vector is Float32Array {
  if (!(vector instanceof Float32Array)) throw new InvalidMemoryError(`${where}: the vector must be a Float32Array`);
  if (vector.length !== dimensions) throw new DimensionMismatchError(dimensions, vector.length, where);
  let norm = 0;
  for (const x of vector) {
    if (!Number.isFinite(x)) throw new InvalidMemoryError(`${where}: the vector contains a non-finite value`);
    norm += x * x;
  }
  if (norm === 0) throw new InvalidMemoryError(`${where}: a zero vector has no direction and cannot be compared by cosine`);
}

export function validateRecord(r: MemoryRecord, dimensions: number): void {
  assertText(r.id, 'record.id', { nonEmpty: true });
  const where = `record ${JSON.stringify(r.id)}`;
  assertUserId(r.userId);
  if (r.sessionId !== null) assertText(r.sessionId, `${where} sessionId`, { nonEmpty: true });
  if (!Array.isArray(r.messageIds)) throw new InvalidMemoryError(`${where}: messageIds must be an array`);
  r.messageIds.forEach((m, i) => assertText(m, `${where} messageIds[${i}]`));
  assertText(r.role, `${where} role`, { nonEmpty: true });
  assertText(r.text, `${where} text`);
  assertDate(r.createdAt, `${where} createdAt`);
  validateVector(r.vector, dimensions, `upsert of ${where}`);
}

/** Validate a batch and keep the last record of each id (one statement cannot touch a row twice). */
export function prepareRecords(records: MemoryRecord[], dimensions: number): MemoryRecord[] {
  const byId = new Map<string, MemoryRecord>();
  for (const r of records) {
    validateRecord(r, dimensions);
    byId.delete(r.id);
    byId.set(r.id, r);
  }
  return [...byId.values()];
}

/** Thrown when an upsert reuses the id of another user's record. */
export function foreignIdError(ids: string[]): InvalidMemoryError {
  const shown = ids.slice(0, 5).map((id) => JSON.stringify(id)).join(', ');
  return new InvalidMemoryError(`upsert refused: ${ids.length} id(s) already belong to another user (${shown})`);
}
