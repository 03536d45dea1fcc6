/**
 * Lost-message accounting: what clients were told against what the database holds.
 *
 * - A user message is *acknowledged* when the client got the SSE `meta` event (sent only after the
 *   user message was stored) or a complete answer. It is *lost* when its session holds no user row
 *   with exactly that content.
 * - An answer is *confirmed* when the client got `done` with a message id. It is *lost* when no
 *   assistant row has that id, and a *mismatch* when the row is not `complete` or its content differs
 *   from the text the client received.
 * - messages lost = user messages lost + answers lost (must be 0).
 * - Error rows: a client that saw an error after its acknowledgement (or aborted) expects an
 *   `error`/`partial` assistant row with the id from `meta`; `errorWithoutRow` counts those missing,
 *   `unexplainedErrorRows` counts error/partial rows no client saw fail; `storedWithoutAck` counts user
 *   messages stored although the client saw its request fail before the acknowledgement.
 */
export interface ClientTurn {
  message: string;
  /** the session the answer belongs to (from the server), or the one the request was sent in */
  sessionId?: string;
  acknowledged: boolean;
  ok: boolean;
  /** the assistant message id (from `meta` or `done`) */
  assistantId?: string;
  /** the content the client received */
  text: string;
}

export interface StoredMessage {
  id: string;
  sessionId: string;
  role: string;
  content: string;
  status: string;
}

export interface Ledger {
  sessionsChecked: number;
  acknowledged: number;
  userLost: number;
  confirmed: number;
  assistantLost: number;
  assistantMismatch: number;
  messagesLost: number;
  /** failed after the acknowledgement (error event, cut stream) */
  clientErrorsAfterAck: number;
  /** failed before anything was stored (refused with 503, connection errors) */
  clientErrorsBeforeAck: number;
  storedComplete: number;
  storedError: number;
  storedPartial: number;
  errorWithoutRow: number;
  unexplainedErrorRows: number;
  /** user rows stored for requests the client saw fail before any acknowledgement (not lost; reported) */
  storedWithoutAck: number;
}

export function reconcile(turns: readonly ClientTurn[], stored: readonly StoredMessage[]): Ledger {
  const userRows = new Set<string>();
  const assistantRows = new Map<string, StoredMessage>();
  for (const m of stored) {
    if (m.role === 'user') userRows.add(`${m.sessionId}\u0000${m.content}`);
    else if (m.role === 'assistant') assistantRows.set(m.id, m);
  }
  const l: Ledger = {
    sessionsChecked: new Set(turns.filter((t) => t.sessionId !== undefined).map((t) => t.sessionId)).size,
    acknowledged: 0, userLost: 0, confirmed: 0, assistantLost: 0, assistantMismatch: 0, messagesLost: 0,
    clientErrorsAfterAck: 0, clientErrorsBeforeAck: 0, storedComplete: 0, storedError: 0, storedPartial: 0,
    errorWithoutRow: 0, unexplainedErrorRows: 0, storedWithoutAck: 0,
  };
  const failedIds = new Set<string>();
  for (const t of turns) {
    if (!t.acknowledged) {
      if (!t.ok) l.clientErrorsBeforeAck++;
      if (t.sessionId !== undefined && userRows.has(`${t.sessionId}\u0000${t.message}`)) l.storedWithoutAck++;
      continue;
    }
    l.acknowledged++;
    if (t.sessionId === undefined || !userRows.has(`${t.sessionId}\u0000${t.message}`)) l.userLost++;
    const row = t.assistantId === undefined ? undefined : assistantRows.get(t.assistantId);
    if (t.ok) {
      l.confirmed++;
      if (!row) l.assistantLost++;
      else if (row.status !== 'complete' || row.content !== t.text) l.assistantMismatch++;
    } else {
      l.clientErrorsAfterAck++;
      if (t.assistantId !== undefined) failedIds.add(t.assistantId);
      if (!row || (row.status !== 'error' && row.status !== 'partial')) l.errorWithoutRow++;
    }
  }
  for (const m of assistantRows.values()) {
    if (m.status === 'complete') l.storedComplete++;
    else if (m.status === 'error') l.storedError++;
    else if (m.status === 'partial') l.storedPartial++;
    if ((m.status === 'error' || m.status === 'partial') && !failedIds.has(m.id)) l.unexplainedErrorRows++;
  }
  l.messagesLost = l.userLost + l.assistantLost;
  return l;
}
