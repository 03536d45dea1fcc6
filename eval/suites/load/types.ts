/** Shared shapes of the load generator: what is sent, what is recorded, what a run returns. */
import type { ChatRequest, ChatResult } from '../../client/chat';

/** Sends one chat request (chatOnce with a shared dispatcher in real runs; a fake in tests). */
export type Sender = (req: ChatRequest) => Promise<ChatResult>;

/** One request as the generator saw it. Times are performance.now() ms of this process. */
export interface LoadRecord {
  /** 0-based order in which requests were sent */
  seq: number;
  /** virtual user (closed loop) or arrival number (open loop) */
  vu: number;
  /** turn within the conversation (0 = the request that opened the session) */
  turn: number;
  /** the session the request continued (undefined: it asked for a new one) */
  sessionId?: string;
  /** the user id sent as X-Memocha-User */
  user: string;
  /** the message text, unique per request (links the request to the simulator's records and the stored rows) */
  message: string;
  /** sent before the measurement window opened (warm-up): never counted */
  warmup: boolean;
  /** open loop: when the arrival was due; sentAt − scheduledAt is the generator's own lateness */
  scheduledAt?: number;
  /** aborted by the generator when the run's drain time ran out (not counted) */
  abortedAtEnd: boolean;
  /** the client gave up after its timeout (a counted failure) */
  clientTimeout?: boolean;
  result: ChatResult;
}

export interface LoadRun {
  records: LoadRecord[];
  /** first request may be sent */
  startedAt: number;
  /** the measurement window [measureFrom, measureTo] */
  measureFrom: number;
  measureTo: number;
  /** every request has ended */
  endedAt: number;
  /** highest number of requests in flight at once */
  peakInFlight: number;
  /** open loop: arrivals skipped because maxInFlight requests were already in flight */
  dropped: number;
}

/** Inclusive bounds of a uniform think time (ms) between a VU's requests. */
export interface ThinkTime {
  minMs: number;
  maxMs: number;
}
