import { countTokens as exactCount } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import { boundedSegments, countTokens, encodeText, MAX_RUN_CHARS, StreamingTokenCounter } from './tokens';

const cjk = (n: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 2000))).join('');
const prose =
  'Memocha remembers: on 2024-05-01 Alice said "see https://example.com/a/b?c=d&e=f". Donaudampfschifffahrt! ' +
  '日本語の文章も少し。 Emoji 😀🎉 and tabs\tand\nnew lines.\n\n';

describe('token counting stays linear', () => {
  it('text without long runs is counted exactly as gpt-tokenizer counts it', () => {
    for (let i = 1; i <= 40; i++) {
      const text = prose.repeat(i).slice(i * 3);
      expect(countTokens(text)).toBe(exactCount(text, { disallowedSpecial: new Set() }));
      expect(encodeText(text).length).toBe(countTokens(text));
    }
  });

  it('segments join back to the text and hold no run longer than MAX_RUN_CHARS, surrogate pairs kept whole', () => {
    const text = `x ${'a'.repeat(1000)} ${' '.repeat(700)}${'!'.repeat(500)}${'😀'.repeat(300)}${cjk(900)} end`;
    const segs = boundedSegments(text);
    expect(segs.join('')).toBe(text);
    expect(segs.length).toBeGreaterThan(10);
    for (const s of segs) {
      expect(s).not.toMatch(new RegExp(`[\\p{L}\\p{M}]{${MAX_RUN_CHARS + 1}}|\\s{${MAX_RUN_CHARS + 1}}`, 'u'));
      expect(s.charCodeAt(0) >= 0xdc00 && s.charCodeAt(0) <= 0xdfff).toBe(false);
    }
  });

  it('a cut run is counted within one token per cut of the exact count', () => {
    const run = Array.from({ length: 3000 }, (_, i) => String.fromCharCode(97 + ((i * 31) % 26))).join('');
    const cuts = boundedSegments(run).length - 1;
    expect(Math.abs(countTokens(run) - exactCount(run))).toBeLessThanOrEqual(cuts);
  });

  it('200,000 characters without a space are counted (the whole-string BPE took minutes)', () => {
    expect(countTokens(cjk(200_000))).toBeGreaterThan(200_000);
    expect(countTokens('a'.repeat(200_000))).toBe(25_000);
  });
});

describe('StreamingTokenCounter', () => {
  it('fed a character at a time, it counts prose exactly', () => {
    const text = prose.repeat(30);
    const c = new StreamingTokenCounter();
    for (const ch of text) c.push(ch);
    expect(c.count()).toBe(exactCount(text));
  });

  it('fed word-sized pieces of prose, it counts exactly', () => {
    const text = prose.repeat(5);
    const c = new StreamingTokenCounter();
    for (const piece of text.match(/\s*\S+/g) ?? []) c.push(piece);
    expect(c.count()).toBe(exactCount(text));
    expect(c.atMost(c.count())).toBe(true);
    expect(c.atMost(c.count() - 1)).toBe(false);
  });

  it('100,000 one-character pieces without a space are counted as they come', () => {
    const c = new StreamingTokenCounter();
    const text = cjk(100_000);
    let over = -1;
    for (let i = 0; i < text.length; i++) {
      c.push(text[i] as string);
      if (over < 0 && !c.atMost(50_000)) over = i;
    }
    const exact = countTokens(text);
    expect(Math.abs(c.count() - exact)).toBeLessThanOrEqual(Math.ceil(exact * 0.02));
    expect(over).toBeGreaterThan(0);
  });
});
