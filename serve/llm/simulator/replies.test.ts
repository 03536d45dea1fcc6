import { describe, expect, it } from 'vitest';
import { countTokens } from '../tokens';
import { mulberry32 } from './delays';
import { compileScript, contentWords, DONT_KNOW, expandTemplate, extractive, generateReply, lorem, scripted, splitSentences } from './replies';

const rng = () => mulberry32(7);

describe('replies', () => {
  it('echo returns the last user message', () => {
    const messages = [
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'second' },
      { role: 'system', content: 'trailing system' },
    ];
    expect(generateReply({ mode: 'echo', messages, rng: rng() })).toBe('second');
  });

  it('lorem is seeded and exactly the requested length', () => {
    const a = lorem(mulberry32(1), 50);
    expect(lorem(mulberry32(1), 50)).toBe(a);
    expect(lorem(mulberry32(2), 50)).not.toBe(a);
    expect(countTokens(a)).toBe(50);
    expect(a).toMatch(/^[A-Z]/);
    expect(countTokens(generateReply({ mode: 'lorem', messages: [], rng: rng() }))).toBe(64);
    expect(lorem(mulberry32(1), 0)).toBe('');
  });

  it('content words drop stop words, possessives and case', () => {
    expect(contentWords("What is my dog's NAME?")).toEqual(['dog', 'name']);
    expect(contentWords('I moved to Berlin in 2021.')).toEqual(['moved', 'berlin', '2021']);
  });

  it('splits sentences on terminal punctuation and newlines', () => {
    expect(splitSentences('One. Two! Three?\nFour')).toEqual(['One.', 'Two!', 'Three?', 'Four']);
  });

  describe('extractive', () => {
    const context = [
      { role: 'system', content: 'You are Memocha. Facts about the user follow.' },
      { role: 'system', content: "The user's dog is called Rex. The user lives in Lyon. The user's cat is called Tom." },
      { role: 'user', content: 'I moved to Lyon in 2019 for work.' },
      { role: 'assistant', content: 'Nice, Lyon is a great city.' },
    ];
    const ask = (q: string) => extractive([...context, { role: 'user', content: q }]);

    it('answers with the best-overlapping sentence', () => {
      expect(ask("What is my dog's name? Is it called Rex?")).toBe("The user's dog is called Rex.");
      expect(ask('When did I move to Lyon for work?')).toBe('I moved to Lyon in 2019 for work.');
      expect(ask('What is the cat called?')).toBe("The user's cat is called Tom.");
    });

    it('breaks ties toward the earlier sentence', () => {
      // "lyon" appears in three sentences with one shared word each: the earliest wins.
      expect(ask('Lyon?')).toBe('The user lives in Lyon.');
    });

    it("says I don't know without any shared content word", () => {
      expect(ask('What is the capital of Peru?')).toBe(DONT_KNOW);
      expect(extractive([{ role: 'user', content: 'anything' }])).toBe(DONT_KNOW);
    });
  });

  describe('scripted', () => {
    const rules = compileScript([
      { pattern: '^my name is (\\w+)', flags: 'i', reply: 'Nice to meet you, $1!' },
      { pattern: 'SECRET=(?<code>\\d+)', target: 'prompt', reply: 'The code is $<code> ($& costs $$5).' },
      { pattern: 'hello', reply: 'Hi there.' },
    ]);
    const run = (messages: { role: string; content: string }[]) => scripted(messages, rules);

    it('first matching rule wins, with capture substitution', () => {
      expect(run([{ role: 'user', content: 'My name is Ada, hello' }])).toBe('Nice to meet you, Ada!');
      expect(run([{ role: 'user', content: 'hello' }])).toBe('Hi there.');
    });

    it('prompt-targeted rules see every message', () => {
      const messages = [
        { role: 'system', content: 'SECRET=1234' },
        { role: 'user', content: 'what is the code? hello' },
      ];
      expect(run(messages)).toBe('The code is 1234 (SECRET=1234 costs $5).');
    });

    it("falls back to I don't know", () => {
      expect(run([{ role: 'user', content: 'bye' }])).toBe(DONT_KNOW);
      expect(scripted([{ role: 'user', content: 'x' }], [])).toBe(DONT_KNOW);
    });

    it('leaves unknown group references alone and rejects bad patterns', () => {
      const m = /a(b)/.exec('ab');
      expect(m && expandTemplate('$1 $2 $9', m)).toBe('b $2 $9');
      expect(() => compileScript([{ pattern: '(', reply: 'x' }])).toThrow(/script rule 0/);
    });

    it('ignores the g flag so matching is stateless', () => {
      const [rule] = compileScript([{ pattern: 'x', flags: 'gi', reply: 'y' }]);
      expect(rule?.regex.flags).toBe('i');
    });
  });
});
