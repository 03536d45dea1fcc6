/**
 * Text normalisation for long-term memory: markup → plain text, and detection of content-free
 * messages ("ok", "thanks!", "👍") that are not worth embedding. Pure functions, no I/O.
 */

/** HTML tags that are stripped (an explicit list, so `x<y and y>z` in maths or code survives). */
const INLINE_TAGS = 'a|abbr|b|cite|code|del|em|font|i|img|ins|kbd|label|mark|q|s|small|span|strike|strong|sub|sup|tt|u|var';
const BLOCK_TAGS =
  'blockquote|body|br|caption|center|dd|details|div|dl|dt|figcaption|figure|footer|h[1-6]|head|header|hr|html|li|main|nav|ol|p|pre|section|summary|table|tbody|td|tfoot|th|thead|title|tr|ul';
const TAG_RE = new RegExp(`<\\/?(${INLINE_TAGS}|${BLOCK_TAGS})(?:\\s[^<>]*)?\\/?>`, 'gi');
const BLOCK_TAG_RE = new RegExp(`^(?:${BLOCK_TAGS})$`, 'i');
const SCRIPT_STYLE_OPEN_RE = /<(script|style)\b[^<>]*>/gi;
const COMMENT_OPEN_RE = /<!--/g;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
/** A fenced block at the start of a line, up to its closing fence or the end of the text. */
const FENCE_RE = /^[ \t]*(`{3,}|~{3,})[^\n`]*(?:\n|(?![\s\S]))([\s\S]*?)(?:^[ \t]*\1[ \t]*$|(?![\s\S]))/gm;
const PLACEHOLDER_RE = /\uE000(\d+)\uE001/g;

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]+);/gi, (whole, body: string) => {
    const lower = body.toLowerCase();
    if (lower.startsWith('#')) {
      const code = lower.startsWith('#x') ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[lower] ?? whole;
  });
}

/**
 * Removes each opener…closer span (closer matched case-insensitively, up to its '>'), in one pass:
 * it stops at the first opener that has no closer after it, so the cost stays linear.
 */
function removeSpans(s: string, open: RegExp, closer: (m: RegExpExecArray) => string): string {
  let out = '';
  let pos = 0;
  open.lastIndex = 0;
  for (let m = open.exec(s); m !== null; m = open.exec(s)) {
    const close = new RegExp(closer(m).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
    close.lastIndex = open.lastIndex;
    const found = close.exec(s);
    if (found === null) break;
    const gt = s.indexOf('>', found.index + found[0].length - 1);
    out += `${s.slice(pos, m.index)} `;
    pos = gt < 0 ? s.length : gt + 1;
    open.lastIndex = pos;
  }
  return out + s.slice(pos);
}

function stripHtml(s: string): string {
  const noScripts = removeSpans(s, SCRIPT_STYLE_OPEN_RE, (m) => `</${m[1] ?? ''}`);
  return removeSpans(noScripts, COMMENT_OPEN_RE, () => '-->')
    .replace(/<((?:https?|mailto):[^<>\s]+)>/gi, '$1') // autolinks
    .replace(TAG_RE, (_tag, name: string) => (BLOCK_TAG_RE.test(name) ? ' ' : ''));
}

/** Spans are bounded (≤ 400 characters, one line, no nested delimiter) so no pattern goes quadratic on adversarial input. */
function stripMarkdown(s: string): string {
  return s
    .replace(/!\[([^[\]\n]{0,400})\]\([^()\n]{0,400}\)/g, '$1') // images → alt text
    .replace(/\[([^[\]\n]{1,400})\]\([^()\n]{0,400}\)/g, '$1') // [text](url)
    .replace(/\[([^[\]\n]{1,400})\]\[[^[\]\n]{0,400}\]/g, '$1') // [text][ref]
    .replace(/^[ \t]*\[[^[\]\n]{1,400}\]:[ \t]+\S.*$/gm, '') // [ref]: url
    .replace(/^[ \t]{0,3}#{1,6}[ \t]+/gm, '') // headings
    .replace(/^[ \t]*(?:>[ \t]?)+/gm, '') // block quotes
    .replace(/^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$/gm, '') // horizontal rules
    .replace(/^[ \t]*[-*+][ \t]+/gm, '') // bullets
    .replace(/(\*\*|__|~~)(?=\S)((?:(?!\1)[^\n]){0,400}?\S)\1/g, '$2') // bold, strikethrough
    .replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?!\w)/g, '$1$2') // *italic*
    .replace(/(^|[^\p{L}\p{N}_])_(?=\S)([^_\n]*?\S)_(?![\p{L}\p{N}_])/gu, '$1$2'); // _italic_
}

