/**
 * Chunking strategies: which pieces of past conversation get embedded as memories. Pure, no I/O.
 * Chunk ids are deterministic (see chunkId), so re-indexing upserts instead of duplicating, and a
 * growing window or day digest replaces its previous version.
 */
import { createHash } from 'node:crypto';
import type { MessageRow } from '../db/repos/messages';
import { DEFAULT_DIGEST_MAX_SENTENCES, digestExtractive } from './digest';
import { isTrivial, normaliseText } from './normalise';

export const CHUNK_STRATEGIES = ['message', 'turn', 'window', 'daily'] as const;
export type ChunkStrategy = (typeof CHUNK_STRATEGIES)[number];

export interface ChunkingConfig {
  strategy: ChunkStrategy;
  /** 'window': turns per window. Default 3. */
  windowTurns?: number;
  /** 'window': turns between window starts, 1 ≤ stride ≤ windowTurns. Default 2 (one turn of overlap at 3). */
  windowStride?: number;
  /** Index 'partial' messages (an aborted or cut-off answer the user did see). Default true. */
  includePartial?: boolean;
  /** Count polar answers ("yes", "no", "sure") as trivial for message/turn/window. Default false. */
  answersAreTrivial?: boolean;
  /** 'daily': sentences kept by the extractive digest. Default 12. */
  digestMaxSentences?: number;
}

/** The fields of a MessageRow that chunking reads; `createdAt` may be an ISO string or a Date. */
export type ChunkableMessage = Pick<MessageRow, 'id' | 'sessionId' | 'userId' | 'role' | 'content' | 'status'> & {
  seq?: number;
  createdAt: string | Date;
};

export type ChunkRole = 'user' | 'assistant' | 'turn' | 'digest';

export interface MemoryChunk {
  id: string;
  userId: string;
  sessionId: string | null;
  messageIds: string[];
  role: ChunkRole;
  /** What gets embedded. */
  text: string;
  /** Of the newest source message. */
  createdAt: Date;
}

/** A message that passed the eligibility filter, with its normalised text. */
export interface PreparedMessage {
  id: string;
  sessionId: string;
  userId: string;
  role: 'user' | 'assistant';
  text: string;
  trivial: boolean;
  at: Date;
}

export type Summariser = (texts: string[]) => Promise<string>;

const CHUNK_ID_VERSION = 'memocha-chunk/v1';

