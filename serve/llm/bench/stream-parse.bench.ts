/**
 * Client CPU per streamed chunk: the openai SDK's stream parser (what serve/llm/openai.ts used before)
 * against the provider's lean SSE decoder over undici. The upstream runs in a child process so only the
 * client's CPU is measured. `npx tsx serve/llm/bench/stream-parse.bench.ts [streams] [chunksPerStream] [rounds]`
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { createOpenAiProvider } from '../openai';

const streams = Number(process.argv[2] ?? 100);
const chunks = Number(process.argv[3] ?? 1000);
const rounds = Number(process.argv[4] ?? 3);

const child = spawn(process.execPath, ['--import', 'tsx', new URL('./upstream-child.ts', import.meta.url).pathname, String(chunks)], { stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = (await once(child.stdout, 'data')) as [Buffer];
const url = line.toString().trim();
const messages = [{ role: 'user' as const, content: 'hi' }];

const sdk = new OpenAI({ baseURL: url, apiKey: 'x', maxRetries: 0, logLevel: 'off' });
async function viaSdk(): Promise<number> {
  let n = 0;
  const s = await sdk.chat.completions.create({ model: 'm', messages, stream: true, stream_options: { include_usage: true } });
  for await (const c of s as AsyncIterable<ChatCompletionChunk>) if (c.choices?.[0]?.delta?.content) n++;
  return n;
}
const lean = createOpenAiProvider({ baseUrl: url, model: 'm' });
async function viaLean(): Promise<number> {
  let n = 0;
  for await (const ev of lean.stream({ messages })) if (ev.type === 'token') n++;
  return n;
}

async function measure(name: string, one: () => Promise<number>) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const counts = await Promise.all(Array.from({ length: streams }, one));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== streams * chunks) throw new Error(`${name}: ${total} tokens, expected ${streams * chunks}`);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { name, streams, chunksPerStream: chunks, cpuMs: Math.round(cpuMs), wallMs: Math.round(wallMs), cpuUsPerChunk: Math.round((cpuMs * 1000 * 100) / total) / 100 };
}

const only = process.env.ONLY; // 'sdk' or 'lean' to run one side
const all: [string, () => Promise<number>][] = [
  ['sdk', viaSdk],
  ['lean', viaLean],
];
const sides = all.filter(([n]) => !only || n === only);
for (const [name, fn] of sides) console.error(JSON.stringify({ warmup: await measure(name, fn) }));
for (let r = 0; r < rounds; r++) for (const [name, fn] of sides) console.log(JSON.stringify(await measure(name, fn)));
child.kill('SIGTERM');
process.exit(0);
