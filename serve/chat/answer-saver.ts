/**
 * Saves a streaming answer's text in the background so a crash loses at most the last interval's tokens.
 * At most one write is in flight and token delivery never waits for one. `intervalMs` bounds how long a
 * delivered token may stay unsaved, so a write starts early enough to *finish* within it: the next write
 * starts 10% of the interval plus the recent write time (a moving average) before the bound, and never
 * sooner than half the interval after the last one. With no new text it still re-saves every
 * `heartbeatMs`: that is the pending row's lease renewal.
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
  let writeMs = 0; // moving average of how long a write takes

  const cadence = () => Math.max(o.intervalMs / 2, o.intervalMs * 0.9 - writeMs);

  const arm = () => {
    if (closed || inFlight) return;
    const due = lastWriteAt + (latest !== saved ? cadence() : o.heartbeatMs);
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
    const startedAt = performance.now();
    lastWriteAt = startedAt;
    writes++;
    inFlight = o
      .write(text)
      .then(
        (stillPending) => {
          const took = performance.now() - startedAt;
          writeMs = writes === 1 ? took : 0.8 * writeMs + 0.2 * took;
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
