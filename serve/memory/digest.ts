/**
 * Extractive day digests: the user's informative sentences of a day, deduplicated, in the order
 * they were said. The default digest when no LLM summariser is configured. Pure, no I/O.
 */
import { comparisonKey, isTrivial, normaliseText } from './normalise';

export const DEFAULT_DIGEST_MAX_SENTENCES = 12;

const FIRST_PERSON_RE =
  /(?:^|[^\p{L}])(?:i|i'm|i've|i'd|i'll|me|my|mine|we|our|je|moi|mon|ma|mes|ich|mich|mir|mein|meine|yo|mi|mis|io|eu|meu|minha|ik|mijn|я|мне|меня|мой|моя)(?=$|[^\p{L}])|(?:^|[^\p{L}])j'|私|僕|我/iu;

export interface DigestSentence {
  text: string;
  /** Position in the day (0 = first said). */
  order: number;
  score: number;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'sentence' });

/** Sentences of a message: split on line breaks first (lists, pasted notes), then by Intl sentence rules. */
export function splitSentences(content: string): string[] {
  const out: string[] = [];
  for (const line of content.split(/\n+/)) {
    const text = normaliseText(line);
    if (text === '') continue;
    for (const { segment } of segmenter.segment(text)) {
      const sentence = segment.trim();
      if (sentence !== '') out.push(sentence);
    }
  }
  return out;
}

/**
 * Informativeness, a deterministic heuristic: a statement about the speaker ("I …", "my …") is worth 2,
 * a non-question 1, and length up to 20 words adds up to 1.
 */
export function informativeness(sentence: string): number {
  const words = sentence.split(/\s+/).filter((w) => w !== '').length;
  const firstPerson = FIRST_PERSON_RE.test(sentence.replace(/’/g, "'")) ? 2 : 0;
  const statement = /[?？]\s*$/.test(sentence) ? 0 : 1;
  return firstPerson + statement + Math.min(words, 20) / 20;
}

/**
 * The candidate sentences of the user's messages (other roles are ignored), trivial ones dropped
 * (polar answers included: a bare "yes" has lost its question), duplicates by comparison key dropped
 * keeping the first occurrence.
 */
export function digestSentences(messages: readonly { role: string; content: string }[]): DigestSentence[] {
  const seen = new Set<string>();
  const out: DigestSentence[] = [];
  for (const m of messages) {
    if (m.role !== 'user') continue;
    for (const text of splitSentences(m.content)) {
      const key = comparisonKey(text);
      if (seen.has(key) || isTrivial(text, { answersAreTrivial: true })) continue;
      seen.add(key);
      out.push({ text, order: out.length, score: informativeness(text) });
    }
  }
  return out;
}

/**
 * The extractive digest: at most `maxSentences` of the user's sentences, chosen by informativeness
 * (ties → the later sentence, as newer facts supersede older ones), then joined in the order said.
 * Returns '' when nothing informative was said.
 */
export function digestExtractive(
  messages: readonly { role: string; content: string }[],
  maxSentences = DEFAULT_DIGEST_MAX_SENTENCES,
): string {
  if (!Number.isInteger(maxSentences) || maxSentences < 1) {
    throw new RangeError(`digest maxSentences must be a positive integer, got ${maxSentences}`);
  }
  const chosen = [...digestSentences(messages)]
    .sort((a, b) => b.score - a.score || b.order - a.order)
    .slice(0, maxSentences)
    .sort((a, b) => a.order - b.order);
  return chosen.map((s) => s.text).join(' ');
}
