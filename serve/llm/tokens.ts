/**
 * Token counting with the o200k_base BPE (gpt-4o / gpt-4.1 / gpt-5 family), via gpt-tokenizer.
 * Special-token strings such as `<|endoftext|>` in user text are counted as ordinary text, never rejected.
 */
import { countTokens as gptCount, decodeGenerator, encode } from 'gpt-tokenizer';
import type { LlmUsage } from './types';

const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** OpenAI's rule for chat prompts: every message costs 3 tokens + its role + its content; the reply is primed with 3. */
export const TOKENS_PER_MESSAGE = 3;
export const REPLY_PRIMING_TOKENS = 3;

export interface TokenPiece {
  text: string;
  /** Tokens in this piece: 1, or more when a token ended inside a character (the piece is then merged). */
  tokens: number;
}

/**
 * Longest run of one character class (letters, whitespace, punctuation) handed to the BPE whole.
 * gpt-tokenizer's merge is quadratic in the length of a pre-token, and text without spaces (CJK,
 * `aaaa…`, a base64 blob) is one pre-token: 32k CJK characters took 9.5 s. Longer runs are cut into
 * pieces of this length, so counting is linear; text without such runs is counted exactly as before,
 * a cut run may differ by about one token per cut.
 */
export const MAX_RUN_CHARS = 128;
// Lookbehinds make a match start only where a run starts, so the scan itself stays linear.
const LONG_RUN = new RegExp(
  `(?<![\\p{L}\\p{M}])[\\p{L}\\p{M}]{${MAX_RUN_CHARS + 1},}|(?<!\\s)\\s{${MAX_RUN_CHARS + 1},}|(?<![^\\s\\p{L}\\p{N}])[^\\s\\p{L}\\p{N}]{${MAX_RUN_CHARS + 1},}`,
  'gu',
);

/** `text` as consecutive segments, none holding a run longer than MAX_RUN_CHARS (never splitting a surrogate pair). */
export function boundedSegments(text: string): string[] {
  if (text.length <= MAX_RUN_CHARS) return [text];
  const out: string[] = [];
  let from = 0;
  for (const m of text.matchAll(LONG_RUN)) {
    const start = m.index;
    const end = start + m[0].length;
    let at = start;
    while (end - at > MAX_RUN_CHARS) {
      let cut = at + MAX_RUN_CHARS;
      if (isLowSurrogate(text.charCodeAt(cut))) cut--;
      out.push(text.slice(from, cut));
      from = at = cut;
    }
  }
  out.push(text.slice(from));
  return out;
}

const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

export function encodeText(text: string): number[] {
  const segments = boundedSegments(text);
  if (segments.length === 1) return encode(text, PLAIN_TEXT);
  const ids: number[] = [];
  for (const s of segments) for (const id of encode(s, PLAIN_TEXT)) ids.push(id);
  return ids;
}

export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  let n = 0;
  for (const s of boundedSegments(text)) n += gptCount(s, PLAIN_TEXT);
  return n;
}

export function countChatTokens(messages: readonly { role: string; content: string }[]): number {
  let total = REPLY_PRIMING_TOKENS;
  for (const m of messages) total += TOKENS_PER_MESSAGE + countTokens(m.role) + countTokens(m.content);
  return total;
}

/** Usage counted here when the provider reports none (or the call failed): the prompt as chat messages, the completion as text. */
export function estimateUsage(messages: readonly { role: string; content: string }[], completion: string): LlmUsage {
  const promptTokens = countChatTokens(messages);
  const completionTokens = countTokens(completion);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens, source: 'estimated' };
}

/**
 * Split text into its tokens' strings, in order, so that joining the pieces gives the text back exactly.
 * A token that ends in the middle of a multi-byte character is merged with the following token(s).
 */
export function tokenPieces(text: string): TokenPiece[] {
  if (text.length === 0) return [];
  const ids = encodeText(text);
  let consumed = 0;
  // decodeGenerator pulls ids lazily, so counting what it pulled tells how many tokens each piece holds.
  const counting: Iterable<number> = {
    *[Symbol.iterator]() {
      for (const id of ids) {
        consumed++;
        yield id;
      }
    },
  };
  const pieces: TokenPiece[] = [];
  let before = 0;
  for (const piece of decodeGenerator(counting)) {
    pieces.push({ text: piece, tokens: consumed - before });
    before = consumed;
  }
  // Lone surrogates cannot round-trip through UTF-8: fall back to a single piece rather than alter the text.
  if (pieces.map((p) => p.text).join('') !== text) return [{ text, tokens: ids.length }];
  return pieces;
}

export function splitTokens(text: string): string[] {
  return tokenPieces(text).map((p) => p.text);
}

/** The longest prefix of `text` made of whole tokens and at most `maxTokens` tokens. */
export function truncateTokens(text: string, maxTokens: number): { text: string; truncated: boolean } {
  const pieces = tokenPieces(text);
  let used = 0;
  let out = '';
  for (const p of pieces) {
    if (used + p.tokens > maxTokens) return { text: out, truncated: true };
    used += p.tokens;
    out += p.text;
  }
  return { text, truncated: false };
}

/**
 * The o200k pre-tokenizer (gpt-tokenizer's O200K_TOKEN_SPLIT_PATTERN, from tiktoken): the BPE never
 * merges across its matches, so text settled at a match boundary is counted exactly.
 */
const CONTRACTION = String.raw`(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?`;
const PRE_TOKEN = new RegExp(
  String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+${CONTRACTION}|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*${CONTRACTION}|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
  'gu',
);
/** A tail longer than this (one long pre-token: text without spaces) is cut, keeping FORCED_KEEP characters. */
const FORCED_CUT = 64;
const FORCED_KEEP = 16;

/**
 * Counts the tokens of text that arrives in pieces (a streamed answer) in time linear in its length.
 * Text is settled (counted once) up to the start of its second-to-last pre-token, which later pieces
 * cannot change; in text without spaces (one long pre-token) a tail past FORCED_CUT characters is cut
 * instead, which may add a token per cut. The tail is counted only when the limit is near (a token has
 * at least one UTF-8 byte, so settled + bytes(tail) bounds the count from above).
 */
export class StreamingTokenCounter {
  private settled = 0;
  private tail = '';

  push(piece: string): void {
    this.tail += piece;
    let cut = 0;
    if (this.tail.length > 1) {
      const starts: number[] = [];
      for (const m of this.tail.matchAll(PRE_TOKEN)) starts.push(m.index);
      cut = starts.length > 2 ? (starts[starts.length - 2] as number) : 0;
    }
    if (this.tail.length - cut > FORCED_CUT) {
      cut = this.tail.length - FORCED_KEEP;
      if (isLowSurrogate(this.tail.charCodeAt(cut))) cut--;
    }
    if (cut > 0) {
      this.settled += countTokens(this.tail.slice(0, cut));
      this.tail = this.tail.slice(cut);
    }
  }

  count(): number {
    return this.settled + countTokens(this.tail);
  }

  /** count() <= limit, counting the tail only when the byte bound cannot tell. */
  atMost(limit: number): boolean {
    if (this.settled + Buffer.byteLength(this.tail, 'utf8') <= limit) return true;
    return this.count() <= limit;
  }
}
