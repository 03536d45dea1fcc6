import { describe, expect, it } from 'vitest';
import { countChatTokens, countTokens, splitTokens, tokenPieces, truncateTokens } from '../tokens';

describe('tokens (o200k_base)', () => {
  it('counts hand-checked strings', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('hello world')).toBe(2); // "hello" " world"
    expect(countTokens('Hello, world!')).toBe(4); // "Hello" "," " world" "!"
    expect(countTokens('The quick brown fox jumps over the lazy dog.')).toBe(10);
    expect(countTokens("I don't know.")).toBe(4);
  });

  it('treats special-token text as plain text instead of throwing', () => {
    expect(countTokens('<|endoftext|>')).toBeGreaterThan(1);
  });

  it('counts chat prompts as 3 per message + role + content, plus 3 priming', () => {
    const messages = [
      { role: 'system', content: 'You are helpful.' }, // 3 + 1 + 4
      { role: 'user', content: 'Hello, world!' }, // 3 + 1 + 4
    ];
    expect(countChatTokens(messages)).toBe(3 + 8 + 8);
    expect(countChatTokens([])).toBe(3);
  });

  it('splits into token strings that join back to the text', () => {
    expect(splitTokens('Hello, world!')).toEqual(['Hello', ',', ' world', '!']);
    expect(splitTokens('')).toEqual([]);
    for (const text of ['😀🎉 naïve café 𝔘', '日本語のテキスト', 'tabs\tand\nnewlines  ', 'a\ud800b']) {
      expect(splitTokens(text).join('')).toBe(text);
    }
  });

  it('merges tokens that end inside a character and keeps their token count', () => {
    const pieces = tokenPieces('😀🎉');
    expect(pieces.map((p) => p.text)).toEqual(['😀', '🎉']);
    expect(pieces.reduce((n, p) => n + p.tokens, 0)).toBe(countTokens('😀🎉'));
  });

  it('truncates to whole tokens', () => {
    expect(truncateTokens('The quick brown fox jumps over the lazy dog.', 3)).toEqual({ text: 'The quick brown', truncated: true });
    expect(truncateTokens('hello world', 2)).toEqual({ text: 'hello world', truncated: false });
    expect(truncateTokens('hello world', 0)).toEqual({ text: '', truncated: true });
  });
});
