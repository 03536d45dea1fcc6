/**
 * The dashboard in Debian's Chromium (playwright-core) against the real server and its /api/reports:
 * it lists runs, opens one, compares two with the CLI's verdicts, shows trends, has no serious or
 * critical axe violation, and opens a 10k-row report (timed; the figure goes to
 * test-artifacts/dashboard-timing.json, nothing here asserts a time). The static export
 * (`memocha-eval html`) is opened from file:// with every network request refused.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../eval/harness/main';
import { writeHtmlExport } from '../../eval/report/html';
import { type Stack, startStack, UI_DIST } from '../../serve/testing';
import { writeFixtureRoot } from '../support/report-fixtures';
import { launchChromium, runAxe, screenshot, seriousViolations } from '../support/browser';

const REPO = path.resolve(import.meta.dirname, '../..');
const ARTIFACTS = path.join(REPO, 'test-artifacts');
const BIG = 10_000;
const ROW = 'md-vtable.rows [role=row][aria-rowindex="2"]';

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'dist' || e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** ui/dist as `npm run build:ui` makes it (npm ci does), built when missing or older than a dashboard source. */
function ensureUiBuilt(): void {
  const page = path.join(UI_DIST, 'dashboard', 'index.html');
  if (existsSync(page) && statSync(page).mtimeMs >= newestMtime(path.join(REPO, 'ui', 'dashboard'))) return;
  execFileSync('flock', ['/tmp/memocha-ui-build.lock', 'npm', 'run', '-s', 'build:ui'], { cwd: REPO, stdio: 'pipe' });
}

/** Milliseconds from running `action` in the page until the first case row shows, and until the latency charts are drawn too (polled every frame, in the page). */
async function timeUntil(page: Page, action: string): Promise<{ rows: number; charts: number }> {
  return page.evaluate(
    `(async () => { const t0 = performance.now(); ${action};
      const frame = () => new Promise((r) => requestAnimationFrame(r));
      while (!document.querySelector(${JSON.stringify(ROW)})) await frame();
      const rows = performance.now() - t0;
      while (document.querySelectorAll('md-hist md-chart canvas').length < 2) await frame();
      return { rows, charts: performance.now() - t0 }; })()`,
  ) as Promise<{ rows: number; charts: number }>;
}

async function expectAccessible(page: Page): Promise<void> {
  expect(seriousViolations(await runAxe(page))).toEqual([]);
}

