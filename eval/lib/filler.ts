/** Seeded filler text for synthetic messages. */
import { randomInt, type Rng } from '../metrics/random';

const WORDS = 'the a memory chat model answer question dog sister city hospital music colour budget trip sauce book morning evening'.split(' ');

/** About `chars` characters (at least `chars`, at most one word more) of seeded words. */
export function filler(rng: Rng, chars: number): string {
  const out: string[] = [];
  let n = 0;
  while (n < chars) {
    const w = WORDS[randomInt(rng, WORDS.length)] as string;
    out.push(w);
    n += w.length + 1;
  }
  return out.join(' ');
}
