import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countChatTokens, countTokens } from '../llm/tokens';
import { assemblePrompt, checkPromptBudget, fitText, formatMemories, MEMORY_HEADER, MIN_PROMPT_TOKENS, planPrompt, PromptBudgetError } from './prompt';
import type { AssemblePromptInput, PromptMemory, PromptMessage } from './prompt';

const systemPrompt = 'You are Memocha.'; // 5 tokens → 9 as a message
const userMessage = 'Where do I live?'; // 5 tokens → 9 as a message
const FIXED = 9 + 9 + 3; // system + user + reply priming

function input(o: Partial<AssemblePromptInput> & { flexible?: number }): AssemblePromptInput {
  const { flexible = 100, ...rest } = o;
  return { systemPrompt, memories: [], window: [], userMessage, contextTokens: 1000 + FIXED + flexible, answerReserveTokens: 1000, ...rest };
}
const fact = (i: number, score = 1 - i / 100): PromptMemory => ({
  text: `Fact number ${i}.`,
  createdAt: `2024-05-0${i}T12:00:00.000Z`,
  sessionId: '3f2a1b9c-0000-4000-8000-000000000000',
  score,
});
// "message number i of ten" is 6 tokens → 10 as a message
const chat = (n: number): PromptMessage[] =>
  Array.from({ length: n }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: `message number ${i + 1} of ten` }));

describe('template', () => {
  it('system, dated memories with their session, window, user', () => {
    const r = assemblePrompt(
      input({
        memories: [
          { text: 'I lived in Paris.', createdAt: new Date('2023-01-02T00:00:00Z'), sessionId: null, score: 0.8 },
          { text: 'User: I moved.\nAssistant: Where to?', createdAt: '2024-05-03T23:59:59Z', sessionId: 'cur', score: 0.85 },
          { text: 'I live in Lisbon.', createdAt: '2024-05-03T10:00:00Z', sessionId: '3f2a1b9c-aaaa', score: 0.9 },
        ],
        window: [{ role: 'user', content: 'hi' }],
        currentSessionId: 'cur',
        flexible: 1000,
      }),
    );
    expect(r.messages).toEqual([
      { role: 'system', content: 'You are Memocha.' },
      {
        role: 'system',
        content:
          `${MEMORY_HEADER}\n` +
          '- [2024-05-03, session 3f2a1b9c] I live in Lisbon.\n' +
          '- [2024-05-03, this session] User: I moved.\n  Assistant: Where to?\n' +
          '- [2023-01-02, several sessions] I lived in Paris.',
      },
      { role: 'user', content: 'hi' },
      { role: 'user', content: 'Where do I live?' },
    ]);
    expect(MEMORY_HEADER).toMatch(/prefer the newer one/);
    expect(r.tokens.total).toBe(countChatTokens(r.messages));
    expect(r.tokens.system + r.tokens.memories + r.tokens.window + r.tokens.user + 3).toBe(r.tokens.total);
    expect(r.dropped).toEqual({ memories: 0, windowMessages: 0 });
    expect(r.truncated).toEqual({ user: false, system: false });
  });

  it('oldest-first display keeps the score-based selection; bad dates show as unknown', () => {
    const memories = [fact(1, 0.1), fact(3, 0.9), { ...fact(2, 0.5), createdAt: 'not a date' }];
    const r = assemblePrompt(input({ memories, memoryOrder: 'oldest-first', flexible: 1000 }));
    expect(r.memoriesUsed.map((m) => m.text)).toEqual(['Fact number 2.', 'Fact number 1.', 'Fact number 3.']);
    expect(r.messages[1]?.content).toContain('- [unknown date, session 3f2a1b9c] Fact number 2.');
  });

  it('emits no memory message when no memory fits', () => {
    const r = assemblePrompt(input({ memories: [fact(1)], flexible: 50 }));
    expect(r.messages.map((m) => m.content)).toEqual([systemPrompt, userMessage]);
    expect(r.dropped.memories).toBe(1);
  });
});

