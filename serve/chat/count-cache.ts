/**
 * Token counts of recurring strings, remembered: the system prompt, the window messages and the
 * memory block are counted again on every turn (and several times within one), though they rarely
 * change. The count of a string never changes, so a hit is exactly what counting would give; strings
 * longer than MAX_CHARS are counted each time (hashing them is cheap, keeping them is not).
 */
import { countTokens } from '../llm/tokens';

const MAX_ENTRIES = 4096;
const MAX_CHARS = 16_384;

const counts = new Map<string, number>();

export function cachedCountTokens(text: string): number {
  if (text.length === 0) return 0;
  if (text.length > MAX_CHARS) return countTokens(text);
  const hit = counts.get(text);
  if (hit !== undefined) {
    // most recently used last: Map keeps insertion order, so the first key is the least recently used
    counts.delete(text);
    counts.set(text, hit);
    return hit;
  }
  const n = countTokens(text);
  counts.set(text, n);
  if (counts.size > MAX_ENTRIES) counts.delete(counts.keys().next().value as string);
  return n;
}

/** Entries held (tests). */
export function countCacheSize(): number {
  return counts.size;
}
