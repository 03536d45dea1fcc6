import { readSse, type SseItem } from '../../eval/client/sse';

/**
 * One streamed chat turn as a client sees it, whatever happens to it:
 *   done    the `done` event arrived
 *   error   an `event: error` arrived, or an HTTP error status (HAProxy's 502 when the instance died before answering)
 *   cut     the stream ended or broke without a last event
 *   refused no HTTP response at all
 * `acknowledged` is the `meta` event: the server sends it only after the user message is committed
 * (`memocha_start_turn`, one statement), so from then on the message must survive anything.
 */
export interface StreamedTurn {
  outcome: 'done' | 'error' | 'cut' | 'refused';
  status?: number;
  /** X-Memocha-Instance: the instance that answered (absent on HAProxy's own errors) */
  instance?: string;
  /** X-Memocha-Upstream: the instance HAProxy sent the request to, also on its own errors */
  upstream?: string;
  /** the user message id from `meta`, once acknowledged */
  userMessageId?: string;
  assistantMessageId?: string;
  /** the error event's or envelope's code; for refused and cut turns, the socket error */
  errorCode?: string | undefined;
  /** performance.now() of each token event's arrival, in order */
  tokenArrivals: number[];
  text: string;
  sentAt: number;
  /** performance.now() when the turn ended, whichever way */
  endedAt: number;
}

/** `onAck` is called with the turn (the object later returned) when its `meta` event arrives. */
export async function streamTurn(url: string, body: unknown, headers: Record<string, string>, onAck?: (turn: StreamedTurn) => void): Promise<StreamedTurn> {
  const turn: StreamedTurn = { outcome: 'cut', tokenArrivals: [], text: '', sentAt: performance.now(), endedAt: NaN };
  const ended = () => {
    turn.endedAt = performance.now();
    return turn;
  };
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify(body),
    });
  } catch (err) {
    turn.outcome = 'refused';
    turn.errorCode = describe(err);
    return ended();
  }
  turn.status = res.status;
  turn.instance = res.headers.get('x-memocha-instance') ?? undefined;
  turn.upstream = res.headers.get('x-memocha-upstream') ?? undefined;
  if (!res.ok || !res.headers.get('content-type')?.startsWith('text/event-stream')) {
    turn.outcome = 'error';
    turn.errorCode = errorCodeOf(await res.text().catch(() => ''));
    return ended();
  }
  try {
    for await (const item of readSse(res.body!) as AsyncGenerator<SseItem>) {
      if (item.kind !== 'event') continue;
      const data = JSON.parse(item.event.data) as Record<string, unknown>;
      if (item.event.event === 'meta') {
        turn.userMessageId = data.userMessageId as string;
        turn.assistantMessageId = data.assistantMessageId as string;
        onAck?.(turn);
      } else if (item.event.event === 'token') {
        turn.tokenArrivals.push(item.at);
        turn.text += data.text as string;
      } else if (item.event.event === 'done') {
        turn.outcome = 'done';
      } else if (item.event.event === 'error') {
        turn.outcome = 'error';
        turn.errorCode = data.code as string;
      }
    }
  } catch (err) {
    // the connection broke mid-stream: outcome stays 'cut' unless a last event came first
    if (turn.outcome === 'cut') turn.errorCode = describe(err);
  }
  return ended();
}

/** fetch's TypeError wraps the socket error (ECONNRESET, UND_ERR_SOCKET...) as its cause. */
function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

function errorCodeOf(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}