describe('budget split', () => {
  it('a memory message costs 60 + 25 per fact here (hand-checked with the tokenizer)', () => {
    expect(countChatTokens([{ role: 'system', content: formatMemories([]) }]) - 3).toBe(60);
    expect(countChatTokens([{ role: 'system', content: formatMemories([fact(1), fact(2)]) }]) - 3).toBe(110);
    expect(countChatTokens(chat(1)) - 3).toBe(10);
  });

  it('the window takes the unused memory share: F = 100, 0.5/0.5, no memories → 10 of 12 messages', () => {
    const r = assemblePrompt(input({ window: chat(12), budget: { memoriesShare: 0.5, windowShare: 0.5 } }));
    expect(r.messages.slice(1, -1)).toEqual(chat(12).slice(2));
    expect(r.tokens.window).toBe(100);
    expect(r.dropped.windowMessages).toBe(2);
  });

  it('memories take the unused window share: F = 200, 0.5/0.5 → 5 of 6 facts (60 + 5·25 = 185)', () => {
    const r = assemblePrompt(input({ memories: [6, 5, 4, 3, 2, 1].map((i) => fact(i)), flexible: 200, budget: { memoriesShare: 0.5, windowShare: 0.5 } }));
    expect(r.memoriesUsed.map((m) => m.text)).toEqual([1, 2, 3, 4, 5].map((i) => `Fact number ${i}.`));
    expect(r.tokens.memories).toBe(185);
    expect(r.dropped.memories).toBe(1);
  });

  it('each keeps its share when both are full: F = 200, 0.5/0.5 → 1 fact (85), the window 10 messages (100) + 15 spare → 11', () => {
    const r = assemblePrompt(input({ memories: [1, 2, 3].map((i) => fact(i)), window: chat(20), flexible: 200, budget: { memoriesShare: 0.5, windowShare: 0.5 } }));
    expect(r.tokens.memories).toBe(85);
    expect(r.tokens.window).toBe(110);
    expect(r.dropped).toEqual({ memories: 2, windowMessages: 9 });
  });

  it('shares summing below 1 leave the remainder unused: 0.2/0.3 of 100 → 50 for the window', () => {
    const r = assemblePrompt(input({ window: chat(12), budget: { memoriesShare: 0.2, windowShare: 0.3 } }));
    expect(r.tokens.window).toBe(50);
  });

  it('rejects shares outside [0, 1] or summing above 1', () => {
    expect(() => assemblePrompt(input({ budget: { memoriesShare: 0.6, windowShare: 0.6 } }))).toThrow(RangeError);
    expect(() => assemblePrompt(input({ budget: { memoriesShare: -0.1 } }))).toThrow(RangeError);
    expect(() => assemblePrompt(input({ contextTokens: 10.5 }))).toThrow(RangeError);
  });
});

describe('truncation and the minimal budget', () => {
  it('cuts the system prompt first, then the user message only when it alone exceeds the budget', () => {
    const longSystem = 'word '.repeat(100); // 101 tokens
    const r1 = assemblePrompt({ ...input({}), systemPrompt: longSystem, userMessage: 'hi', contextTokens: 50, answerReserveTokens: 0 });
    expect(r1.truncated).toEqual({ system: true, user: false });
    expect(countTokens(r1.messages[0]?.content ?? '')).toBe(50 - MIN_PROMPT_TOKENS - 1);
    expect(r1.tokens.total).toBe(50);

    const r2 = assemblePrompt({ ...input({}), userMessage: 'word '.repeat(1000), contextTokens: 100, answerReserveTokens: 0 });
    expect(r2.truncated).toEqual({ system: true, user: true });
    expect(r2.messages).toHaveLength(2);
    expect(r2.messages[0]).toEqual({ role: 'system', content: '' });
    expect(countTokens(r2.messages[1]?.content ?? '')).toBe(100 - MIN_PROMPT_TOKENS);
  });

  it('throws PromptBudgetError below the minimal prompt (11 tokens) and works at it', () => {
    expect(MIN_PROMPT_TOKENS).toBe(11);
    expect(() => assemblePrompt({ ...input({}), contextTokens: 110, answerReserveTokens: 100 })).toThrow(PromptBudgetError);
    const r = assemblePrompt({ ...input({}), contextTokens: 111, answerReserveTokens: 100 });
    expect(r.messages).toEqual([
      { role: 'system', content: '' },
      { role: 'user', content: '' },
    ]);
    expect(r.tokens.total).toBe(11);
  });

  it('fitText re-checks the count of the cut text', () => {
    expect(fitText('hello world', 1)).toEqual({ text: 'hello', truncated: true });
    expect(fitText('hello world', 5)).toEqual({ text: 'hello world', truncated: false });
    expect(fitText('hello', 0)).toEqual({ text: '', truncated: true });
  });
});

const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 120 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 120 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), fc.integer({ min: 50, max: 400 })).map(([s, n]) => s.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\n\n', '<|endoftext|>', '👍🏽'.repeat(300)) },
);
const memory: fc.Arbitrary<PromptMemory> = fc.record({
  text,
  createdAt: fc.oneof(fc.date(), fc.string({ maxLength: 30 })),
  sessionId: fc.option(fc.string({ maxLength: 40 })),
  score: fc.double({ noNaN: true }),
});
const shares = fc.option(
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })).map(([m, w]) => ({ memoriesShare: m, windowShare: w * (1 - m) })),
  { nil: undefined },
);
const promptInput: fc.Arbitrary<AssemblePromptInput> = fc.record({
  systemPrompt: text,
  memories: fc.array(memory, { maxLength: 8 }),
  window: fc.array(fc.record({ role: fc.constantFrom('user' as const, 'assistant' as const, 'system' as const), content: text }), { maxLength: 8 }),
  userMessage: text,
  contextTokens: fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 0, max: 40 }) }, { weight: 3, arbitrary: fc.integer({ min: 0, max: 4000 }) }),
  answerReserveTokens: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 1000 }) }),
  budget: shares,
  memoryOrder: fc.constantFrom('score' as const, 'oldest-first' as const),
});

