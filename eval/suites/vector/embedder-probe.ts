/**
 * One embedder measured alone in this (child) process, so its RSS is its own: started by embedders.ts
 * as `node --import tsx embedder-probe.ts '<ProbeInput JSON>'`; prints one ProbeResult JSON line.
 *   load        warmup(): model load, or the static table read from dataDir (or built there)
 *   queries     one short sentence per embed() call, sequential, after 20 unrecorded ones
 *   b1 / b64    texts/s embedding chat turns one at a time / 64 per call, for `seconds` each
 * No cache in front; use-lite gets batchWaitMs 0 (the server waits up to 5 ms for company).
 */
import path from 'node:path';
import { createEmbedder, type StaticEmbedder } from '../../../serve';
import { sentence } from './measure';

export interface ProbeInput {
  /** a registry spec, or `use-lite+worker` for use-lite in its worker thread */
  spec: string;
  queries: number;
  seconds: number;
  /** where static tables are cached (or built) */
  dataDir: string;
  /** only load (build) and report loadSeconds: a table build loads USE-lite, whose memory would count in the RSS */
  loadOnly?: boolean;
}

export interface ProbeResult {
  spec: string;
  id: string;
  loadSeconds: number;
  table: { origin: 'cache' | 'built'; bytes: number; buildSeconds: number } | null;
  queryUs: number[];
  textsPerSecB1: number;
  textsPerSecB64: number;
  rssBeforeMb: number;
  rssMb: number;
}

const REPLIES = ['That sounds great, tell me more about it.', 'Noted. Anything else I should remember?', 'Oh no, I hope it works out.', 'How exciting! When did you decide that?'];
const turn = (i: number) => `User: ${sentence(i)}\nAssistant: ${REPLIES[i % REPLIES.length]}`;
const mb = (bytes: number) => Number((bytes / 1e6).toFixed(1));

async function throughput(embed: (texts: string[]) => Promise<unknown>, batch: number, seconds: number, from: number): Promise<number> {
  let texts = 0;
  let next = from;
  const t0 = performance.now();
  while (texts < 2 * batch || performance.now() - t0 < seconds * 1000) {
    await embed(Array.from({ length: batch }, () => turn(next++)));
    texts += batch;
  }
  return texts / ((performance.now() - t0) / 1000);
}

export async function probe(input: ProbeInput): Promise<ProbeResult> {
  const worker = input.spec === 'use-lite+worker';
  const rssBefore = process.memoryUsage().rss;
  const e = createEmbedder(worker ? 'use-lite' : input.spec, { worker, batchWaitMs: 0, dataDir: input.dataDir });
  try {
    const t0 = performance.now();
    await e.warmup?.();
    const loadSeconds = (performance.now() - t0) / 1000;
    const t = (e as Partial<StaticEmbedder>).table?.();
    const table = t ? { origin: t.origin, bytes: t.bytes, buildSeconds: t.header.buildSeconds } : null;
    if (input.loadOnly) return { spec: input.spec, id: e.id, loadSeconds, table, queryUs: [], textsPerSecB1: 0, textsPerSecB64: 0, rssBeforeMb: mb(rssBefore), rssMb: mb(process.memoryUsage().rss) };
    let n = 1_000_000;
    for (let i = 0; i < 20; i++) await e.embed([sentence(n++)]);
    const queryUs: number[] = [];
    for (let i = 0; i < input.queries; i++) {
      const q = sentence(n++);
      const s = performance.now();
      await e.embed([q]);
      queryUs.push((performance.now() - s) * 1000);
    }
    const b1 = await throughput((x) => e.embed(x), 1, input.seconds, 2_000_000);
    const b64 = await throughput((x) => e.embed(x), 64, input.seconds, 3_000_000);
    return {
      spec: input.spec,
      id: e.id,
      loadSeconds,
      table,
      queryUs,
      textsPerSecB1: b1,
      textsPerSecB64: b64,
      rssBeforeMb: mb(rssBefore),
      rssMb: mb(process.memoryUsage().rss),
    };
  } finally {
    await e.close?.();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  probe(JSON.parse(process.argv[2] ?? '{}') as ProbeInput).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
