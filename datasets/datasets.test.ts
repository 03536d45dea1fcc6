/** Our own datasets load, validate, keep their promises, and match README.md and a fresh build. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMemochaMemory, loadMemochaRetrieval } from '../eval/datasets/memocha-jsonl';
import { turnIndex } from '../eval/datasets/stats';
import type { MemoryDataset, RetrievalDataset } from '../eval/datasets/types';
import { buildConversations, buildMemoryFiles, MEMORY_GATE_USERS, summaryRow } from './build-memory-dev';

const file = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url));
const README = readFileSync(file('README.md'), 'utf8');
const DAY = 86_400_000;

describe('memory-dev.jsonl and memory-gate.jsonl', () => {
  let dev: MemoryDataset;
  let gate: MemoryDataset;
  beforeAll(async () => {
    dev = await loadMemochaMemory(file('memory-dev.jsonl'));
    gate = await loadMemochaMemory(file('memory-gate.jsonl'));
  });

  it('are exactly what datasets/build-memory-dev.ts generates', () => {
    const built = buildMemoryFiles();
    expect(readFileSync(file('memory-dev.jsonl'), 'utf8')).toBe(built.dev);
    expect(readFileSync(file('memory-gate.jsonl'), 'utf8')).toBe(built.gate);
  });

  it('match the counts in datasets/README.md', () => {
    const conversations = buildConversations();
    expect(README).toContain(summaryRow('memory-dev.jsonl', conversations));
    expect(README).toContain(summaryRow('memory-gate.jsonl', conversations.slice(0, MEMORY_GATE_USERS)));
    expect(dev.stats).toMatchObject({ conversations: 24, questions: conversations.flatMap((c) => c.questions).length });
  });

  it('gate is the first users of dev, unchanged', () => {
    expect(gate.conversations).toEqual(dev.conversations.slice(0, MEMORY_GATE_USERS));
    const ids = new Set(gate.conversations.map((c) => c.id));
    expect(gate.questions).toEqual(dev.questions.filter((q) => ids.has(q.conversationId)));
  });

  it('has 20+ users, each with 2–4 sessions days apart and one memory owner', () => {
    expect(dev.conversations.length).toBeGreaterThanOrEqual(20);
    expect(new Set(dev.conversations.map((c) => c.userId)).size).toBe(dev.conversations.length);
    for (const c of dev.conversations) {
      expect(c.sessions.length, c.id).toBeGreaterThanOrEqual(2);
      expect(c.sessions.length, c.id).toBeLessThanOrEqual(4);
      c.sessions.forEach((s, i) => {
        if (i > 0) expect(s.date.getTime() - c.sessions[i - 1]!.date.getTime(), `${c.id} ${s.id}`).toBeGreaterThanOrEqual(2 * DAY);
        expect(s.turns.map((t) => t.role), `${c.id} ${s.id} alternates`).toEqual(s.turns.map((_, k) => (k % 2 === 0 ? 'user' : 'assistant')));
      });
    }
  });

  it('every question: evidence resolves to user turns that contain the answer, asked after the last session', () => {
    for (const c of dev.conversations) {
      const turns = turnIndex(c);
      const last = c.sessions[c.sessions.length - 1]!.date.getTime();
      for (const q of dev.questions.filter((x) => x.conversationId === c.id)) {
        expect(q.askedAt!.getTime(), q.id).toBeGreaterThan(last);
        const texts = q.evidence.map((id) => {
          const ref = turns.get(id);
          expect(ref?.turn.role, `${q.id} ${id}`).toBe('user');
          return ref?.turn.text ?? '';
        });
        if (q.answer === null) continue;
        expect(q.evidence.length, q.id).toBeGreaterThan(0);
        for (const part of q.answer.split(' and ')) expect(texts.join('\n').toLowerCase(), `${q.id}: ${q.answer}`).toContain(part.toLowerCase());
      }
    }
  });

  it('temporal-update: stale evidence is older than the evidence and does not hold the new answer', () => {
    const updates = dev.questions.filter((q) => q.category === 'temporal-update');
    expect(updates.length).toBeGreaterThan(0);
    for (const q of updates) {
      const turns = turnIndex(dev.conversations.find((c) => c.id === q.conversationId)!);
      expect(q.stale?.length, q.id).toBeGreaterThan(0);
      const newest = Math.min(...q.evidence.map((id) => turns.get(id)!.session.date.getTime()));
      for (const id of q.stale ?? []) {
        const stale = turns.get(id)!;
        expect(stale.session.date.getTime(), `${q.id} ${id}`).toBeLessThan(newest);
        expect(stale.turn.text.toLowerCase(), `${q.id} ${id}`).not.toContain(q.answer!.toLowerCase());
      }
    }
  });

  it('no-answer questions have answer null and no evidence; answered ones have both', () => {
    for (const q of dev.questions) {
      if (q.category === 'no-answer') expect([q.answer, q.evidence], q.id).toEqual([null, []]);
      else expect(q.answer, q.id).not.toBeNull();
      if (q.category !== 'temporal-update') expect(q.stale, q.id).toBeUndefined();
    }
  });

  it('multi-session questions need turns from two sessions', () => {
    for (const q of dev.questions.filter((x) => x.category === 'multi-session')) {
      const turns = turnIndex(dev.conversations.find((c) => c.id === q.conversationId)!);
      expect(new Set(q.evidence.map((id) => turns.get(id)!.session.id)).size, q.id).toBeGreaterThanOrEqual(2);
    }
  });

  it('no user asks the same question twice, and every category is there', () => {
    for (const c of dev.conversations) {
      const qs = dev.questions.filter((q) => q.conversationId === c.id).map((q) => q.question);
      expect(new Set(qs).size, c.id).toBe(qs.length);
    }
    expect(Object.keys(dev.stats.byCategory).sort()).toEqual(['multi-session', 'no-answer', 'single-hop', 'temporal-update']);
  });
});

describe('retrieval-dev.jsonl', () => {
  let ds: RetrievalDataset;
  beforeAll(async () => {
    ds = await loadMemochaRetrieval(file('retrieval-dev.jsonl'));
  });

  it('matches the counts in datasets/README.md', () => {
    const grades = [0, 1, 2, 3].map((g) => [...ds.qrels.values()].reduce((n, m) => n + [...m.values()].filter((x) => x === g).length, 0));
    expect(README).toContain(`| \`retrieval-dev.jsonl\` | ${ds.stats.docs} | ${ds.stats.queries} | ${ds.stats.judgments} | ${grades.join(' | ')} |`);
    expect(ds.stats.docs).toBeGreaterThanOrEqual(60);
    expect(ds.stats.queries).toBeGreaterThanOrEqual(30);
    expect(ds.stats).toMatchObject({ unknownDocs: 0, unknownQueries: 0 });
  });

  it('every query has a fully relevant doc, and judged negatives', () => {
    for (const q of ds.queries) {
      const grades = [...(ds.qrels.get(q.id) ?? new Map<string, number>()).values()];
      expect(grades, q.id).toContain(3);
      expect(grades, q.id).toContain(0);
    }
    expect(new Set(ds.corpus.map((d) => d.text)).size).toBe(ds.corpus.length);
  });
});
