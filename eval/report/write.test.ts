import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../metrics/histogram';
import { readReport } from './read';
import type { IndexEntry } from './runs-index';
import { parseReport } from './schema';
import { checkXml, fixtureReport, parseCsv } from './test-support';
import { makeRunId, REPORT_FILES, writeReport } from './write';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'memocha-reports-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const readIndex = async (): Promise<IndexEntry[]> => JSON.parse(await readFile(path.join(root, 'index.json'), 'utf8')) as IndexEntry[];

describe('makeRunId', () => {
  it('is <YYYYMMDDTHHmmss>-<sha7> in UTC', () => {
    expect(makeRunId(new Date('2025-03-04T05:06:07.890Z'), 'abcdef1234')).toBe('20250304T050607-abcdef1');
    expect(makeRunId(new Date('2025-03-04T05:06:07Z'), 'unknown')).toBe('20250304T050607-nogit');
  });
});

describe('writeReport', () => {
  it('writes four files that parse back, under <root>/<suite>/<runId>/', async () => {
    const report = fixtureReport({
      rows: [
        { case: 'c1', ttft_ms: 10, note: 'a, "quoted"\nline' },
        { case: 'c<2>', error: 'failed: <tag attr="x"> & \'more\'', other: true },
      ],
      errors: [{ message: 'run-level <error> & "stuff"' }, { case: 'c9', message: 'lost case' }],
      gates: {
        passed: false,
        checks: [
          { metric: 'ttft_p50_ms', kind: 'max', value: 42, limit: 40, passed: false, message: '42 ms > max 40 ms & <more>' },
          { metric: 'recall@5', kind: 'regression', value: 0.7, limit: null, passed: true, skipped: true, message: 'skipped: no baseline' },
        ],
      },
    });
    const dir = await writeReport(report, { reportsRoot: root });
    expect(dir).toBe(path.join(root, 'latency', report.runId));
    expect((await readdir(dir)).sort()).toEqual([...REPORT_FILES].sort());

    // report.json validates against the schema and equals what was given
    const back = await readReport(dir);
    expect(back).toEqual(report);

    // rows.csv: header = union of keys in first-seen order; nested values as JSON
    const csv = parseCsv(await readFile(path.join(dir, 'rows.csv'), 'utf8'));
    expect(csv[0]).toEqual(['case', 'ttft_ms', 'note', 'error', 'other']);
    expect(csv[1]).toEqual(['c1', '10', 'a, "quoted"\nline', '', '']);
    expect(csv[2]).toEqual(['c<2>', '', '', 'failed: <tag attr="x"> & \'more\'', 'true']);
    expect(csv).toHaveLength(3);

    // junit.xml is well formed, with the escaping of < & " intact
    const xml = await readFile(path.join(dir, 'junit.xml'), 'utf8');
    const elements = checkXml(xml);
    expect(elements[0]).toBe('testsuites');
    expect(elements.filter((e) => e === 'testsuite')).toHaveLength(3);
    expect(elements.filter((e) => e === 'testcase')).toHaveLength(1 + 2 + 2 + 2); // completed, 2 errors, 2 gates, 2 rows
    expect(elements.filter((e) => e === 'failure')).toHaveLength(4); // run error, lost case, gate, row c<2>
    expect(elements.filter((e) => e === 'skipped')).toHaveLength(1);
    expect(xml).toContain('name="c&lt;2&gt;"');
    expect(xml).toContain('failed: &lt;tag attr=&quot;x&quot;&gt; &amp; &apos;more&apos;');
    expect(xml).toContain('tests="7" failures="4"');

    // summary.md holds the run metadata, metrics with CI, gates, histogram percentiles and tables
    const md = await readFile(path.join(dir, 'summary.md'), 'utf8');
    expect(md).toContain(`# latency — ${report.runId}`);
    expect(md).toContain('| git | abcdef1234567890abcdef1234567890abcdef12 |');
    expect(md).toContain('| recall@5 | 0.7 | ratio | [0.6, 0.8] (95%) |');
    expect(md).toContain('## Gates: FAILED');
    expect(md).toMatch(/\| ttft \| 4 \| 10 \|/);
    expect(md).toContain('## sweep');
    expect(md).toContain('| 2 | — |');
    expect(md).toContain('## Errors (3)');
  });

  it('keeps an index of runs, newest first, and suffixes a same-second run', async () => {
    const older = fixtureReport({ startedAt: '2025-01-01T00:00:00.000Z' });
    const newer = fixtureReport({ startedAt: '2025-02-01T00:00:00.000Z', runId: '20250201T000000-abcdef1' });
    await writeReport(older, { reportsRoot: root });
    await writeReport(newer, { reportsRoot: root });
    const again = await writeReport(older, { reportsRoot: root });
    expect(path.basename(again)).toBe(`${older.runId}-2`);
    expect((await readReport(again)).runId).toBe(`${older.runId}-2`);

    const index = await readIndex();
    expect(index.map((e) => e.dir)).toEqual([`latency/${newer.runId}`, `latency/${older.runId}`, `latency/${older.runId}-2`]);
    expect(index[0]).toMatchObject({ suite: 'latency', runId: newer.runId, quick: false, gitSha: older.meta.gitSha });
    expect(index[0]?.headline).toEqual({ ttft_p50_ms: { value: 42, unit: 'ms' }, 'recall@5': { value: 0.7, unit: 'ratio' } });
    expect((await readdir(root)).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock'))).toEqual([]);
  });

  it('writes into --out exactly, and sets an unreadable index aside', async () => {
    await writeFile(path.join(root, 'index.json'), '{not json');
    const out = path.join(root, 'elsewhere', 'run1');
    const dir = await writeReport(fixtureReport(), { outDir: out, reportsRoot: root });
    expect(dir).toBe(out);
    expect((await readIndex())[0]?.dir).toBe('elsewhere/run1');
    expect((await readdir(root)).some((f) => f.startsWith('index.json.corrupt-'))).toBe(true);
  });

  it('leaves the index alone for an --out directory outside the reports root', async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), 'memocha-out-'));
    try {
      await writeReport(fixtureReport(), { outDir: outside, reportsRoot: root });
      expect(await readdir(root)).toEqual([]);
      await writeReport(fixtureReport(), { outDir: outside, reportsRoot: root, index: true });
      expect((await readIndex())[0]?.dir).toBe(path.resolve(outside));
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('stores NaN values as null and rejects an invalid report before writing', async () => {
    const empty = new LatencyHistogram();
    const report = fixtureReport({
      metrics: { tpot_p50_ms: { value: Number.NaN, unit: 'ms' } },
      histograms: { tpot: { unit: 'ms', encoding: empty.encode(), summary: { ...empty.summary(), count: 0 } } },
    });
    const dir = await writeReport(report, { reportsRoot: root });
    const back = parseReport(JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')));
    expect(back.metrics.tpot_p50_ms?.value).toBeNull();
    expect(back.histograms.tpot?.summary.p50).toBeNull();

    const bad = fixtureReport({ rows: [{ case: 'x' }, { error: 'no case id' } as unknown as { case: string }] });
    await expect(writeReport(bad, { reportsRoot: root, outDir: path.join(root, 'bad') })).rejects.toThrow(/rows\.1\.case/);
  });
});
