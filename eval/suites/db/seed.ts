/**
 * The data the hot queries run on, written through the repos: sessions holding 10 / 100 / 1000
 * messages (history load), one user with many sessions among other users' (session list), and an
 * empty session to insert into.
 */
import type { Repos } from '../../../serve';
import { createRng } from '../../metrics/random';
import { closedLoop } from '../../lib/closed-loop';
import { filler } from '../../lib/filler';

export interface SeedPlan {
  /** messages per history session, e.g. [10, 100, 1000] */
  historySizes: number[];
  /** sessions of each size */
  sessionsPerSize: number;
  /** sessions of the user whose list is paginated */
  heavySessions: number;
  /** other users and their sessions (so the list query filters a bigger table) */
  otherUsers: number;
  sessionsPerOtherUser: number;
  /** concurrent writes while seeding */
  concurrency: number;
}

export interface Seeded {
  historyUser: string;
  /** size → session ids */
  history: Map<number, string[]>;
  heavyUser: string;
  insertUser: string;
  insertSession: string;
  messages: number;
  sessions: number;
}

export async function seed(repos: Repos, plan: SeedPlan, seedValue: number, signal?: AbortSignal): Promise<Seeded> {
  const rng = createRng(seedValue);
  const historyUser = 'db-history';
  const heavyUser = 'db-heavy';
  const insertUser = 'db-insert';
  const history = new Map<number, string[]>();
  let messages = 0;
  let sessions = 0;
  for (const size of plan.historySizes) {
    const ids: string[] = [];
    for (let s = 0; s < plan.sessionsPerSize; s++) {
      const session = await repos.sessions.create({ userId: historyUser, title: `history ${size} #${s + 1}` });
      sessions++;
      ids.push(session.id);
      // in order: the history query reads by seq, so the session's messages must be written one after the other
      for (let i = 0; i < size && !signal?.aborted; i++) {
        await repos.messages.insert({ sessionId: session.id, userId: historyUser, role: i % 2 === 0 ? 'user' : 'assistant', content: filler(rng, 200), status: 'complete' });
        messages++;
      }
    }
    history.set(size, ids);
  }
  const creates: string[] = [...Array.from({ length: plan.heavySessions }, () => heavyUser)];
  for (let u = 0; u < plan.otherUsers; u++) for (let s = 0; s < plan.sessionsPerOtherUser; s++) creates.push(`db-user-${u + 1}`);
  const made = await closedLoop({ workers: plan.concurrency, total: creates.length, op: (i) => repos.sessions.create({ userId: creates[i] as string, title: `session ${i}` }), signal });
  if (made.errors > 0) throw new Error(`seeding sessions failed ${made.errors} times: ${made.firstError}`);
  sessions += made.ok;
  const insertSession = (await repos.sessions.create({ userId: insertUser, title: 'inserts' })).id;
  sessions++;
  return { historyUser, history, heavyUser, insertUser, insertSession, messages, sessions };
}
