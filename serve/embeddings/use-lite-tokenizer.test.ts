import { describe, expect, it } from 'vitest';
import { createUseLiteTokenizer, loadUseLiteVocab, pieceLogProbs, RESERVED_PIECES } from './use-lite-tokenizer';

const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

// Chat turns, punctuation, the pieces vocab.json scores 0 or +30 (':', ':00', ':30', '▁:)'), spacing
// at the edges and in runs, unknown characters, NFKC-changed text (ligature, no-break space, full width).
const TEXTS = [
  'User: I moved to Lisbon last week.\nAssistant: How exciting! How is the new flat?',
  'The meeting is at 10:30, not 10:00 :) see you there :-)',
  'a:b::c ::: :00 :30 x:30y',
  ' leading space',
  'trailing space ',
  '  runs   of    spaces  ',
  ' ',
  'tabs\tand\nnewlines stay inside words',
  '日本語のテキスト and 😀😀 emoji with ☃ snowmen',
  'ﬁnancial ﬂows, no\u00a0break, ＦＵＬＬ width',
  'https://example.com/a/b?c=d&e=f#g — a URL, e-mail me@example.org',
  "Don't stop-believing; it's 3.14159 (roughly) — isn't it?",
  'x'.repeat(300),
  'Supercalifragilisticexpialidocious antidisestablishmentarianism',
];

describe('USE-lite tokenizer (the package code, word by word)', () => {
  it('gives the pieces of the package whole-text encoding', async () => {
    const tok = await createUseLiteTokenizer();
    for (const text of TEXTS) expect(sorted(tok.encode(text)), text).toEqual(sorted(tok.encodeWhole(text)));
  });

  it('gives the same order too where no two segmentations tie', async () => {
    const tok = await createUseLiteTokenizer();
    for (const text of TEXTS.slice(0, 8)) expect(tok.encode(text), text).toEqual(tok.encodeWhole(text));
  });

  it('gives the same pieces from its word cache as on first sight, and nothing for an empty text', async () => {
    const tok = await createUseLiteTokenizer({ cacheWords: 4 });
    const text = TEXTS[0] as string;
    const first = tok.encode(text);
    expect(tok.encode(text)).toEqual(first);
    expect(tok.encode('')).toEqual([]);
    expect(tok.encode('hello')).toEqual(tok.encodeWhole('hello'));
  });

  it('loads the 8,000-piece vocabulary with a stable hash and fills in bad log-probs from the previous piece', () => {
    const v = loadUseLiteVocab();
    expect(v.pieces).toHaveLength(8000);
    expect(v.hash).toMatch(/^[0-9a-f]{64}$/);
    for (let i = 0; i < v.logProbs.length; i++) {
      const lp = v.logProbs[i] as number;
      if (i < RESERVED_PIECES) expect(lp).toBe(0);
      else expect(lp, v.pieces[i]).toBeLessThan(0);
    }
    const colon = v.pieces.indexOf(':');
    expect(v.raw[colon]?.[1]).toBeNull();
    expect(v.logProbs[colon]).toBe(v.logProbs[colon - 1]);
    expect(Array.from(pieceLogProbs([['<unk>', 0], ['a', 0], ['b', 0], ['c', 0], ['d', 0], ['e', 0], ['f', -2], [':', null], [':30', 30], ['g', -3]]).slice(6))).toEqual([-2, -2, -2, -3]);
  });
});
