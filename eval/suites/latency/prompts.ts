/** Workload messages: exactly `chars` characters, unique by a leading tag, seeded filler words. */
import type { Rng } from '../../metrics/random';
import { randomInt } from '../../metrics/random';

const WORDS = [
  'remember', 'coffee', 'meeting', 'garden', 'tuesday', 'project', 'sister', 'recipe', 'travel', 'budget',
  'morning', 'music', 'doctor', 'weekend', 'train', 'book', 'piano', 'kitchen', 'birthday', 'office',
  'what', 'did', 'I', 'say', 'about', 'the', 'last', 'time', 'we', 'talked', 'and', 'my', 'plans',
];

/**
 * A message of exactly `chars` characters starting with `tag` and a space (when it fits), followed by
 * seeded filler words. The tag makes the message unique, so the simulator's record of the request
 * (`lastUserMessage`) can be matched to it. A `chars` shorter than the tag truncates the tag.
 */
export function makeMessage(tag: string, chars: number, rng: Rng): string {
  if (!(chars >= 1) || !Number.isInteger(chars)) throw new RangeError(`chars must be an integer >= 1, got ${chars}`);
  let s = `${tag} `;
  while (s.length < chars) s += `${WORDS[randomInt(rng, WORDS.length)] as string} `;
  s = s.slice(0, chars);
  // no trailing space: the message should look typed (and a 1-char tail of ' ' would be trimmed by some servers)
  return s.endsWith(' ') ? `${s.slice(0, -1)}?` : s;
}

/** A short unique tag: a phase letter and the request index in base 36 (e.g. `v2s`). */
export function requestTag(phase: string, index: number): string {
  return `${phase}${index.toString(36)}`;
}
