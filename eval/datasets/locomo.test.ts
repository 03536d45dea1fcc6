import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadLocomo, parseEvidenceRef, parseLocomo, parseLocomoDate } from './locomo';
import { turnIndex } from './stats';
import { DatasetError } from './types';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** CC BY-NC 4.0: loaded by path from the shared folder, never copied into the repository. */
const LOCOMO = `${ROOT}../shared/datasets/locomo/locomo-dev.json`;
const HAVE_LOCOMO = existsSync(LOCOMO);
const FIXTURE = fileURLToPath(new URL('./fixtures/locomo-malformed.json', import.meta.url));

describe('parseLocomoDate', () => {
  it('reads the 12-hour clock as UTC', () => {
    expect(parseLocomoDate('1:56 pm on 8 May, 2023').toISOString()).toBe('2023-05-08T13:56:00.000Z');
    expect(parseLocomoDate('10:37 am on 27 June, 2023').toISOString()).toBe('2023-06-27T10:37:00.000Z');
    expect(parseLocomoDate('12:09 am on 13 September, 2023').toISOString()).toBe('2023-09-13T00:09:00.000Z');
    expect(parseLocomoDate('12:30 pm on 1 January, 2024').toISOString()).toBe('2024-01-01T12:30:00.000Z');
    expect(parseLocomoDate('4:30 pm on 29 February, 2024').toISOString()).toBe('2024-02-29T16:30:00.000Z');
  });

  it.each([
    '13:56 pm on 8 May, 2023', // 24-hour
    '0:10 am on 8 May, 2023',
    '1:6 pm on 8 May, 2023', // one-digit minutes
    '1:60 pm on 8 May, 2023',
    '1:56 PM on 8 May, 2023',
    '1:56 pm on 8 Mai, 2023',
    '1:56 pm on 31 April, 2023',
    '1:56 pm on 29 February, 2023',
    '1:56 pm on 0 May, 2023',
    '1:56 pm on 8 May 2023',
    ' 1:56 pm on 8 May, 2023',
    '2023-05-08',
    '',
  ])('rejects %j', (text) => {
    expect(() => parseLocomoDate(text)).toThrow(/not a LoCoMo date/);
  });
});

describe('parseEvidenceRef', () => {
  it.each([
    ['D1:3', ['D1:3'], []],
    ['D8:6; D9:17', ['D8:6', 'D9:17'], []],
    ['D8:6, D9:17 D10:1', ['D8:6', 'D9:17', 'D10:1'], []],
    ['D:11:26', ['D11:26'], []],
    ['D30:05', ['D30:5'], []],
    ['d2:4', ['D2:4'], []],
    ['D', [], ['D']],
    ['', [], ['']],
    ['D3:4; session 2', ['D3:4'], ['session', '2']],
  ])('%j → %j', (raw, ids, bad) => {
    expect(parseEvidenceRef(raw)).toEqual({ ids, bad });
  });
});