/**
 * Plain text for embedding and comparison: code fences and inline code keep their content
 * (verbatim, not otherwise processed), HTML tags / comments / script+style are removed, entities decoded,
 * markdown emphasis, links, images, headings, quotes and bullets reduced to their text,
 * zero-width characters removed, whitespace collapsed to single spaces, trimmed, Unicode NFC.
 */
export function normaliseText(s: string): string {
  const code: string[] = [];
  const protect = (text: string): string => `\uE000${code.push(text) - 1}\uE001`;
  let out = s
    .replace(/[\uE000\uE001]/g, '')
    .replace(FENCE_RE, (_m, _fence, body: string) => ` ${protect(body)} `)
    .replace(/(?<!`)(`+)(?!`)([\s\S]{0,400}?[^`])\1(?!`)/g, (_m, _ticks, body: string) => protect(body));
  out = decodeEntities(stripMarkdown(stripHtml(out)));
  out = out.replace(PLACEHOLDER_RE, (_m, i: string) => code[Number(i)] ?? '');
  return out
    .replace(/[\u200B-\u200D\u2060\uFEFF]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .normalize('NFC');
}

/** A key for equality/containment checks: normalised, NFKC, lower-case, punctuation and symbols removed. */
export function comparisonKey(s: string): string {
  return normaliseText(s)
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}\p{Cf}\uFE0E\uFE0F\u20E3]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Content-free acknowledgements, thanks, greetings, fillers (en, fr, de, es, it, pt, nl, ru, ja, zh, ko).
 * Combinations are trivial too: "ok thanks!", "merci beaucoup 😊", "great, thank you so much".
 */
export const ACKNOWLEDGEMENTS: readonly string[] = [
  // en
  'ok', 'okay', 'okey', 'okie', 'k', 'kk', 'alright', 'all right', 'thanks', 'thank you', 'thx', 'thnx', 'ty',
  'tysm', 'tyvm', 'thanks a lot', 'thanks so much', 'thank you so much', 'thank you very much', 'many thanks',
  'thanks again', 'cheers', 'cool', 'nice', 'great', 'awesome', 'perfect', 'got it', 'gotcha', 'understood',
  'noted', 'i see', 'makes sense', 'fine', 'good', 'very good', 'sounds good', 'np', 'no problem',
  'no worries', "you're welcome", 'welcome', 'hi', 'hello', 'hey', 'hiya', 'yo', 'bye', 'goodbye', 'good bye',
  'see you', 'see ya', 'good night', 'good morning', 'gn', 'wow', 'oh', 'ah', 'hmm', 'hm', 'mhm', 'uh huh', 'oops',
  // fr
  'merci', 'merci beaucoup', "d'accord", 'dac', 'super', 'génial', 'parfait', 'bonjour', 'salut', 'bonsoir',
  'au revoir', 'de rien', 'ça marche', 'entendu', 'compris',
  // de
  'danke', 'danke schön', 'dankeschön', 'vielen dank', 'alles klar', 'gut', 'prima', 'toll', 'hallo', 'tschüss',
  'bitte', 'verstanden',
  // es, it, pt, nl
  'gracias', 'muchas gracias', 'vale', 'de acuerdo', 'genial', 'perfecto', 'hola', 'adiós', 'entendido', 'de nada',
  'grazie', 'grazie mille', 'va bene', 'perfetto', 'ciao', 'capito', 'prego',
  'obrigado', 'obrigada', 'valeu', 'beleza', 'tá bom', 'ta bom', 'entendi', 'olá', 'tchau',
  'dank je', 'dank je wel', 'bedankt', 'oké', 'hoi',
  // ru, ja, zh, ko
  'спасибо', 'ок', 'окей', 'хорошо', 'ладно', 'понятно', 'привет', 'пока',
  'ありがとう', 'ありがとうございます', '了解', '了解です', 'わかった', 'わかりました', 'こんにちは',
  '谢谢', '谢谢你', '好的', '好', '收到', '明白了', '你好',
  '감사합니다', '고마워', '고맙습니다', '알겠습니다', '안녕하세요',
];

/**
 * Polar answers. NOT trivial by default: "yes"/"no"/"sure" answer the question before them and can carry
 * a fact ("Are you vegetarian?" — "no"). Pass `{ answersAreTrivial: true }` where the message stands alone
 * (e.g. extractive digests, where a bare "yes" has lost its question).
 */
export const ANSWERS: readonly string[] = [
  'yes', 'no', 'yeah', 'yea', 'yep', 'yup', 'nope', 'nah', 'sure', 'maybe', 'of course', 'definitely',
  'absolutely', 'correct', 'right', 'exactly', 'oui', 'non', 'ouais', 'si', 'sí', 'ja', 'nein', 'nee',
  'да', 'нет', 'はい', 'いいえ', '是', '是的', '不', '对', '不是', '네', '아니요',
];

/** Laughter and similar, one word at a time: lol, lmao, hahaha, jajaja, hehe, xD, kkkk, ㅋㅋ, www, 哈哈, хаха, mdr. */
const LAUGHTER_RE =
  /^(?:(?:l+o+)+l+|l+m+f*a+o+|rofl|(?:(?:h+a+){2,}|(?:h+e+){2,}|(?:h+i+){2,}|(?:j+a+){2,}|(?:j+e+){2,})h*|x+d+|k{3,}|[ㅋㅎᄏᄒ]{2,}|w{3,}|哈{2,}|(?:х+а+){2,}|m+d+r+)$/u;
/** Emoticons, matched on whitespace-separated tokens before punctuation is removed: :) ;-) :D <3 ^_^ o_O. */
const EMOTICON_RE = /^(?:[:;=8][-'^o]?[)(\][dpo3*|\\/$@]+|<\/?3+|[)(]+[-']?[:;]|\^_*\^|[o0]_[o0]|t_t|;_;)$/i;
const MAX_TRIVIAL_WORDS = 12;
const MAX_PHRASE_WORDS = 4;

const ACK_KEYS = new Set(ACKNOWLEDGEMENTS.map(comparisonKey));
const ANSWER_KEYS = new Set(ANSWERS.map(comparisonKey));

export interface TrivialOptions {
  /** Count polar answers ("yes", "no", "sure", …) as trivial. Default false. */
  answersAreTrivial?: boolean;
}

/** Whether `words[0..]` can be covered entirely by known phrases (dynamic programming, phrases ≤ 4 words). */
function coveredByPhrases(words: readonly string[], isPhrase: (p: string) => boolean): boolean {
  const reachable = new Array<boolean>(words.length + 1).fill(false);
  reachable[0] = true;
  for (let i = 0; i < words.length; i++) {
    if (!reachable[i]) continue;
    for (let j = i + 1; j <= Math.min(words.length, i + MAX_PHRASE_WORDS); j++) {
      if (isPhrase(words.slice(i, j).join(' '))) reachable[j] = true;
    }
  }
  return reachable[words.length] === true;
}

/**
 * True when the message carries nothing worth remembering: empty, only punctuation/emoji/emoticons,
 * or made up only of acknowledgements, thanks, greetings and laughter (see ACKNOWLEDGEMENTS; polar
 * answers only with `answersAreTrivial`). Anything with a number or another word is not trivial.
 */
export function isTrivial(s: string, opts: TrivialOptions = {}): boolean {
  const tokens = normaliseText(s).toLowerCase().split(' ');
  const withoutEmoticons = tokens.filter((t) => !EMOTICON_RE.test(t)).join(' ');
  const key = comparisonKey(withoutEmoticons);
  if (key === '') return true;
  const words = key.split(' ');
  if (words.length > MAX_TRIVIAL_WORDS) return false;
  const isPhrase = (p: string): boolean =>
    ACK_KEYS.has(p) || LAUGHTER_RE.test(p) || (opts.answersAreTrivial === true && ANSWER_KEYS.has(p));
  return coveredByPhrases(words, isPhrase);
}
