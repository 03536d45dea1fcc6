import { describe, expect, it } from 'vitest';
import { createLiveJudge, liveJudgePrompt, parseVerdict } from './judge';

describe('parseVerdict', () => {
  it('reads the verdict, in a fence or bare, and scales the mean of both to 0..1', () => {
    expect(parseVerdict('{"groundedness": 5, "relevance": 4, "reason": "fine"}')).toEqual({ ok: true, groundedness: 5, relevance: 4, score: 0.875, reason: 'fine' });
    expect(parseVerdict('Here:\n```json\n{"groundedness": 1, "relevance": 1, "reason": "off"}\n```')).toMatchObject({ ok: true, score: 0 });
  });

  it('records what was wrong instead of a score: no JSON, broken JSON, wrong shape, out of range', () => {
    expect(parseVerdict("I don't know.")).toEqual({ ok: false, failure: 'unparseable', error: 'not JSON: no JSON object in the reply' });
    expect(parseVerdict('{"groundedness": 5,')).toMatchObject({ ok: false, failure: 'unparseable', error: expect.stringMatching(/^not JSON/) });
    expect(parseVerdict('{"score": 4, "reason": "x"}')).toMatchObject({ ok: false, error: expect.stringMatching(/^wrong shape: groundedness/) });
    expect(parseVerdict('{"groundedness": 9, "relevance": 3, "reason": "x"}')).toMatchObject({ ok: false, error: expect.stringMatching(/groundedness/) });
    expect(parseVerdict('{"groundedness": 4.5, "relevance": 3, "reason": "x"}')).toMatchObject({ ok: false, failure: 'unparseable' });
  });
});

describe('createLiveJudge', () => {
  it('shows the judge the memories, question and answer, and turns a failed call into call_failed', async () => {
    const seen: string[] = [];
    const ok = createLiveJudge('m', async (messages) => (seen.push(messages.map((m) => m.content).join('\n')), '{"groundedness":3,"relevance":5,"reason":"r"}'));
    expect(await ok.judge({ question: 'Q?', answer: 'A.', memories: [{ text: 'dog Biscuit', score: 0.71234 }] })).toMatchObject({ ok: true, score: 0.75 });
    expect(seen[0]).toContain('- (0.712) dog Biscuit');
    expect(liveJudgePrompt({ question: 'Q?', answer: 'A.', memories: [] })[1]!.content).toContain('<<<\n(none)\n>>>');
    const down = createLiveJudge('m', () => Promise.reject(new Error('ECONNREFUSED')));
    expect(await down.judge({ question: 'Q', answer: 'A', memories: [] })).toEqual({ ok: false, failure: 'call_failed', error: 'judge call failed: ECONNREFUSED' });
  });
});
