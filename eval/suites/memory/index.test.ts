import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E_TIMEOUT_MS, tempRoot, type TempRoot } from '../../lib/test-run';
import { loadMemoryDataset } from '../../datasets';
import memory from './index';

describe('memory suite end to end (memory-dev, 2 users, in-process)', () => {
  let t: TempRoot;
  beforeAll(async () => {
    t = await tempRoot('memory');
  });
  afterAll(async () => t?.cleanup());

  it('scores retrieval against evidence, answers with memory on and off, and writes all four formats', async () => {
    const r = await t.run(memory, { conversations: 2, questionsPerConversation: 8, variants: [{ name: 'default' }, { name: 'message', chunking: { strategy: 'message' } }] });
    expect(r.output).not.toMatch(/suite failed/);
    expect(r.exitCode).toBe(0);
    const rep = r.report!;
    const out = path.join(t.root, 'memory', 'test-run');
    for (const f of ['report.json', 'rows.csv', 'summary.md', 'junit.xml']) expect((await readFile(path.join(out, f), 'utf8')).length).toBeGreaterThan(0);
    const rows = rep.rows;
    const d = await loadMemoryDataset('memocha:datasets/memory-dev.jsonl');
    const expected = d.conversations.slice(0, 2).reduce((s, c) => s + Math.min(8, d.questions.filter((q) => q.conversationId === c.id).length), 0);
    expect(expected).toBeGreaterThan(10);
    for (const v of ['default', 'message', 'memory-off']) expect(rows.filter((x) => x.variant === v)).toHaveLength(expected);
    // recall@5 in every row equals the evidence turns covered by its first five retrieved memories
    for (const row of rows.filter((x) => x.variant === 'default' && x.recall_at_5 !== null)) {
      const evidence = String(row.evidence).split(' ');
      const top5 = String(row.retrieved_turns).split(' ').slice(0, 5).flatMap((m) => m.split('+'));
      expect(row.recall_at_5).toBeCloseTo(evidence.filter((e) => top5.includes(e)).length / evidence.length, 4);
    }
    // no-answer questions are scored on abstention only; memory off never sees a memory
    for (const row of rows.filter((x) => x.category === 'no-answer')) expect(row).toMatchObject({ f1: null, recall_at_5: null, abstained: expect.any(Boolean) });
    for (const row of rows.filter((x) => x.variant === 'memory-off')) expect(row.memories_in_prompt).toBe(0);
    const temporal = rows.filter((x) => x.variant === 'default' && x.category === 'temporal-update');
    expect(temporal.length).toBeGreaterThan(0);
    for (const row of temporal) expect(['newer-first', 'newer-only', 'stale-first', 'stale-only', 'neither']).toContain(row.temporal);
    const m = (name: string) => rep.metrics[name]?.value;
    expect(m('recall_at_5')).toBeGreaterThan(0.5);
    expect(m('message:recall_at_5')).toBeTypeOf('number');
    expect(m('memory-off:abstention_accuracy')).toBe(1);
    expect(m('memory_injection_f1_gain')).toBeCloseTo((m('answer_f1') ?? 0) - (m('memory-off:answer_f1') ?? 0), 12);
    expect(Object.keys(rep.tables ?? {})).toEqual(expect.arrayContaining(['variants (overall)', 'variants by category']));
  }, E2E_TIMEOUT_MS);

  it('refuses a URL target with a clear message', async () => {
    const { runSuite } = await import('../../harness/run');
    const { Writable } = await import('node:stream');
    let text = '';
    const sink = new Writable({ write: (c: Buffer, _e, cb) => ((text += c.toString()), cb()) });
    const outcome = await runSuite(memory, { target: 'http://127.0.0.1:9', seed: 1, quick: true, out: path.join(t.root, 'url-run'), argv: [] }, { reportsRoot: t.root, stdout: sink, stderr: sink, handleSigint: false });
    expect(outcome.exitCode).toBe(2);
    expect(text).toMatch(/in-process only/);
  }, E2E_TIMEOUT_MS);
});
