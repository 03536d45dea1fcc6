/**
 * The chat turns running in this process, by user and session, so that a delete (of a session or of
 * memories) and shutdown can stop them. A turn is stopped by aborting its controller with a
 * `TurnCancelled` reason, which tells the route what to answer: the abort reason is the one place the
 * cause of a stop is recorded (client gone, shutdown, forgotten).
 */

export type CancelCode = 'client_closed' | 'server_shutting_down' | 'session_deleted' | 'memories_forgotten';

const CAUSES: Record<CancelCode, { status: number; message: string; retryAfterS?: number }> = {
  client_closed: { status: 499, message: 'The client closed the request' },
  server_shutting_down: { status: 503, message: 'The server is shutting down; the partial answer was stored', retryAfterS: 1 },
  session_deleted: { status: 410, message: 'The session was deleted while answering; nothing of this turn is kept' },
  memories_forgotten: { status: 409, message: 'Memories were deleted while answering; the turn was stopped and will not be remembered' },
};

/** Why a turn was stopped: the abort reason of its controller. */
export class TurnCancelled extends Error {
  readonly status: number;
  readonly retryAfterS?: number;
  constructor(readonly code: CancelCode) {
    const cause = CAUSES[code];
    super(cause.message);
    this.name = 'TurnCancelled';
    this.status = cause.status;
    if (cause.retryAfterS !== undefined) this.retryAfterS = cause.retryAfterS;
  }
}

/** The TurnCancelled a signal was aborted with, if any. */
export function cancelledBy(signal: AbortSignal): TurnCancelled | undefined {
  return signal.aborted && signal.reason instanceof TurnCancelled ? signal.reason : undefined;
}

interface RunningTurn {
  userId: string;
  sessionId: string;
  controller: AbortController;
}

export interface RunningTurns {
  /** Register a turn; call the returned function when it has ended (stored and answered). */
  add(userId: string, sessionId: string, controller: AbortController): () => void;
  /** Stop the user's running turns (of one session, or all of them); returns how many were stopped. */
  cancel(match: { userId: string; sessionId?: string }, code: CancelCode): number;
  /** Stop every running turn (shutdown). */
  cancelAll(code: CancelCode): number;
  readonly size: number;
}

export function createRunningTurns(): RunningTurns {
  const turns = new Set<RunningTurn>();
  const stop = (t: RunningTurn, code: CancelCode) => {
    if (t.controller.signal.aborted) return false;
    t.controller.abort(new TurnCancelled(code));
    return true;
  };
  return {
    add(userId, sessionId, controller) {
      const turn = { userId, sessionId, controller };
      turns.add(turn);
      return () => void turns.delete(turn);
    },
    cancel({ userId, sessionId }, code) {
      let n = 0;
      for (const t of turns) if (t.userId === userId && (sessionId === undefined || t.sessionId === sessionId) && stop(t, code)) n++;
      return n;
    },
    cancelAll(code) {
      let n = 0;
      for (const t of turns) if (stop(t, code)) n++;
      return n;
    },
    get size() {
      return turns.size;
    },
  };
}
