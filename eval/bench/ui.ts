/**
 * npm run bench:ui — the web chat's two targets: the gzip size of the JavaScript the chat page loads
 * (≤ 100 KB) and how soon a streamed token is painted: per token, the time from its SSE event reaching
 * the page to the next animation frame after its DOM update (≤ one frame, ~16.7 ms at 60 Hz). Answers
 * stream from the simulator in headless Chromium into a conversation that grows turn by turn, so a
 * re-render of the whole conversation per token would show up as latency growing with its length.
 *
 *   npm run bench:ui -- [--turns 8] [--tokens 300] [--itl-ms 5] [--chunk-tokens 1]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startStack, UI_DIST } from '../../serve/testing';
import { launchChromium } from '../../test/support/browser';
import { pageScripts } from '../../test/support/ui-bundle';

const { values: args } = parseArgs({
  options: {
    turns: { type: 'string', default: '8' },
    tokens: { type: 'string', default: '300' },
    'itl-ms': { type: 'string', default: '5' },
    'chunk-tokens': { type: 'string', default: '1' },
  },
});
const turns = Number(args.turns);
const tokens = Number(args.tokens);

const scripts = pageScripts(UI_DIST);
const gzipKb = scripts.reduce((n, s) => n + s.gzipBytes, 0) / 1024;
console.log(`chat page JavaScript: ${scripts.map((s) => `${s.file} ${(s.gzipBytes / 1024).toFixed(1)} KB`).join(', ')}; total ${gzipKb.toFixed(1)} KB gzip (target ≤ 100 KB)`);

const stack = await startStack({ sim: { mode: 'lorem', outputTokens: tokens, itl: { kind: 'fixed', ms: Number(args['itl-ms']) }, chunkTokens: Number(args['chunk-tokens']) } });
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  await page.goto(`${stack.url}/`);
  const rows: string[] = [];
  const all: number[] = [];
  for (let turn = 1; turn <= turns; turn++) {
    const before = (await page.evaluate('window.memochaPerf.tokenPaintMs.length')) as number;
    const rendersBefore = (await page.evaluate('window.memochaPerf.conversationRenders')) as number;
    await page.getByLabel('Message', { exact: true }).fill(`Turn ${turn}: tell me more`);
    await page.keyboard.press('Enter');
    await page.locator('mc-message article.msg.assistant').nth(turn - 1).locator('.stats').waitFor({ timeout: 120_000 });
    const samples = ((await page.evaluate('window.memochaPerf.tokenPaintMs')) as number[]).slice(before);
    const renders = ((await page.evaluate('window.memochaPerf.conversationRenders')) as number) - rendersBefore;
    all.push(...samples);
    const s = stats(samples);
    rows.push(`turn ${String(turn).padStart(2)}  tokens ${String(samples.length).padStart(4)}  p50 ${s.p50.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  max ${s.max.toFixed(1)} ms  conversation renders ${renders}`);
  }
  console.log(rows.join('\n'));
  const s = stats(all);
  const within = all.filter((ms) => ms <= 1000 / 60).length / all.length;
  console.log(`all: ${all.length} tokens  p50 ${s.p50.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  max ${s.max.toFixed(1)} ms  ${(within * 100).toFixed(1)}% within 16.7 ms`);
  console.log(`load average (1 min) at the end: ${(await readFile('/proc/loadavg', 'utf8')).split(' ')[0]}`);
} finally {
  await browser.close();
  await stack.close();
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99), max: s.at(-1) ?? NaN };
}
