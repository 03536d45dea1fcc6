/**
 * Group commit for streaming answers' saves: every answer's saver (answer-saver.ts) writes through one
 * batcher per messages repo. One batch is in flight at a time; saves that arrive meanwhile wait and go
 * out together in the next statement. A lone save goes out at once, so nothing waits when the server is
 * quiet, and at 500 open streams the database takes a few statements per interval instead of a thousand
 * (one PGlite connection runs them one after the other, ahead of the turns' own queries).
 */
import type { MessagesRepo } from '../db/repos';

/** Rows per statement: 2 bind parameters each, far below PostgreSQL's 65,535. */
const MAX_BATCH = 500;

export interface AnswerSaveBatcher {
  /** Saves the answer's text; resolves false when the row is no longer pending (like savePending). */
  save(id: string, content: string): Promise<boolean>;
  stats(): { statements: number; rows: number };
}

type Waiting = { content: string; waiters: { resolve: (pending: boolean) => void; reject: (err: unknown) => void }[] };

export function createAnswerSaveBatcher(repo: Pick<MessagesRepo, 'savePendingMany'>): AnswerSaveBatcher {
  /** Saves waiting for the next statement, by answer id: a newer text replaces an older one. */
  const waiting = new Map<string, Waiting>();
  let inFlight = false;
  let statements = 0;
  let rows = 0;

  const flush = () => {
    if (inFlight || waiting.size === 0) return;
    const batch = [...waiting].slice(0, MAX_BATCH);
    for (const [id] of batch) waiting.delete(id);
    inFlight = true;
    statements++;
    rows += batch.length;
    repo
      .savePendingMany(batch.map(([id, w]) => ({ id, content: w.content })))
      .then(
        (saved) => {
          for (const [id, w] of batch) for (const x of w.waiters) x.resolve(saved.has(id));
        },
        (err: unknown) => {
          for (const [, w] of batch) for (const x of w.waiters) x.reject(err);
        },
      )
      .finally(() => {
        inFlight = false;
        flush();
      });
  };

  return {
    save(id, content) {
      return new Promise<boolean>((resolve, reject) => {
        const w = waiting.get(id);
        if (w) {
          w.content = content;
          w.waiters.push({ resolve, reject });
        } else {
          waiting.set(id, { content, waiters: [{ resolve, reject }] });
        }
        flush();
      });
    },
    stats: () => ({ statements, rows }),
  };
}

const batchers = new WeakMap<object, AnswerSaveBatcher>();

/** The process's batcher for this repo (one per database connection). */
export function answerSaveBatcherFor(repo: Pick<MessagesRepo, 'savePendingMany'>): AnswerSaveBatcher {
  let b = batchers.get(repo);
  if (!b) {
    b = createAnswerSaveBatcher(repo);
    batchers.set(repo, b);
  }
  return b;
}
