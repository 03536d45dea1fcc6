/**
 * Token counting cost on adversarial text: `npx tsx serve/llm/bench/tokens.bench.ts`.
 * "whole" is gpt-tokenizer on the text as one string (the counting before runs were bounded),
 * "bounded" is countTokens (serve/llm/tokens.ts). Prints ms per call; not a test.
 */
import { countTokens as gptCount } from 'gpt-tokenizer';
import { countTokens } from '../tokens';

let seed = 1;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const chars = (n: number, from: number, span: number) => Array.from({ length: n }, () => String.fromCharCode(from + Math.floor(rnd() * span))).join('');
const time = (f: () => number) => {
  const t0 = performance.now();
  const tokens = f();
  return { tokens, ms: Math.round((performance.now() - t0) * 10) / 10 };
};

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const prose = 'The quick brown fox jumps over the lazy dog, then naps. On 2024-05-01 see https://example.com/a?b=c. ';
for (const n of sizes.length ? sizes : [8_000, 32_000, 64_000]) {
  const texts: Record<string, string> = {
    'a-run': 'a'.repeat(n),
    'random-letters': chars(n, 97, 26),
    cjk: chars(n, 0x4e00, 2000),
    spaces: ' '.repeat(n) + 'x',
    prose: prose.repeat(Math.ceil(n / prose.length)).slice(0, n),
  };
  for (const [name, text] of Object.entries(texts)) {
    const bounded = time(() => countTokens(text));
    const whole = process.env.SKIP_WHOLE ? undefined : time(() => gptCount(text));
    console.log(JSON.stringify({ chars: n, text: name, boundedMs: bounded.ms, wholeMs: whole?.ms, boundedTokens: bounded.tokens, wholeTokens: whole?.tokens }));
  }
}
