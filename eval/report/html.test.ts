import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../harness/main';
import { buildDashboardBundle, dashboardPage, embeddedData } from './html';
import { fixtureReport } from './test-support';
import { writeReport } from './write';

function sink() {
  let text = '';
  return { stream: new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) }), text: () => text };
}

describe('the static dashboard page', () => {
  it('keys runs by suite/runId, suffixing duplicates, newest first', () => {
    const a = fixtureReport({ startedAt: '2026-01-01T00:00:00.000Z' });
    const b = fixtureReport({ startedAt: '2026-01-02T00:00:00.000Z', runId: 'later' });
    const data = embeddedData([a, a, b]);
    expect(data.runs.map((r) => r.dir)).toEqual(['latency/later', 'latency/20250101T000000-abcdef1', 'latency/20250101T000000-abcdef1-2']);
    expect(Object.keys(data.reports).sort()).toEqual(['latency/20250101T000000-abcdef1', 'latency/20250101T000000-abcdef1-2', 'latency/later']);
    expect(data.runs[0]!.headline).toEqual({ ttft_p50_ms: { value: 42, unit: 'ms' }, 'recall@5': { value: 0.7, unit: 'ratio' } });
  });

  it('embeds data that cannot end its script element', () => {
    const evil = fixtureReport({ rows: [{ case: '</script><script>alert(1)</script>' }, { case: '<!-- \u2028' }] });
    const page = dashboardPage({ js: 'console.log("</script>")', css: 'a{}</style>' }, embeddedData([evil]));
    expect(page.match(/<\/script>/g)).toHaveLength(2); // the two script elements' own
    expect(page).not.toContain('</style>a');
    const json = /<script type="application\/json" id="memocha-data">([^]*?)<\/script>/.exec(page)![1]!;
    expect(JSON.parse(json).reports['latency/20250101T000000-abcdef1'].rows[0].case).toBe('</script><script>alert(1)</script>');
  });

  it('builds the dashboard into one script and one stylesheet', async () => {
    const b = await buildDashboardBundle();
    expect(b.js).toContain('memocha-dashboard');
    expect(b.js).not.toMatch(/import\(/); // no second file to load
    expect(b.css).toContain('.vtable');
    expect(b.css).toContain('.uplot');
  });
});

describe('memocha-eval html', () => {
  let dir: string;
  let runDir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'memocha-html-cli-'));
    runDir = await writeReport(fixtureReport(), { outDir: path.join(dir, 'run'), index: false });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes <out>/index.html with the reports embedded', async () => {
    const out = sink();
    expect(await main(['html', runDir, '--out', path.join(dir, 'site')], {}, { stdout: out.stream })).toBe(0);
    expect(out.text()).toMatch(/wrote .*site\/index\.html \(1 run\)/);
    const page = await readFile(path.join(dir, 'site', 'index.html'), 'utf8');
    expect(page).toContain('"runId":"20250101T000000-abcdef1"');
    expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href=/); // self-contained
  });

  it('exits 2 with a message on a missing report, a missing --out or no reports', async () => {
    const err = sink();
    expect(await main(['html', path.join(dir, 'nope'), '--out', path.join(dir, 'x')], {}, { stderr: err.stream })).toBe(2);
    expect(err.text()).toMatch(/no report at/);
    expect(await main(['html', runDir], {}, { stderr: err.stream })).toBe(2);
    expect(err.text()).toMatch(/html needs --out/);
    expect(await main(['html', '--out', dir], {}, { stderr: err.stream })).toBe(2);
    expect(err.text()).toMatch(/html takes one or more reports/);
  });
});
