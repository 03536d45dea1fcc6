/**
 * Saves a streaming answer's text in the background so a crash loses at most the last interval's tokens.
 * At most one write is in flight, writes start at most every `intervalMs`, and token delivery never waits
 * for one. With no new text it still re-saves every `heartbeatMs`: that is the pending row's lease renewal.
 */
export interface AnswerSaverOptions {
  intervalMs: number;
  heartbeatMs: number;
  /** Persists the text (and bumps the row's updated_at); false: the row is no longer pending, stop saving. */
  write: (text: string) => Promise<boolean>;
  onError: (err: unknown) => void;
}

export interface AnswerSaver {
  /** The answer's whole text so far. */
  update(text: string): void;
  /** Stops saving; resolves once the write in flight (if any) has ended. */
  close(): Promise<void>;
  stats(): { writes: number; failures: number };
}

export function createAnswerSaver(o: AnswerSaverOptions): AnswerSaver {
  let latest = '';
  let saved = '';
  let lastWriteAt = performance.now();
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let timerDue = Infinity;
  let closed = false;
  let writes = 0;
  let failures = 0;

  const arm = () => {
    if (closed || inFlight) return;
    const due = lastWriteAt + (latest !== saved ? o.intervalMs : o.heartbeatMs);
    if (timer && timerDue <= due) return;
    clearTimeout(timer);
    timerDue = due;
    timer = setTimeout(fire, Math.max(0, due - performance.now()));
    timer.unref();
  };

  const fire = () => {
    timer = undefined;
    timerDue = Infinity;
    if (closed) return;
    const text = latest;
    lastWriteAt = performance.now();
    writes++;
    inFlight = o
      .write(text)
      .then(
        (stillPending) => {
          saved = text;
          if (!stillPending) closed = true;
        },
        (err: unknown) => {
          failures++;
          o.onError(err);
        },
      )
      .finally(() => {
        inFlight = undefined;
        arm();
      });
  };

  arm();
  return {
    update(text) {
      latest = text;
      arm();
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
    stats: () => ({ writes, failures }),
  };
}
