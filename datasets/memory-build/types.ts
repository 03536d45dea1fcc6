/** Shapes used while generating memory-dev.jsonl (see ../build-memory-dev.ts). */

export interface Rand {
  /** uniform in [0, 1) */
  next(): number;
  /** uniform integer in [lo, hi] */
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
  shuffle<T>(xs: readonly T[]): T[];
}

export interface Line {
  role: 'user' | 'assistant';
  text: string;
  /** this turn states the fact a question asks about */
  evidence?: boolean;
}

/** A few turns said together, in order. */
export type Exchange = Line[];

export interface OwnFact {
  intro: Exchange;
  /** the question about the user's own (current) value, first person */
  question: string;
  /** the gold answer before any update */
  answer: string;
  /** values this fact uses; distractors of the same kind avoid them */
  values: string[];
  /** changing kinds: a later statement that replaces the value */
  update?: { says: Exchange; answer: string };
}

export interface Distractor {
  /** someone else's version of the attribute */
  says: Exchange;
  /** a question about the user that the distractor makes tempting (no answer in memory) */
  trap: string;
}

export interface FactKind {
  key: string;
  changing: boolean;
  own(r: Rand, update: boolean): OwnFact;
  other(r: Rand, avoid: readonly string[]): Distractor;
}

/** A fact told in two sessions; the question needs both parts. */
export interface Story {
  key: string;
  parts: [Exchange, Exchange];
  question: string;
  answer: string;
}

export type StoryKind = (r: Rand) => Story;

export const u = (text: string): Line => ({ role: 'user', text });
export const fact = (text: string): Line => ({ role: 'user', text, evidence: true });
export const a = (text: string): Line => ({ role: 'assistant', text });
