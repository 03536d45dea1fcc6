import { describe, expect, it } from 'vitest';
import { comparisonKey, isTrivial, normaliseText } from './normalise';

describe('normaliseText', () => {
  it.each([
    ['  hello \n\n\t world  ', 'hello world'],
    ['Hello **world**, _you_ and *me*; snake_case_name stays', 'Hello world, you and me; snake_case_name stays'],
    ['***bold italic*** and ~~struck~~', 'bold italic and struck'],
    ['2 * 3 * 4 = 24', '2 * 3 * 4 = 24'],
    ['see [the docs](http://x.y/z) and ![a cat](cat.png)', 'see the docs and a cat'],
    ['[ref link][1]\n[1]: http://x.y', 'ref link'],
    ['<https://memocha.dev/a>', 'https://memocha.dev/a'],
    ['# Title\n> quoted\n- item *one*\n* item two\n---\n1. first', 'Title quoted item one item two 1. first'],
    ['<p>One</p><p>Two &amp; <b>three</b></p>', 'One Two & three'],
    ['line<br/>break and <span class="x">inline</span>', 'line break and inline'],
    ['<script>alert(1)</script>kept <!-- hidden -->', 'kept'],
    ['x<y and y>z stays', 'x<y and y>z stays'],
    ['&lt;b&gt; is a tag, &#65;&#x42;', '<b> is a tag, AB'],
    ['zero\u200Bwidth', 'zerowidth'],
    ['e\u0301', '\u00e9'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(normaliseText(input)).toBe(expected);
  });

  it('keeps code verbatim: fences lose their markers and language, inline code its backticks', () => {
    expect(normaliseText('Run:\n```ts\nconst a = 2*b*c; // **not bold**\n```\nthen `x_y_z` and ``a`b``')).toBe(
      'Run: const a = 2*b*c; // **not bold** then x_y_z and a`b',
    );
    expect(normaliseText('```\nunclosed *fence*')).toBe('unclosed *fence*');
    expect(normaliseText('use ```npm test``` here')).toBe('use npm test here');
  });
});

describe('normaliseText on adversarial markup', () => {
  it('stays near-linear (a quadratic pattern would take minutes on these 100k-character inputs)', () => {
    const units = ['**a ', '[a ', '[a](x ', '<script ', '<script>', '<!--', '` ``', '~~a ', '_a ', '```\n', '<b '];
    const started = Date.now();
    for (const u of units) normaliseText(u.repeat(Math.ceil(100_000 / u.length)));
    const ticks = Array.from({ length: 400 }, (_, i) => `${'`'.repeat(i + 1)} x `).join('');
    expect(normaliseText(ticks)).toContain('x');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('leaves unclosed comments and scripts as text', () => {
    expect(normaliseText('a <!-- b')).toBe('a <!-- b');
    expect(normaliseText('<STYLE>p{}</style >x<script src="a"></SCRIPT>y')).toBe('x y');
  });
});

describe('comparisonKey', () => {
  it('lower-cases and drops punctuation, symbols and emoji', () => {
    expect(comparisonKey('  Hello, **World**!! 👋 ')).toBe('hello world');
    expect(comparisonKey('ＡＢＣ')).toBe('abc');
  });
});

describe('isTrivial', () => {
  it.each([
    '', '   ', 'ok', 'OK.', 'Okay!', 'k', 'kk', 'thanks', 'Thank you!', 'thank you so much :)', 'ok thanks',
    'Great, thanks!', 'lol', 'LOOOL', 'hahaha', 'jajaja', 'xD', '👍', '👍🏽', '🙏🙏', '🇫🇷', '!!!', '<3', ':-)',
    'got it', 'hi', 'Merci beaucoup !', "d'accord", 'Danke schön', 'gracias', 'grazie mille', 'obrigada',
    'спасибо', 'ありがとうございます。', '谢谢', '哈哈哈', 'ㅋㅋㅋ', '감사합니다', '*ok*', '<b>thanks</b>',
  ])('%j is trivial', (s) => {
    expect(isTrivial(s)).toBe(true);
  });

  it.each([
    'I have a dog named Rex', 'ok 42', 'ok, my flight is at 9', 'thanks, I moved to Berlin', '42', 'no thanks',
    'thanksgiving', 'okra', 'Hiking', 'What is RAG?',
  ])('%j is not trivial', (s) => {
    expect(isTrivial(s)).toBe(false);
  });

  it('treats polar answers as meaningful unless answersAreTrivial', () => {
    for (const s of ['yes', 'No.', 'sure', 'yep', 'oui', 'nein', 'はい', 'да']) {
      expect(isTrivial(s)).toBe(false);
      expect(isTrivial(s, { answersAreTrivial: true })).toBe(true);
    }
    expect(isTrivial('yes thanks', { answersAreTrivial: true })).toBe(true);
    expect(isTrivial('yes, I am vegetarian', { answersAreTrivial: true })).toBe(false);
  });

  it('gives up on long messages (more than 12 words)', () => {
    expect(isTrivial(Array.from({ length: 13 }, () => 'ok').join(' '))).toBe(false);
  });
});