describe('LoCoMo fixture with malformed evidence', () => {
  it('loads sessions, roles, captions and questions', async () => {
    const ds = await loadLocomo(FIXTURE);
    expect(ds.id).toBe('locomo-malformed');
    expect(ds.stats).toMatchObject({ conversations: 1, sessions: 2, turns: 5, questions: 8 });
    const c = ds.conversations[0]!;
    expect(c.sessions.map((s) => [s.id, s.date.toISOString()])).toEqual([
      ['session_1', '2023-03-03T00:09:00.000Z'],
      ['session_2', '2024-02-29T16:30:00.000Z'],
    ]);
    expect(c.sessions[0]!.turns.map((t) => t.role)).toEqual(['user', 'assistant', 'user']);
    expect(c.sessions[0]!.turns[1]!.text).toBe('Nice! Mine lost all its leaves in the winter. [shared a photo: a photo of a fig tree in a blue pot]');
    const q = ds.questions;
    expect(q[1]!.evidence).toEqual(['D1:3', 'D2:1']);
    expect(q[2]!.evidence).toEqual(['D2:2']);
    expect(q[3]).toMatchObject({ answer: '2023', category: 'temporal', evidence: ['D2:1', 'D1:2'] });
    expect(q[4]!.evidence).toEqual([]);
    expect(q[5]!.evidence).toEqual(['D1:2']);
    expect(q[6]).toMatchObject({ answer: null, adversarialAnswer: 'A fig tree', category: 'adversarial' });
    expect(q[7]).toMatchObject({ answer: 'No', adversarialAnswer: 'Yes' });
  });

  it('counts what it repaired and what did not resolve', async () => {
    const { stats } = await loadLocomo(FIXTURE);
    expect(stats.evidenceRefs).toBe(9);
    expect(stats.malformedEvidence).toEqual(['D1:3; D2:1', 'D:2:2', 'D2:01', 'D']);
    expect(stats.unresolvedEvidence).toBe(2);
    expect(stats.issues.map((i) => [i.raw, i.kind])).toEqual([
      ['D1:3; D2:1', 'repaired'],
      ['D:2:2', 'repaired'],
      ['D2:01', 'repaired'],
      ['D', 'unparseable'],
      ['D9:9', 'missing'],
    ]);
    // the category-4 question whose only evidence was "D" has none left
    expect(stats.questionsWithoutEvidence).toBe(2);
  });

  it('all-user roles and no captions', async () => {
    const ds = await loadLocomo(FIXTURE, { roles: 'all-user', imageCaptions: false });
    const turns = ds.conversations[0]!.sessions.flatMap((s) => s.turns);
    expect(new Set(turns.map((t) => t.role))).toEqual(new Set(['user']));
    expect(turns[1]!.text).toBe('Nice! Mine lost all its leaves in the winter.');
    expect(turns[1]!.speaker).toBe('Tomas');
  });

  it('rejects bad structure, dates and speakers with the place named', () => {
    expect(() => parseLocomo({ sample_id: 'x' })).toThrow(DatasetError);
    const bad = [
      {
        sample_id: 'b',
        conversation: {
          speaker_a: 'A',
          speaker_b: 'B',
          session_1_date_time: '25:00 pm on 1 May, 2023',
          session_1: [{ speaker: 'C', dia_id: 'D1:1', text: 'hi' }],
          session_2: [{ speaker: 'A', dia_id: 'D1:1', text: 'hi' }],
        },
        qa: [{ question: '?', answer: 'x', evidence: [], category: 9 }],
      },
    ];
    let err: unknown;
    try {
      parseLocomo(bad, { file: 'bad.json' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DatasetError);
    const problems = (err as DatasetError).problems.join('\n');
    expect(problems).toMatch(/b session_1_date_time: not a LoCoMo date/);
    expect(problems).toMatch(/speaker "C" is neither/);
    expect(problems).toMatch(/b session_2: no session_2_date_time/);
    expect(problems).toMatch(/duplicate dia_id D1:1/);
    expect(problems).toMatch(/b\/q1: unknown category 9/);
  });
});

describe.skipIf(!HAVE_LOCOMO)(`LoCoMo dev file${HAVE_LOCOMO ? '' : ` (skipped: ${LOCOMO} is absent)`}`, () => {
  it('matches the counts in datasets/README.md', async () => {
    const ds = await loadLocomo(LOCOMO);
    expect(ds.stats).toMatchObject({ conversations: 5, sessions: 128, turns: 2760, questions: 999 });
    expect(ds.conversations.map((c) => c.id)).toEqual(['conv-26', 'conv-30', 'conv-41', 'conv-42', 'conv-43']);
    expect(ds.stats.byCategory).toEqual({ 'multi-hop': 142, temporal: 156, 'open-domain': 46, 'single-hop': 418, adversarial: 237 });
  });

  it('resolves evidence against the real turn ids and counts the rest', async () => {
    const ds = await loadLocomo(LOCOMO);
    // found in this file: "D8:6; D9:17" and "D:11:26" repaired; "D" unparseable; "D10:19" names no turn
    expect(ds.stats.evidenceRefs).toBe(1350);
    expect(ds.stats.unresolvedEvidence).toBe(2);
    expect(ds.stats.malformedEvidence.sort()).toEqual(['D', 'D8:6; D9:17', 'D:11:26']);
    expect(ds.stats.issues.map((i) => `${i.questionId} ${i.kind} ${i.raw}`).sort()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^conv-42\/q\d+ missing D10:19$/), expect.stringMatching(/^conv-42\/q\d+ unparseable D$/)]),
    );
    for (const c of ds.conversations) {
      const ids = turnIndex(c);
      for (const q of ds.questions.filter((x) => x.conversationId === c.id)) for (const e of q.evidence) expect(ids.has(e), `${q.id} ${e}`).toBe(true);
      for (let i = 1; i < c.sessions.length; i++) expect(c.sessions[i]!.date.getTime()).toBeGreaterThan(c.sessions[i - 1]!.date.getTime());
    }
  });

  it('keeps the adversarial answers of category 5', async () => {
    const ds = await loadLocomo(LOCOMO);
    const adv = ds.questions.filter((q) => q.category === 'adversarial');
    expect(adv.every((q) => q.adversarialAnswer !== undefined)).toBe(true);
    expect(adv.filter((q) => q.answer === null).length).toBe(235);
    // speaker_a is the first speaker of every conversation in this file; each speaker keeps one role
    for (const c of ds.conversations) {
      const turns = c.sessions.flatMap((s) => s.turns);
      const roleOf = new Map(turns.map((t) => [t.speaker, t.role]));
      expect(roleOf.size, c.id).toBe(2);
      expect(turns.every((t) => roleOf.get(t.speaker) === t.role), c.id).toBe(true);
      expect(new Set(roleOf.values()), c.id).toEqual(new Set(['user', 'assistant']));
    }
  });
});
