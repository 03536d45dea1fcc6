/**
 * One answer of N one-character chunks without spaces (CJK), no usage from upstream, maxTokens above it:
 * the provider counts as it streams and estimates usage at the end. `npx tsx serve/llm/bench/long-answer.bench.ts [chunks]`
 */
import { startTestUpstream } from '../../testing/upstream';
import { createOpenAiProvider } from '../openai';

const n = Number(process.argv[2] ?? 100_000);
const up = await startTestUpstream({ kind: 'ok', usage: false, tokens: Array.from({ length: n }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 2000))) });
const llm = createOpenAiProvider({ baseUrl: up.url, model: 'm' });
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let tokens = 0;
let completionTokens = 0;
for await (const ev of llm.stream({ messages: [{ role: 'user', content: 'x' }], maxTokens: 10_000_000 })) {
  if (ev.type === 'token') tokens++;
  else completionTokens = ev.usage.completionTokens;
}
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ chunks: tokens, completionTokens, wallMs: Math.round(performance.now() - t0), cpuMs: Math.round((cpu.user + cpu.system) / 1000) }));
await up.close();
