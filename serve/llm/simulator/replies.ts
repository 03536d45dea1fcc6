/** Reply generation for each ReplyMode. Deterministic: randomness only comes from the given Rng. */
import { truncateTokens } from '../tokens';
import type { Rng } from './delays';
import type { ReplyMode, ScriptRule } from './types';

export const DONT_KNOW = "I don't know.";
export const DEFAULT_LOREM_TOKENS = 64;

export interface PromptMessage {
  role: string;
  content: string;
}

export interface CompiledRule {
  regex: RegExp;
  target: 'last_user' | 'prompt';
  reply: string;
}

export interface ReplyContext {
  mode: ReplyMode;
  messages: readonly PromptMessage[];
  rng: Rng;
  outputTokens?: number;
  script?: readonly CompiledRule[];
}

export function compileScript(rules: readonly ScriptRule[]): CompiledRule[] {
  return rules.map((r, i) => {
    try {
      // The global/sticky flags would make `exec` stateful across requests.
      const flags = (r.flags ?? '').replace(/[gy]/g, '');
      return { regex: new RegExp(r.pattern, flags), target: r.target ?? 'last_user', reply: r.reply };
    } catch (err) {
      throw new Error(`script rule ${i}: ${(err as Error).message}`, { cause: err });
    }
  });
}

export function lastUserIndex(messages: readonly PromptMessage[]): number {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === 'user') return i;
  return -1;
}

export function lastUserMessage(messages: readonly PromptMessage[]): string {
  return messages[lastUserIndex(messages)]?.content ?? '';
}

export function generateReply(ctx: ReplyContext): string {
  switch (ctx.mode) {
    case 'echo':
      return lastUserMessage(ctx.messages);
    case 'lorem':
      return lorem(ctx.rng, ctx.outputTokens ?? DEFAULT_LOREM_TOKENS);
    case 'extractive':
      return extractive(ctx.messages);
    case 'scripted':
      return scripted(ctx.messages, ctx.script ?? []);
  }
}

// ---------------------------------------------------------------- lorem

const LOREM = (
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore ' +
  'magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea commodo ' +
  'consequat duis aute irure in reprehenderit voluptate velit esse cillum eu fugiat nulla pariatur excepteur sint ' +
  'occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim id est laborum'
).split(' ');

/** Seeded lorem-ipsum sentences, exactly `tokens` tokens long (every word is at least one token). */
export function lorem(rng: Rng, tokens: number): string {
  if (tokens <= 0) return '';
  const words: string[] = [];
  let sentenceLeft = 0;
  while (words.length < tokens) {
    let w = LOREM[Math.floor(rng() * LOREM.length)] ?? 'lorem';
    if (sentenceLeft === 0) {
      sentenceLeft = 6 + Math.floor(rng() * 10);
      w = w.charAt(0).toUpperCase() + w.slice(1);
    }
    sentenceLeft--;
    words.push(sentenceLeft === 0 ? `${w}.` : w);
  }
  return truncateTokens(words.join(' '), tokens).text;
}

// ---------------------------------------------------------------- extractive

const STOP_WORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both ' +
    'but by can could did do does doing down during each few for from further had has have having he her here hers ' +
    'herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on ' +
    'once only or other our ours ourselves out over own same she should so some such than that the their theirs ' +
    'them themselves then there these they this those through to too under until up very was we were what when ' +
    'where which while who whom why will with would you your yours yourself yourselves tell know please remember ' +
    'also let lets like get got us one'
  ).split(' '),
);

/** Lower-cased content words: letters/digits, possessive 's dropped, stop words and single letters removed. */
export function contentWords(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu) ?? []) {
    const w = raw.replace(/['’]s$/u, '').replace(/['’]/gu, '');
    if (STOP_WORDS.has(w) || (w.length === 1 && !/\p{N}/u.test(w))) continue;
    out.push(w);
  }
  return out;
}

export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Retrieval-only baseline: the context sentence sharing the most content words with the last user message. */
export function extractive(messages: readonly PromptMessage[]): string {
  const qi = lastUserIndex(messages);
  const question = new Set(contentWords(messages[qi]?.content ?? ''));
  const context = messages.filter((_, i) => i !== qi).map((m) => m.content);
  let best = DONT_KNOW;
  let bestScore = 0;
  for (const sentence of context.flatMap(splitSentences)) {
    const score = new Set(contentWords(sentence).filter((w) => question.has(w))).size;
    if (score > bestScore) {
      best = sentence;
      bestScore = score;
    }
  }
  return best;
}

// ---------------------------------------------------------------- scripted

/** Expand `$1`, `$<name>`, `$&` and `$$` in a reply template from a match. */
export function expandTemplate(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(\$|&|\d{1,2}|<([^>]+)>)/g, (whole, token: string, name: string | undefined) => {
    if (token === '$') return '$';
    if (token === '&') return m[0];
    if (name !== undefined) return m.groups?.[name] ?? '';
    const n = Number(token);
    return n < m.length ? (m[n] ?? '') : whole;
  });
}

export function scripted(messages: readonly PromptMessage[], rules: readonly CompiledRule[]): string {
  const last = lastUserMessage(messages);
  const prompt = messages.map((m) => m.content).join('\n');
  for (const rule of rules) {
    const m = rule.regex.exec(rule.target === 'prompt' ? prompt : last);
    if (m) return expandTemplate(rule.reply, m);
  }
  return DONT_KNOW;
}
