import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countChatTokens, countTokens } from '../llm/tokens';
import { cachedCountTokens, countCacheSize } from './count-cache';
import { messageTokens } from './prompt';

describe('cachedCountTokens', () => {
  it('gives what countTokens gives, first time and from the cache', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        expect(cachedCountTokens(s)).toBe(countTokens(s));
        expect(cachedCountTokens(s)).toBe(countTokens(s));
      }),
    );
    const long = 'word '.repeat(5000); // over the cached length: counted each time, still exact
    expect(cachedCountTokens(long)).toBe(countTokens(long));
  });

  it('stays bounded', () => {
    for (let i = 0; i < 5000; i++) cachedCountTokens(`distinct text number ${i}`);
    expect(countCacheSize()).toBeLessThanOrEqual(4096);
  });

  it("keeps the prompt's message cost equal to countChatTokens' rule", () => {
    fc.assert(
      fc.property(fc.constantFrom('system', 'user', 'assistant') as fc.Arbitrary<'system' | 'user' | 'assistant'>, fc.string({ maxLength: 200 }), (role, content) => {
        expect(messageTokens({ role, content })).toBe(countChatTokens([{ role, content }]) - countChatTokens([]));
      }),
    );
  });
});
