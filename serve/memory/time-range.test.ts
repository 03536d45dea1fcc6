import { describe, expect, it } from 'vitest';
import { asksAboutPresent, questionTimeRange } from './time-range';

const ref = new Date('2023-10-20T12:00:00Z');
const range = (q: string, at = ref) => {
  const r = questionTimeRange(q, at);
  return r ? [r.from.toISOString().slice(0, 10), r.to.toISOString().slice(0, 10)] : null;
};

describe('questionTimeRange', () => {
  it('months: "last May" is the latest May before the question; "in June" of this year; with a year', () => {
    expect(range('What did Melanie do last May?')).toEqual(['2023-05-01', '2023-06-01']);
    expect(range('What did Jon do in June?')).toEqual(['2023-06-01', '2023-07-01']);
    expect(range('What did Jon do in December?')).toEqual(['2022-12-01', '2023-01-01']);
    expect(range('Where was she in March 2021?')).toEqual(['2021-03-01', '2021-04-01']);
    expect(range('What did he do last October?')).toEqual(['2022-10-01', '2022-11-01']);
  });

  it('years, seasons and days', () => {
    expect(range('Where did we go in 2022?')).toEqual(['2022-01-01', '2023-01-01']);
    expect(range('What did they do in the summer of 2022?')).toEqual(['2022-06-01', '2022-09-01']);
    expect(range('What did she paint on 8 May 2023?')).toEqual(['2023-05-08', '2023-05-09']);
    expect(range('What did he say yesterday?')).toEqual(['2023-10-19', '2023-10-20']);
    expect(range('How many cats did she have 2 years ago?')).toEqual(['2021-01-01', '2022-01-01']);
    expect(range('What happened last week?')).toEqual(['2023-10-10', '2023-10-17']);
  });

  it('no date, or a date relative to an event, gives no range', () => {
    expect(range('When did Caroline go to the support group?')).toBeNull();
    expect(range('I have 2 kids and 3 cats')).toBeNull();
    expect(range('What did I do two weeks before the wedding?')).toBeNull();
    expect(range('What does she do at the weekend?')).toBeNull();
    expect(range('Where does Ana live now?')).toBeNull();
  });
});

describe('asksAboutPresent', () => {
  it('the current state: explicit markers, or a present-tense verb with no past marker', () => {
    for (const q of ['What city am I based in?', "What's my current boss called?", 'Which mobile provider am I with now?', 'What do I do for exercise these days?', 'Where does Ana live?', 'Do I still play the piano?'])
      expect(asksAboutPresent(q), q).toBe(true);
  });
  it('the past: past auxiliaries, "when", dates; and questions with no verb cue', () => {
    for (const q of ['When did Caroline go to the LGBTQ support group?', 'What did Melanie paint last May?', 'Where was she in 2022?', 'How many times has she gone to the beach in 2023?', 'What has Melanie painted?', 'Tell me about the trip'])
      expect(asksAboutPresent(q), q).toBe(false);
  });
});
