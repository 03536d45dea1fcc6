/** Rows as the Milvus SDK returns them from query and search, and their mapping to stored memories. */
import type { StoredMemory } from './types';

export interface MilvusRow {
  id: string;
  user_id: string;
  session_id: string;
  message_ids: string;
  role: string;
  text: string;
  created_at: number | string;
  vector?: number[];
  /** Search only: the metric's score (cosine/IP for the vector field, BM25 for the sparse one). */
  score?: number;
}

export function toStored(row: MilvusRow): StoredMemory {
  const ids = JSON.parse(row.message_ids || '[]') as unknown;
  return {
    id: row.id,
    userId: row.user_id,
    sessionId: row.session_id === '' ? null : row.session_id,
    messageIds: Array.isArray(ids) ? ids.map(String) : [],
    role: row.role,
    text: row.text,
    createdAt: new Date(Number(row.created_at)),
  };
}

/** One query's hits: the SDK returns a flat list for one query and a list per query otherwise. */
export function searchRows(results: unknown): MilvusRow[] {
  const raw = results as unknown[];
  return (Array.isArray(raw[0]) ? raw[0] : raw) as MilvusRow[];
}
