/** Lays one user's facts, updates, stories and distractors out over dated sessions. */
import type { MemochaConversationLine } from '../../eval/datasets/memocha-jsonl';
import { closer, opener, smallTalk } from './chat';
import { CHANGING_KINDS } from './kinds-changing';
import { NEVER_MENTIONED, STABLE_KINDS } from './kinds-stable';
import { story } from './stories';
import type { Exchange, FactKind, OwnFact, Rand } from './types';

type Question = MemochaConversationLine['questions'][number];
type Session = MemochaConversationLine['sessions'][number];

const DAY = 86_400_000;
/** Sessions start from this date; all of a user's sessions fall in 2024. */
const EPOCH = Date.UTC(2024, 0, 8);

interface Placed {
  session: number;
  exchange: Exchange;
}

function nth<T>(xs: readonly T[], i: number): T {
  const x = xs[i % xs.length];
  if (x === undefined) throw new Error('empty list');
  return x;
}

/** The session dates: 2–35 days apart, between 07:00 and 22:55 (read as the user's local time). */
function sessionDates(r: Rand, n: number): Date[] {
  let t = EPOCH + r.int(0, 150) * DAY;
  const out: Date[] = [];
  for (let s = 0; s < n; s++) {
    if (s > 0) t += r.int(2, 35) * DAY;
    out.push(new Date(t + r.int(7, 22) * 3_600_000 + r.int(0, 11) * 300_000));
  }
  return out;
}

export function buildConversation(r: Rand, index: number, name: string): MemochaConversationLine {
  const userId = `u${String(index + 1).padStart(2, '0')}`;
  const n = 2 + (index % 3);
  const dates = sessionDates(r, n);
  // kinds rotate with the index so that every kind is used about equally often
  const changing = Array.from({ length: n >= 3 ? 2 : 1 }, (_, j) => nth(CHANGING_KINDS, index * 2 + j));
  const stable = Array.from({ length: 3 }, (_, j) => nth(STABLE_KINDS, index * 3 + j));
  const own = new Map<FactKind, OwnFact>();
  for (const k of changing) own.set(k, k.own(r, true));
  for (const k of stable) own.set(k, k.own(r, false));
  const tale = story(r, index);

  const placed: Placed[] = [];
  const later = (after: number): number => r.int(after + 1, n - 1);
  for (const f of own.values()) {
    const s = f.update ? r.int(0, n - 2) : r.int(0, n - 1);
    placed.push({ session: s, exchange: f.intro });
    if (f.update) placed.push({ session: later(s), exchange: f.update.says });
  }
  const p1 = r.int(0, n - 2);
  placed.push({ session: p1, exchange: tale.parts[0] }, { session: later(p1), exchange: tale.parts[1] });

  // distractors: someone else's value for one of the user's own attributes, and for one the user never mentions
  const [sameKind, sameFact] = r.pick([...own.entries()]);
  placed.push({ session: r.int(0, n - 1), exchange: sameKind.other(r, sameFact.values).says });
  const unused = [...CHANGING_KINDS, ...STABLE_KINDS].filter((k) => !own.has(k));
  const trap = r.pick(unused).other(r, []);
  placed.push({ session: r.int(0, n - 1), exchange: trap.says });

  const evidenceId = new Map<Exchange, string>();
  const usedTalk = new Set<number>();
  const sessions: Session[] = dates.map((date, s) => {
    const body = placed.filter((p) => p.session === s).map((p) => p.exchange);
    for (let k = r.int(1, 2); k > 0; k--) body.push(smallTalk(r, usedTalk));
    const gap = s === 0 ? 0 : Math.round((date.getTime() - (dates[s - 1] ?? date).getTime()) / DAY);
    const hour = date.getUTCHours();
    const exchanges = [opener(r, name, s, gap, hour), ...r.shuffle(body), ...(r.chance(0.6) ? [closer(r, hour)] : [])];
    const turns: Session['turns'] = [];
    for (const ex of exchanges) {
      for (const line of ex) {
        const id = `D${s + 1}:${turns.length + 1}`;
        if (line.evidence) evidenceId.set(ex, id);
        turns.push(line.role === 'user' ? { id, role: 'user', speaker: name, text: line.text } : { id, role: 'assistant', text: line.text });
      }
    }
    return { id: `s${s + 1}`, date: date.toISOString(), turns };
  });

  const ev = (ex: Exchange): string => {
    const id = evidenceId.get(ex);
    if (id === undefined) throw new Error(`${userId}: an exchange without an evidence turn: ${JSON.stringify(ex)}`);
    return id;
  };
  const last = dates[dates.length - 1] ?? new Date(EPOCH);
  const askedAt = new Date(last.getTime() + r.int(1, 10) * DAY + r.int(1, 8) * 3_600_000).toISOString();
  const questions: Omit<Question, 'id'>[] = [];
  for (const f of own.values()) {
    if (f.update) questions.push({ question: f.question, answer: f.update.answer, category: 'temporal-update', evidence: [ev(f.update.says)], stale: [ev(f.intro)], askedAt });
    else questions.push({ question: f.question, answer: f.answer, category: 'single-hop', evidence: [ev(f.intro)], askedAt });
  }
  questions.push({ question: tale.question, answer: tale.answer, category: 'multi-session', evidence: tale.parts.map(ev), askedAt });
  questions.push({ question: trap.trap, answer: null, category: 'no-answer', evidence: [], askedAt });
  questions.push({ question: nth(NEVER_MENTIONED, index), answer: null, category: 'no-answer', evidence: [], askedAt });

  return {
    id: `c${userId.slice(1)}`,
    userId,
    sessions,
    questions: questions.map((q, i) => ({ id: `${userId}-q${i + 1}`, ...q })),
  };
}