describe('the dashboard in Chromium', () => {
  let browser: Browser;
  let stack: Stack;
  let root: string;
  let dirs: string[];
  let page: Page;

  beforeAll(async () => {
    ensureUiBuilt();
    ({ root, dirs } = await writeFixtureRoot([
      { startedAt: '2026-01-01T00:00:00.000Z', gitSha: '1111111aaaaaaaaa', cases: 300, latencyMs: 100, accuracy: 0.8, seed: 1 },
      { startedAt: '2026-01-02T00:00:00.000Z', gitSha: '2222222bbbbbbbbb', cases: 300, latencyMs: 140, accuracy: 0.6, seed: 2 },
      { startedAt: '2026-01-03T00:00:00.000Z', gitSha: '3333333ccccccccc', cases: BIG, latencyMs: 110, accuracy: 0.78, seed: 3 },
    ]));
    stack = await startStack({ env: { REPORTS_DIR: root } });
    browser = await launchChromium();
    // axe goes in as an inline script, which the UI's Content-Security-Policy forbids; the timed test runs under it
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('lists the runs newest first', async () => {
    await page.goto(`${stack.url}/dashboard/`);
    await page.waitForSelector('md-runs table.runs tbody tr');
    const ids = await page.$$eval('md-runs a.run-link', (as) => as.map((a) => a.textContent));
    expect(ids).toEqual(['20260103T000000-3333333', '20260102T000000-2222222', '20260101T000000-1111111']);
    expect(await page.textContent('md-runs tbody tr:nth-child(3)')).toMatch(/accuracy\s+0\.\d+\s+ratio/);
    await screenshot(page, 'dashboard-runs');
    await expectAccessible(page);
  });

  it('opens a run: headline metrics with CIs, gates, latency charts, case rows with search and filter', async () => {
    await page.click(`a.run-link:text("20260101T000000-1111111")`);
    await page.waitForSelector(ROW);
    expect(await page.textContent('md-run h2')).toBe('memory / 20260101T000000-1111111');
    const card = await page.textContent('.card');
    expect(card).toMatch(/accuracy/);
    expect(card).toMatch(/95% CI 0\.\d+ – 0\.\d+ · n = 300/);
    expect(await page.textContent('table.gates')).toMatch(/passed/);
    await page.waitForFunction(`document.querySelectorAll('md-hist md-chart canvas').length === 2`);
    expect(await page.getAttribute('md-chart .chart', 'aria-label')).toMatch(/^Distribution of latency in ms; latency: n = 300, p50 /);
    expect(await page.textContent('.count')).toBe('300 of 300 cases');
    await page.fill('input[type=search]', 'case-0001');
    await page.waitForFunction(`document.querySelector('.count')?.textContent === '10 of 300 cases'`);
    const shown = await page.$$eval('md-vtable.rows [role=row][aria-rowindex] [role=cell]:first-child', (cs) => cs.map((c) => c.textContent));
    expect(shown.every((c) => c?.startsWith('case-0001'))).toBe(true);
    await page.fill('input[type=search]', '');
    await page.selectOption('md-run select >> nth=0', 'error');
    await page.waitForFunction(`document.querySelector('.count')?.textContent === '0 of 300 cases'`);
    await page.selectOption('md-run select >> nth=0', 'all');
    await page.waitForSelector(ROW);
    await screenshot(page, 'dashboard-run');
    await expectAccessible(page);
  });

  it('compares two runs with the same verdicts as `memocha-eval compare`, regressions red, largest first', async () => {
    await page.goto(`${stack.url}/dashboard/#/`);
    await page.waitForSelector('md-runs table.runs');
    await page.check('input[aria-label="compare memory/20260101T000000-1111111"]');
    await page.check('input[aria-label="compare memory/20260102T000000-2222222"]');
    await page.click('#compare-selected');
    await page.waitForSelector('table.compare tbody tr');
    await page.waitForSelector('md-vtable.cases [role=row][aria-rowindex="2"]');
    const rows = await page.$$eval('table.compare tbody tr', (trs) =>
      trs.map((tr) => ({ metric: tr.getAttribute('data-metric') ?? '', verdict: tr.querySelector('.verdict')?.textContent ?? '', red: tr.querySelector('.verdict')?.classList.contains('worse') ?? false })),
    );
    let out = '';
    const stdout = new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) });
    expect(await main(['compare', path.join(root, dirs[0]!), path.join(root, dirs[1]!)], {}, { stdout })).toBe(0);
    expect(rows.length).toBe(2);
    for (const r of rows) {
      const line = out.split('\n').find((l) => l.startsWith(`${r.metric} `));
      expect(line, r.metric).toBeDefined();
      expect(line!.trimEnd().endsWith(r.verdict), `${r.metric}: dashboard "${r.verdict}" vs CLI "${line}"`).toBe(true);
    }
    // the fixture makes both metrics clearly worse: two regressions, shown red
    expect(rows.map((r) => [r.verdict, r.red])).toEqual([['REGRESSION', true], ['REGRESSION', true]]);
    // cases aligned by id, the largest worsening of the chosen field first
    const first = await page.$$eval('md-vtable.cases [role=row][aria-rowindex="2"] [role=cell]', (cs) => cs.map((c) => c.textContent ?? ''));
    expect(first[0]).toMatch(/^case-\d{5}$/);
    expect(first[3]).toMatch(/^-1$/); // accuracy 'correct' 1 → 0: the worst a case can do
    expect(await page.getAttribute('md-vtable.cases [role=row][aria-rowindex="2"] [role=cell]:nth-child(4)', 'class')).toContain('worse');
    await screenshot(page, 'dashboard-compare');
    await expectAccessible(page);
  });

  it('compares three runs: each candidate against the first', async () => {
    await page.goto(`${stack.url}/dashboard/#/compare?dirs=${dirs.map(encodeURIComponent).join(',')}`);
    await page.waitForSelector('table.compare tbody tr');
    const head = await page.$$eval('table.compare thead th', (ths) => ths.map((t) => t.textContent?.trim()));
    expect(head.filter((h) => h === 'Verdict')).toHaveLength(2);
    expect(head).toContain('20260103T000000-3333333');
    const cells = await page.$$eval('table.compare tr[data-metric="accuracy"] .verdict', (tds) => tds.map((t) => t.textContent));
    expect(cells).toHaveLength(2);
    await page.waitForSelector('md-vtable.cases [role=row][aria-rowindex="2"]');
    // the 10k-row run has cases the baseline lacks: the union, aligned by id
    expect(await page.textContent('md-compare .count')).toMatch(/^10000 cases/);
  });

  it('shows a metric over the runs of a suite with the baseline marked', async () => {
    await page.goto(`${stack.url}/dashboard/#/trends?suite=memory&metric=accuracy`);
    await page.waitForSelector('md-trends md-chart canvas');
    const cells = await page.$$eval('table.trend tbody tr', (trs) => trs.map((tr) => tr.textContent?.replace(/\s+/g, ' ').trim()));
    expect(cells).toHaveLength(3);
    expect(cells[0]).toMatch(/^20260101T000000-1111111 baseline 1111111/);
    await screenshot(page, 'dashboard-trends');
    await expectAccessible(page);
  });

  it(`opens a ${BIG}-row report and scrolls it (timed)`, async () => {
    const dir = dirs[2]!;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // from the run list: click, fetch + parse + render until the first case row shows
    await page.goto(`${stack.url}/dashboard/#/`);
    await page.waitForSelector('md-runs a.run-link');
    const click = await timeUntil(page, `document.querySelector('a.run-link[href*="${dir.split('/')[1]}"]').click()`);
    expect(await page.textContent('.count')).toBe(`${BIG} of ${BIG} cases`);
    // a cold page load straight to the run: navigation start → first case row
    await page.goto('about:blank');
    await page.goto(`${stack.url}/dashboard/#/run?dir=${encodeURIComponent(dir)}`, { waitUntil: 'commit' });
    await page.waitForSelector(ROW);
    const loadMs = (await page.evaluate('performance.now()')) as number;
    // scrolling renders only the rows in view
    const rendered = await page.$$eval('md-vtable.rows [role=row][aria-rowindex]', (rs) => rs.length);
    expect(rendered).toBeLessThan(200);
    await page.$eval('md-vtable.rows .vbody', (el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForSelector(`md-vtable.rows [role=row][aria-rowindex="${BIG + 1}"]`);
    await screenshot(page, 'dashboard-run-10k', { fullPage: false });
    const loadavg = os.loadavg()[0];
    mkdirSync(ARTIFACTS, { recursive: true });
    const figures = { rows: BIG, clickToRowsMs: Math.round(click.rows), clickToChartsMs: Math.round(click.charts), navigationToRowsMs: Math.round(loadMs), loadavg1m: loadavg };
    writeFileSync(path.join(ARTIFACTS, 'dashboard-timing.json'), `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`dashboard ${BIG}-row report: ${JSON.stringify(figures)}`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('refuses a run outside the reports directory with a message', async () => {
    await page.goto(`${stack.url}/dashboard/#/run?dir=${encodeURIComponent('../../etc')}`);
    await page.waitForSelector('[role=alert]');
    expect(await page.textContent('[role=alert]')).toMatch(/invalid_report_path/);
  });
});

describe('the static export (memocha-eval html)', () => {
  let browser: Browser;
  let root: string;
  let out: string;

  beforeAll(async () => {
    let dirs: string[];
    ({ root, dirs } = await writeFixtureRoot([
      { startedAt: '2026-02-01T00:00:00.000Z', gitSha: '4444444ddddddddd', cases: 50, latencyMs: 80, accuracy: 0.9, seed: 4 },
      { startedAt: '2026-02-02T00:00:00.000Z', gitSha: '5555555eeeeeeeee', cases: 50, latencyMs: 60, accuracy: 0.9, seed: 5 },
    ]));
    out = await mkdtemp(path.join(os.tmpdir(), 'memocha-html-'));
    await writeHtmlExport(dirs.map((d) => path.join(root, d)), out);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await rm(root, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  });

  it('opens from file:// with no network: lists, opens and compares the runs', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    await page.route(/^(?!file:)/, (route) => (requests.push(route.request().url()), route.abort()));
    const url = pathToFileURL(path.join(out, 'index.html')).href;
    await page.goto(url);
    await page.waitForSelector('md-runs a.run-link');
    expect(await page.$$eval('md-runs a.run-link', (as) => as.map((a) => a.textContent))).toEqual(['20260202T000000-5555555', '20260201T000000-4444444']);
    await page.click('a.run-link:text("20260202T000000-5555555")');
    await page.waitForSelector(ROW);
    expect(await page.textContent('.count')).toBe('50 of 50 cases');
    await page.goto(`${url}#/compare?dirs=${encodeURIComponent('memory/20260201T000000-4444444')},${encodeURIComponent('memory/20260202T000000-5555555')}`);
    await page.waitForSelector('table.compare tbody tr');
    const latency = await page.textContent('table.compare tr[data-metric="latency_mean_ms"] .verdict');
    expect(latency).toBe('better');
    await screenshot(page, 'dashboard-static-export');
    expect(requests).toEqual([]);
  });
});

describe('the dashboard with AUTH=required', () => {
  let browser: Browser;
  let stack: Stack;
  let root: string;

  beforeAll(async () => {
    ensureUiBuilt();
    ({ root } = await writeFixtureRoot([{ startedAt: '2026-03-01T00:00:00.000Z', gitSha: '6666666fffffffff', cases: 10, latencyMs: 50, accuracy: 0.9 }]));
    stack = await startStack({ env: { REPORTS_DIR: root, AUTH: 'required' } });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('asks for the API key on a 401 and lists the runs with it (the key the chat keeps too)', async () => {
    const { key } = await stack.runtime.deps.repos.apiKeys.create('dash');
    const page = await browser.newPage();
    await page.goto(`${stack.url}/dashboard/`);
    await page.waitForSelector('[role=alert] form');
    expect(await page.textContent('[role=alert]')).toMatch(/unauthorized|api key/i);
    expect(await page.$$('md-runs a.run-link')).toHaveLength(0);
    await page.fill('[role=alert] input[name=key]', key);
    await page.click('[role=alert] button[type=submit]');
    await page.waitForSelector('md-runs a.run-link');
    expect(await page.evaluate(`localStorage.getItem('memocha.apiKey')`)).toBe(key);
    await page.click('md-runs a.run-link');
    await page.waitForSelector(ROW);
  });
});
