/** What the virtual users say: seeded, short chat messages, each unique (a tag links it to the stored rows and the simulator's records). */
import type { Rng } from '../../metrics/random';
import type { ThinkTime } from './types';

const FACTS = [
  'I moved to Lisbon last spring and I am still learning Portuguese.',
  'My sister Ana is a nurse and works night shifts.',
  'I prefer green tea over coffee, especially in the afternoon.',
  'We adopted a grey cat called Pixel two years ago.',
  'I am training for a half marathon in October.',
  'My favourite book is The Left Hand of Darkness.',
  'I work as a data engineer on streaming pipelines.',
  'I am allergic to peanuts, so I always check labels.',
] as const;

const QUESTIONS = [
  'What should I cook tonight?',
  'Can you remind me what I told you about my family?',
  'Any tips to stay motivated when running?',
  'Which book would you recommend next?',
  'How do I explain backpressure to a junior colleague?',
  'What do you remember about my pet?',
] as const;

/** The text of request `seq` of virtual user `vu` at turn `turn`: a fact or a question, tagged `[tag-seq]`. */
export function chatMessage(rng: Rng, tag: string, vu: number, turn: number, seq: number): string {
  const pool = turn % 2 === 0 ? FACTS : QUESTIONS;
  const text = pool[Math.floor(rng() * pool.length)] ?? pool[0];
  return `${text} [${tag}-u${vu}-t${turn}-${seq}]`;
}

/** A uniform think time in [minMs, maxMs] (0 when maxMs is 0). */
export function thinkMs(rng: Rng, t: ThinkTime): number {
  if (t.maxMs <= 0) return 0;
  return t.minMs + rng() * Math.max(0, t.maxMs - t.minMs);
}

/** Sleep `ms`, resolving early (never rejecting) when the signal fires. */
export function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