/** A UUID-shaped (RFC 9562 version 8) SHA-256 of the strategy and the parts that identify the chunk. */
export function chunkId(strategy: ChunkStrategy, parts: readonly (string | number)[]): string {
  const hex = createHash('sha256').update(JSON.stringify([CHUNK_ID_VERSION, strategy, ...parts])).digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function toDate(value: string | Date): Date {
  const d = value instanceof Date ? new Date(value.getTime()) : new Date(value);
  if (Number.isNaN(d.getTime())) throw new RangeError(`invalid message date: ${String(value)}`);
  return d;
}

/** YYYY-MM-DD of the UTC calendar day. */
export function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

interface Resolved {
  strategy: ChunkStrategy;
  windowTurns: number;
  windowStride: number;
  includePartial: boolean;
  answersAreTrivial: boolean;
  digestMaxSentences: number;
}

function resolveConfig(cfg: ChunkingConfig): Resolved {
  const windowTurns = cfg.windowTurns ?? 3;
  const windowStride = cfg.windowStride ?? Math.min(2, windowTurns);
  if (!Number.isInteger(windowTurns) || windowTurns < 1) throw new RangeError(`windowTurns must be an integer ≥ 1, got ${windowTurns}`);
  if (!Number.isInteger(windowStride) || windowStride < 1 || windowStride > windowTurns) {
    throw new RangeError(`windowStride must be an integer in 1..windowTurns (${windowTurns}), got ${windowStride}`);
  }
  return {
    strategy: cfg.strategy,
    windowTurns,
    windowStride,
    includePartial: cfg.includePartial ?? true,
    answersAreTrivial: cfg.answersAreTrivial ?? false,
    digestMaxSentences: cfg.digestMaxSentences ?? DEFAULT_DIGEST_MAX_SENTENCES,
  };
}

/**
 * Eligible messages, in conversation order: user and assistant only (system prompts are instructions,
 * not memories); status 'complete', or 'partial' when includePartial; never 'pending' (still streaming)
 * or 'error'; empty after normalisation skipped. Ordered by seq when every message has one, else by
 * createdAt, then input order.
 */
export function prepareMessages(messages: readonly ChunkableMessage[], cfg: ChunkingConfig): PreparedMessage[] {
  const r = resolveConfig(cfg);
  const bySeq = messages.every((m) => typeof m.seq === 'number');
  const out: (PreparedMessage & { seq: number; index: number })[] = [];
  messages.forEach((m, index) => {
    if (m.role !== 'user' && m.role !== 'assistant') return;
    if (m.status !== 'complete' && !(m.status === 'partial' && r.includePartial)) return;
    const text = normaliseText(m.content);
    if (text === '') return;
    const trivial = isTrivial(text, { answersAreTrivial: r.answersAreTrivial });
    out.push({ id: m.id, sessionId: m.sessionId, userId: m.userId, role: m.role, text, trivial, at: toDate(m.createdAt), seq: m.seq ?? 0, index });
  });
  out.sort((a, b) => (bySeq ? a.seq - b.seq : a.at.getTime() - b.at.getTime()) || a.index - b.index);
  return out.map(({ seq: _seq, index: _index, ...m }) => m);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Turns of one session: each user message starts a turn; assistant replies join the open turn. */
export function groupTurns(session: readonly PreparedMessage[]): PreparedMessage[][] {
  const turns: PreparedMessage[][] = [];
  let open: PreparedMessage[] | null = null;
  for (const m of session) {
    if (m.role === 'user' || open === null) {
      open = [m];
      turns.push(open);
    } else open.push(m);
  }
  return turns;
}

const LABEL = { user: 'User', assistant: 'Assistant' } as const;

function turnText(turn: readonly PreparedMessage[]): string {
  return turn.map((m) => `${LABEL[m.role]}: ${m.text}`).join('\n');
}

function makeChunk(id: string, source: readonly PreparedMessage[], role: ChunkRole, text: string): MemoryChunk {
  const first = source[0];
  if (!first) throw new Error('a chunk needs at least one source message');
  const sessions = new Set(source.map((m) => m.sessionId));
  const newest = Math.max(...source.map((m) => m.at.getTime()));
  return {
    id,
    userId: first.userId,
    sessionId: sessions.size === 1 ? first.sessionId : null,
    messageIds: source.map((m) => m.id),
    role,
    text,
    createdAt: new Date(newest),
  };
}

/** Informative turns per session (a turn is dropped only when every message in it is trivial). */
function informativeTurns(prepared: readonly PreparedMessage[]): PreparedMessage[][][] {
  return [...groupBy(prepared, (m) => m.sessionId).values()].map((session) =>
    groupTurns(session).filter((turn) => turn.some((m) => !m.trivial)),
  );
}

function chunkByMessage(prepared: readonly PreparedMessage[]): MemoryChunk[] {
  return prepared.filter((m) => !m.trivial).map((m) => makeChunk(chunkId('message', [m.id]), [m], m.role, m.text));
}

/** Turn ids are anchored on the turn's first message, so a reply added or regenerated later replaces it. */
function chunkByTurn(prepared: readonly PreparedMessage[]): MemoryChunk[] {
  return informativeTurns(prepared)
    .flat()
    .map((turn) => makeChunk(chunkId('turn', [turn[0]?.id ?? '']), turn, 'turn', turnText(turn)));
}

/**
 * Windows of `windowTurns` informative turns starting every `windowStride` turns, per session. The last
 * window is the first one that reaches the newest turn (it may be short and grows in place: its id is
 * hash(windowTurns, windowStride, first message id)), so no window is a mere tail of the one before.
 */
function chunkByWindow(prepared: readonly PreparedMessage[], r: Resolved): MemoryChunk[] {
  const chunks: MemoryChunk[] = [];
  for (const turns of informativeTurns(prepared)) {
    for (let start = 0; start < turns.length; start += r.windowStride) {
      const window = turns.slice(start, start + r.windowTurns);
      const anchor = window[0]?.[0]?.id ?? '';
      const id = chunkId('window', [r.windowTurns, r.windowStride, anchor]);
      chunks.push(makeChunk(id, window.flat(), 'turn', window.map(turnText).join('\n')));
      if (start + r.windowTurns >= turns.length) break;
    }
  }
  return chunks;
}

export interface DigestInput {
  /** hash('daily', userId, day): one slot per user and UTC day, whatever produced the digest. */
  id: string;
  userId: string;
  day: string;
  /** The eligible, non-trivial user and assistant messages of that day, in order. */
  messages: PreparedMessage[];
  /** "User: …" / "Assistant: …" lines for an LLM summariser. */
  texts: string[];
}

/** One group per user and UTC calendar day of the message's createdAt (sessions of the day are merged). */
export function buildDigestInput(messages: readonly ChunkableMessage[], cfg: ChunkingConfig = { strategy: 'daily' }): DigestInput[] {
  const prepared = prepareMessages(messages, cfg).filter((m) => !m.trivial);
  const groups = groupBy(prepared, (m) => JSON.stringify([m.userId, utcDay(m.at)]));
  return [...groups.values()].map((group) => {
    const first = group[0] as PreparedMessage;
    const day = utcDay(first.at);
    return { id: chunkId('daily', [first.userId, day]), userId: first.userId, day, messages: group, texts: group.map((m) => `${LABEL[m.role]}: ${m.text}`) };
  });
}

function extractiveDigest(input: DigestInput, maxSentences: number): MemoryChunk | null {
  const text = digestExtractive(input.messages.map((m) => ({ role: m.role, content: m.text })), maxSentences);
  return text === '' ? null : makeChunk(input.id, input.messages, 'digest', text);
}

/** Chunks by the configured strategy; 'daily' uses the extractive digest (see chunkDaily for an LLM). */
export function chunkMessages(messages: readonly ChunkableMessage[], cfg: ChunkingConfig): MemoryChunk[] {
  const r = resolveConfig(cfg);
  switch (r.strategy) {
    case 'message':
      return chunkByMessage(prepareMessages(messages, cfg));
    case 'turn':
      return chunkByTurn(prepareMessages(messages, cfg));
    case 'window':
      return chunkByWindow(prepareMessages(messages, cfg), r);
    case 'daily':
      return buildDigestInput(messages, cfg)
        .map((input) => extractiveDigest(input, r.digestMaxSentences))
        .filter((c): c is MemoryChunk => c !== null);
  }
}

/**
 * Day digests through an async summariser (an LLM) given each day's "User:/Assistant:" lines, one call
 * per day, sequentially. An empty summary falls back to the extractive digest; a rejection propagates.
 */
export async function chunkDaily(messages: readonly ChunkableMessage[], cfg: ChunkingConfig, summarise?: Summariser): Promise<MemoryChunk[]> {
  const r = resolveConfig({ ...cfg, strategy: 'daily' });
  const chunks: MemoryChunk[] = [];
  for (const input of buildDigestInput(messages, cfg)) {
    const summary = summarise ? normaliseText(await summarise(input.texts)) : '';
    const chunk = summary !== '' ? makeChunk(input.id, input.messages, 'digest', summary) : extractiveDigest(input, r.digestMaxSentences);
    if (chunk) chunks.push(chunk);
  }
  return chunks;
}

/** The chunks that contain at least one of `newMessageIds` (the ones to upsert after a turn). */
export function chunksTouching(chunks: readonly MemoryChunk[], newMessageIds: readonly string[]): MemoryChunk[] {
  const fresh = new Set(newMessageIds);
  return chunks.filter((c) => c.messageIds.some((id) => fresh.has(id)));
}

/**
 * Incremental indexing after a turn: the chunks to upsert. `history` must hold the whole session for
 * 'window' (window starts are counted from the session's first turn) and the user's whole UTC day for
 * 'daily'; the message itself for 'message' and the turn for 'turn' are enough.
 */
export function chunksForNewTurn(history: readonly ChunkableMessage[], newMessageIds: readonly string[], cfg: ChunkingConfig): MemoryChunk[] {
  return chunksTouching(chunkMessages(history, cfg), newMessageIds);
}
