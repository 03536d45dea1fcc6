/**
 * Token counting with the o200k_base BPE (gpt-4o / gpt-4.1 / gpt-5 family), via gpt-tokenizer.
 * Special-token strings such as `<|endoftext|>` in user text are counted as ordinary text, never rejected.
 */
import { decodeGenerator, encode } from 'gpt-tokenizer';
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

export function encodeText(text: string): number[] {
  return encode(text, PLAIN_TEXT);
}

export function countTokens(text: string): number {
  return text.length === 0 ? 0 : encodeText(text).length;
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