describe('assemblePrompt properties', () => {
  it('always fits the budget, keeps the system prompt first and the user message last, memories by score', () => {
    fc.assert(
      fc.property(promptInput, (inp) => {
        const budget = inp.contextTokens - inp.answerReserveTokens;
        if (budget < MIN_PROMPT_TOKENS) {
          expect(() => assemblePrompt(inp)).toThrow(PromptBudgetError);
          return;
        }
        const r = assemblePrompt(inp);
        const { messages } = r;
        expect(countChatTokens(messages)).toBeLessThanOrEqual(budget);
        expect(r.tokens.total).toBe(countChatTokens(messages));
        const first = messages[0] as PromptMessage;
        const last = messages[messages.length - 1] as PromptMessage;
        expect(first.role).toBe('system');
        expect(inp.systemPrompt.startsWith(first.content)).toBe(true);
        expect(last.role).toBe('user');
        expect(inp.userMessage.startsWith(last.content)).toBe(true);
        expect(r.truncated.user).toBe(MIN_PROMPT_TOKENS + countTokens(inp.userMessage) > budget);
        if (!r.truncated.user) expect(last.content).toBe(inp.userMessage);
        const hasMemories = r.memoriesUsed.length > 0;
        if (hasMemories) expect(messages[1]).toEqual({ role: 'system', content: formatMemories(r.memoriesUsed) });
        if (inp.memoryOrder === 'score') {
          r.memoriesUsed.forEach((m, i) => expect(m.score).toBeLessThanOrEqual(r.memoriesUsed[i - 1]?.score ?? Infinity));
        }
        const kept = messages.length - 2 - (hasMemories ? 1 : 0);
        expect(messages.slice(hasMemories ? 2 : 1, -1)).toEqual(inp.window.slice(inp.window.length - kept));
        expect(r.dropped).toEqual({ memories: inp.memories.length - r.memoriesUsed.length, windowMessages: inp.window.length - kept });
      }),
      { numRuns: 300 },
    );
  });

  it('handles a huge prompt (200k characters) within the budget', () => {
    const huge = 'Ünïcödé 🧠 memory text. '.repeat(8000);
    const r = assemblePrompt({
      systemPrompt: huge,
      memories: [{ text: huge, createdAt: new Date(0), sessionId: null, score: 1 }, fact(1)],
      window: [{ role: 'user', content: huge }, ...chat(3)],
      userMessage: huge,
      contextTokens: 8000,
      answerReserveTokens: 1000,
    });
    expect(r.tokens.total).toBeLessThanOrEqual(7000);
    expect(r.truncated).toEqual({ user: true, system: true });
  });
});

describe('planPrompt (memories looked up between planning and assembling)', () => {
  it('surelyKept is the window a memory-less prompt keeps with the window share alone; the assembled window ends with it', () => {
    fc.assert(
      fc.property(promptInput, (inp) => {
        if (inp.contextTokens - inp.answerReserveTokens < MIN_PROMPT_TOKENS) {
          expect(() => planPrompt(inp)).toThrow(PromptBudgetError);
          return;
        }
        const plan = planPrompt(inp);
        const windowShare = inp.budget?.windowShare ?? 0.65;
        const windowOnly = assemblePrompt({ ...inp, memories: [], budget: { memoriesShare: 0, windowShare } });
        expect(plan.surelyKept).toEqual(windowOnly.window);
        const r = plan.assemble(inp.memories);
        expect(r).toEqual(assemblePrompt(inp));
        expect(r.window.slice(r.window.length - plan.surelyKept.length)).toEqual(plan.surelyKept);
      }),
      { numRuns: 200 },
    );
  });

  it('returns the caller’s own window objects, oldest first', () => {
    const rows = chat(12).map((m, i) => ({ ...m, id: `m${i}` }));
    const plan = planPrompt({ ...input({ budget: { memoriesShare: 0.5, windowShare: 0.5 } }), window: rows });
    expect(plan.surelyKept.map((m) => m.id)).toEqual(['m7', 'm8', 'm9', 'm10', 'm11']);
    const r = plan.assemble([]);
    expect(r.window.map((m) => m.id)).toEqual(rows.slice(2).map((m) => m.id));
    expect(r.window[0]).toBe(rows[2]);
    expect(r.messages[1]).toEqual({ role: 'user', content: 'message number 3 of ten' });
  });

  it('checkPromptBudget is the one budget rule: B = context − reserve must hold the minimal prompt', () => {
    expect(checkPromptBudget(111, 100)).toBe(11);
    expect(() => checkPromptBudget(110, 100)).toThrow(PromptBudgetError);
    expect(() => checkPromptBudget(110, -1)).toThrow(RangeError);
  });
});
