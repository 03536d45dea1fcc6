import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, UI_DIST, type Stack } from '../../serve/testing';
import { launchChromium, runAxe, screenshot, SCREENSHOT_DIR, seriousViolations } from '../support/browser';
import { startCutProxy } from '../support/cut-proxy';

// The answer the simulator streams: Markdown with a code block, long enough to stop half-way.
const ANSWER = [
  'Here is **the plan**, step by step:',
  '',
  '1. Read the config',
  '2. Start the server',
  '',
  '```ts',
  'const port: number = 3000;',
  'function start() { return listen(port); }',
  '```',
  '',
  ...Array.from({ length: 12 }, (_, i) => `Sentence ${i + 1} explains one more detail of the plan, with a few more words in it.`),
].join('\n');

function buildUiIfMissing() {
  // npm ci builds ui/dist (prepare); a tree without it is built here once.
  if (!existsSync(join(UI_DIST, 'index.html'))) execFileSync('npm', ['run', 'build:ui'], { stdio: 'ignore' });
}

async function expectAccessible(page: Page, view: string) {
  const serious = seriousViolations(await runAxe(page));
  expect(serious, `axe on ${view}`).toEqual([]);
}

const answers = (page: Page) => page.locator('mc-message article.msg.assistant');

describe('web chat in Chromium', () => {
  let t: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    buildUiIfMissing();
    // A busy shared machine can make retrieval miss the default 3 s memory timeout (the answer then has no memories).
    t = await startStack({ env: { MEMORY_TIMEOUT_MS: '30000' }, sim: { mode: 'scripted', script: [{ pattern: '[\\s\\S]', reply: ANSWER }], itl: { kind: 'fixed', ms: 8 }, outputTokens: 400 } });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('sends a message and streams the answer token by token, then renders its Markdown with highlighted code', async () => {
    await page.goto(`${t.url}/`);
    await page.getByLabel('Message', { exact: true }).fill('My dog is called Biscuit. How do I start the server?');
    // Record how the answer's text grows: streamed means many distinct lengths before the end.
    await page.evaluate(`window.__lengths = []; new MutationObserver(() => {
      const el = document.querySelector('mc-message article.msg.assistant .body');
      if (el) window.__lengths.push(el.textContent.length);
    }).observe(document.querySelector('mc-chat'), { subtree: true, characterData: true, childList: true })`);
    await page.keyboard.press('Enter');
    await expect.poll(() => answers(page).first().locator('.md').count(), { timeout: 30_000 }).toBe(1);
    const lengths = (await page.evaluate('window.__lengths')) as number[];
    expect(new Set(lengths).size).toBeGreaterThan(10);
    const answer = answers(page).first();
    await expect.poll(() => answer.locator('strong').textContent(), { timeout: 15_000 }).toBe('the plan');
    expect(await answer.locator('pre code.hljs .hljs-keyword').count()).toBeGreaterThan(0);
    expect(await answer.locator('.stats').textContent()).toMatch(/TTFT \d+.*tokens/);
    // The session got a title from the message and the URL names it.
    expect(page.url()).toMatch(/\/s\/[0-9a-f-]{36}$/);
    expect(await page.locator('mc-sessions .sessions li').first().textContent()).toContain('My dog is called Biscuit');
    // Completed answers are announced once, through the polite live region.
    expect(await page.locator('[role=status][aria-live=polite]').first().textContent()).toContain('Answer complete');
    await screenshot(page, 'chat-answer');
    await expectAccessible(page, 'chat with an answer');
  });

  it('keeps the conversation list from re-rendering per token and paints each token within about a frame (measured)', async () => {
    const perf = (await page.evaluate('window.memochaPerf')) as { tokenPaintMs: number[]; conversationRenders: number; tokens: number };
    expect(perf.tokens).toBeGreaterThan(50);
    // A handful of renders per answer (new bubbles, meta, done), not one per token.
    expect(perf.conversationRenders).toBeLessThan(15);
    const sorted = [...perf.tokenPaintMs].sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    writeFileSync(join(SCREENSHOT_DIR, '..', 'ui-token-paint.json'), JSON.stringify({ samples: sorted.length, p50: q(0.5), p99: q(0.99), max: sorted.at(-1), renders: perf.conversationRenders }, null, 2));
    expect(sorted.length).toBe(perf.tokens);
  });

  it('Esc stops mid-answer and keeps the partial text; the server keeps it as partial', async () => {
    t.sim.configure({ itl: { kind: 'fixed', ms: 40 } });
    try {
      await page.getByLabel('Message', { exact: true }).fill('Tell me again');
      await page.keyboard.press('Enter');
      const answer = answers(page).nth(1);
      await expect.poll(async () => ((await answer.locator('.body').textContent()) ?? '').length, { timeout: 20_000 }).toBeGreaterThan(80);
      await page.keyboard.press('Escape');
      await expect.poll(() => answer.locator('.status').textContent(), { timeout: 15_000 }).toBe('Stopped');
      // Rendered as Markdown once stopped (the ** are gone), so a little shorter than the raw text was.
      const kept = (await answer.locator('.body').textContent()) ?? '';
      expect(kept).toContain('Here is the plan');
      expect(kept.length).toBeGreaterThan(60);
      expect(kept.length).toBeLessThan(ANSWER.length);
      await expect.poll(() => page.getByRole('button', { name: 'Send' }).count(), { timeout: 15_000 }).toBe(1);
      await screenshot(page, 'chat-stopped');
      // Reloading shows what the server stored: the partial answer, marked stopped.
      await page.reload();
      await expect.poll(() => answers(page).count(), { timeout: 10_000 }).toBe(2);
      expect(await answers(page).nth(1).locator('.status').textContent()).toBe('Stopped');
      expect(((await answers(page).nth(1).textContent()) ?? '').length).toBeGreaterThan(20);
    } finally {
      t.sim.configure({ itl: { kind: 'fixed', ms: 8 } });
    }
  });

  it('Regenerate asks the last question again and streams a new answer', async () => {
    const before = await answers(page).count();
    await answers(page).nth(before - 1).getByRole('button', { name: 'Regenerate' }).click();
    await expect.poll(() => answers(page).nth(before).locator('.md').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.locator('mc-message article.msg.user').nth(before).textContent()).toContain('Tell me again');
    // Only the newest answer offers it.
    expect(await page.getByRole('button', { name: 'Regenerate' }).count()).toBe(1);
  });

  it("a failed answer shows the error's message and code; Retry asks again", async () => {
    t.sim.configure({ faults: { errorRate: 1, errorStatus: 500 } });
    try {
      await page.getByLabel('Message', { exact: true }).fill('This one fails');
      await page.keyboard.press('Enter');
      const failed = answers(page).nth(3);
      await expect.poll(() => failed.locator('.status.error').count(), { timeout: 30_000 }).toBe(1);
      expect(await failed.locator('.status.error').textContent()).toMatch(/Error: .+ llm_error/);
      await screenshot(page, 'chat-error');
      await expectAccessible(page, 'failed answer');
    } finally {
      t.sim.configure({ faults: {} });
    }
    await answers(page).nth(3).getByRole('button', { name: 'Retry' }).click();
    // The failed pair leaves the view and the question is asked again.
    await expect.poll(() => answers(page).nth(3).locator('.md').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.locator('mc-message article.msg.user').nth(3).textContent()).toContain('This one fails');
    expect(await answers(page).count()).toBe(4);
  });

  it('reconnects after the network drops mid-answer and shows what the server kept', async () => {
    const proxy = await startCutProxy(t.url);
    const own = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    t.sim.configure({ itl: { kind: 'fixed', ms: 40 } });
    try {
      const p = await own.newPage();
      await p.goto(`${proxy.url}/`);
      await p.getByLabel('Message', { exact: true }).fill('Stream while the network drops');
      await p.keyboard.press('Enter');
      const answer = answers(p).first();
      await expect.poll(async () => ((await answer.locator('.body').textContent()) ?? '').length, { timeout: 20_000 }).toBeGreaterThan(40);
      proxy.cut();
      await expect.poll(() => p.locator('.notice').count(), { timeout: 20_000 }).toBe(1);
      expect(await p.locator('.notice').textContent()).toContain('Reconnecting');
      expect(await answer.locator('.status').textContent()).toContain('reconnecting');
      await screenshot(p, 'chat-reconnecting');
      proxy.restore();
      await expect.poll(() => p.locator('.notice').textContent(), { timeout: 30_000 }).toContain('Reconnected');
      // The server stored the answer as partial when the connection went: that is what is shown.
      const kept = answers(p).first();
      expect(await kept.locator('.status').textContent()).toBe('Stopped');
      expect(((await kept.locator('.body').textContent()) ?? '').length).toBeGreaterThan(30);
    } finally {
      t.sim.configure({ itl: { kind: 'fixed', ms: 8 } });
      await own.close();
      await proxy.close();
    }
  });

  it('shows a memory from an earlier session in the memory panel; deleting it removes it for good', async () => {
    // An earlier session told through the API: the manager's list shows its memory without any search.
    const tea = (await (await fetch(`${t.url}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":"Tea chat"}' })).json()) as { id: string };
    await fetch(`${t.url}/v1/sessions/${tea.id}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"content":"My favourite tea is a smoky oolong."}' });
    await t.runtime.memoryService!.idle();
    await page.keyboard.press('Alt+N');
    await page.getByLabel('Message', { exact: true }).fill("What is my dog's name?");
    await page.keyboard.press('Enter');
    const answer = answers(page).first();
    await expect.poll(() => answer.locator('.md').count(), { timeout: 30_000 }).toBe(1);
    await answer.getByRole('button', { name: /^Memories/ }).click();
    const used = page.getByRole('list', { name: 'Memories used for this answer' });
    const biscuit = used.locator('li', { hasText: 'Biscuit' }).first();
    await expect
      .poll(() => biscuit.count(), { message: 'the memory panel lists the earlier session\'s memory' })
      .toBe(1)
      .catch(async (err: unknown) => {
        throw new Error(`${String(err)}; the panel shows: ${await page.locator('#memory-panel').textContent()}`);
      });
    // Text, score, the earlier session (by its title) and a date.
    expect(await biscuit.locator('.meta').textContent()).toMatch(/score \d\.\d\d · My dog is called Biscuit.* · \w+/);
    await screenshot(page, 'memory-panel');
    await expectAccessible(page, 'memory panel');

    const listed = page.getByRole('list', { name: 'All memories' }).locator('li', { hasText: 'oolong' });
    await expect.poll(() => listed.count(), { timeout: 15_000, message: 'the list shows the earlier session\'s memory' }).toBeGreaterThan(0);
    expect(await listed.first().locator('.meta').textContent()).toMatch(/^Tea chat · \w+/);
    await screenshot(page, 'memory-list');
    const listOolong = async () => {
      const r = (await (await fetch(`${t.url}/v1/memories?limit=200`)).json()) as { items: { id: string; text: string }[] };
      return r.items.filter((m) => m.text.includes('oolong'));
    };
    expect((await listOolong()).length).toBe(await listed.count());
    for (let n = await listed.count(); n > 0; n = await listed.count()) {
      await listed.first().getByRole('button', { name: /^Delete memory/ }).click();
      await expect.poll(() => listed.count(), { timeout: 15_000 }).toBe(n - 1);
    }
    expect(await listOolong()).toEqual([]);

    await page.getByLabel('Search memories').fill('dog Biscuit');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const found = page.getByRole('list', { name: 'Memories found' }).locator('li', { hasText: 'Biscuit' });
    await expect.poll(() => found.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    for (let n = await found.count(); n > 0; n = await found.count()) {
      await found.first().getByRole('button', { name: /^Delete memory/ }).click();
      await expect.poll(() => found.count(), { timeout: 15_000 }).toBe(n - 1);
    }
    expect(await used.locator('li', { hasText: 'Biscuit' }).count()).toBe(0);
    await screenshot(page, 'memory-deleted');
    const search = (await (await fetch(`${t.url}/v1/memories?q=${encodeURIComponent('dog Biscuit')}&k=50`)).json()) as { items: { text: string }[] };
    expect(search.items.map((m) => m.text).join(' ')).not.toContain('Biscuit');

    // Forget all: the server holds no memory of this user afterwards.
    expect(await t.runtime.memoryService!.count('default')).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Forget all memories' }).click();
    await expect.poll(() => page.locator('.mem-message').textContent(), { timeout: 15_000 }).toMatch(/^Forgot \d+ memories$/);
    expect(await t.runtime.memoryService!.count('default')).toBe(0);
    // The manager's list is emptied too.
    expect(await page.locator('mc-memories li').count()).toBe(0);
    expect(await page.getByRole('list', { name: 'All memories' }).count()).toBe(0);
    expect(await page.locator('mc-memories section').last().locator('.empty').textContent()).toBe('None.');
  });

  it('an answer with HTML or script in it is sanitised: nothing runs, no javascript: link', async () => {
    const evil = [
      'Look: <img src="x" onerror="window.__xss = 1"> and <script>window.__xss = 2</script>',
      '<a href="javascript:window.__xss = 3">a link</a> [another](javascript:window.__xss=4)',
      '<iframe src="/"></iframe><form action="/"><button>go</button></form>',
    ].join('\n\n');
    t.sim.configure({ script: [{ pattern: '[\\s\\S]', reply: evil }] });
    try {
      await page.keyboard.press('Alt+N');
      await page.getByLabel('Message', { exact: true }).fill('Show me something odd');
      await page.keyboard.press('Enter');
      const answer = answers(page).first();
      await expect.poll(() => answer.locator('.md').count(), { timeout: 30_000 }).toBe(1);
      await page.waitForTimeout(200); // an onerror would have fired by now
      expect(await page.evaluate('window.__xss')).toBeUndefined();
      const md = answer.locator('.md');
      expect(await md.locator('script, iframe, form, button, [onerror]').count()).toBe(0);
      const hrefs = await md.locator('a').evaluateAll((links) => links.map((l) => l.getAttribute('href')));
      expect(hrefs.filter((h) => h && /^javascript:/i.test(h))).toEqual([]);
      expect(await md.textContent()).toContain('a link');
    } finally {
      t.sim.configure({ script: [{ pattern: '[\\s\\S]', reply: ANSWER }] });
    }
  });

  it('sessions: rename, search by title, delete', async () => {
    const first = page.locator('mc-sessions .sessions li').first();
    await first.getByRole('button', { name: /^Rename/ }).click();
    await page.locator('mc-sessions form.rename input').fill('Dog questions');
    await page.keyboard.press('Enter');
    await expect.poll(() => first.locator('.title').textContent(), { timeout: 15_000 }).toBe('Dog questions');
    await page.getByLabel('Search chats by title').fill('dog q');
    await expect.poll(() => page.locator('mc-sessions .sessions li').count(), { timeout: 15_000 }).toBe(1);
    await page.getByLabel('Search chats by title').fill('');
    const all = await t.runtime.deps.repos.sessions.list({ userId: 'default', limit: 50 });
    await expect.poll(() => page.locator('mc-sessions .sessions li').count(), { timeout: 15_000 }).toBe(all.items.length);
    await page.locator('mc-sessions .sessions li', { hasText: 'Dog questions' }).getByRole('button', { name: /^Delete/ }).click();
    await expect.poll(() => page.locator('mc-sessions .sessions li').count(), { timeout: 15_000 }).toBe(all.items.length - 1);
    expect(await page.locator('mc-sessions .sessions li', { hasText: 'Dog questions' }).count()).toBe(0);
  });

  it('keyboard shortcut list; usable at 320 px and in dark mode without serious axe violations', async () => {
    await page.keyboard.press('Control+/');
    expect(await page.locator('dialog#shortcuts').isVisible()).toBe(true);
    await screenshot(page, 'shortcuts');
    await expectAccessible(page, 'shortcuts');
    await page.keyboard.press('Escape');

    const narrow = await browser.newContext({ viewport: { width: 320, height: 640 }, colorScheme: 'dark' });
    const p = await narrow.newPage();
    try {
      await p.goto(`${t.url}/`);
      await p.getByLabel('Message', { exact: true }).fill('Short question');
      await p.getByRole('button', { name: 'Send' }).click();
      await expect.poll(() => answers(p).first().locator('.md').count(), { timeout: 30_000 }).toBe(1);
      // Nothing wider than the screen.
      expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320);
      expect(await p.evaluate("getComputedStyle(document.body).backgroundColor")).toBe('rgb(13, 17, 23)');
      await screenshot(p, 'chat-320px-dark');
      await expectAccessible(p, '320 px dark');
      await p.getByRole('button', { name: 'Chats' }).click();
      expect(await p.locator('#sidebar').isVisible()).toBe(true);
      await screenshot(p, 'sessions-320px-dark');
      await expectAccessible(p, 'chat list at 320 px');
    } finally {
      await narrow.close();
    }
  });
});

describe('web chat sign-in (AUTH required)', () => {
  let t: Stack;
  let browser: Browser;
  let key = '';

  beforeAll(async () => {
    buildUiIfMissing();
    t = await startStack({ env: { AUTH: 'required' } });
    key = (await t.runtime.deps.repos.apiKeys.create('kim')).key;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('asks for a key, refuses a wrong one, signs in with a right one (kept in storage, sent as Bearer)', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.url}/`);
    const keyField = page.getByLabel('API key');
    await expect.poll(() => keyField.count(), { timeout: 15_000 }).toBe(1);
    await screenshot(page, 'signin');
    await expectAccessible(page, 'sign-in');
    await keyField.fill('mk_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 15_000 }).toContain('refused');

    const sent: (string | undefined)[] = [];
    page.on('request', (r) => r.url().includes('/v1/') && sent.push(r.headers().authorization));
    await keyField.fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Message', { exact: true }).fill('Hello there');
    await page.keyboard.press('Enter');
    await expect.poll(() => answers(page).first().locator('.md').count(), { timeout: 30_000 }).toBe(1);
    expect(sent.length).toBeGreaterThan(0);
    expect(new Set(sent)).toEqual(new Set([`Bearer ${key}`]));
    expect(await page.evaluate("localStorage.getItem('memocha.apiKey')")).toBe(key);
    const sessions = await t.runtime.deps.repos.sessions.list({ userId: 'kim', limit: 10 });
    expect(sessions.items).toHaveLength(1);

    await page.reload();
    await expect.poll(() => page.getByLabel('Message', { exact: true }).count(), { timeout: 15_000 }).toBe(1);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByLabel('API key').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.evaluate("localStorage.getItem('memocha.apiKey')")).toBeNull();
  });
});
