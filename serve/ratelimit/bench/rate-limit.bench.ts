/**
 * The per-user rate limits across instances, and what they cost. `npm run bench:ratelimit` (Redis on
 * REDIS_URL or 127.0.0.1:6379) writes reports/baselines/rate-limit/{figures.json,figures.md}:
 *
 *   admission  two real server processes (`node --import tsx serve/main.ts`, their own PGlite, the same Redis and a
 *              fresh RATE_LIMIT_PREFIX, RATE_LIMIT_RPM=50) and 500 concurrent attempts by one user split across
 *              both: how many were admitted (the target: exactly 50) and how many refused; then the same with
 *              RATE_LIMIT_CONCURRENT=50 and answers that take long enough to be open at once.
 *   check      the limiter's own time per admission (all three limits on Redis, then the slot given back),
 *              in this process, sequential and 16 in flight: p50/p95/p99 through hdr-histogram-js.
 *   request    a chat request's latency through a server with every limit on (never reached) and one with
 *              none, requests alternating between the two, 8 in flight: the difference is what the limits add.
 *              BENCH_ONLY=request runs this part alone; BENCH_AA=1 turns the limits off on both (the noise floor).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { build, type Histogram } from 'hdr-histogram-js';
import pino from 'pino';
import { closeRedis, openRedis } from '../../redis/client';
import { createRateLimits } from '../rate-limits';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const OUT = 'reports/baselines/rate-limit';
const ATTEMPTS = 500;
const LIMIT = 50;
const CHECKS = Number(process.env.BENCH_CHECKS ?? 5000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1500);

const loadavg = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
const log = (msg: string) => console.error(`[bench:ratelimit] ${msg} (load ${loadavg()})`);
const loadBefore = loadavg();
const hist = (): Histogram => build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
type Summary = { n: number; p50: number; p95: number; p99: number; mean: number };
const ms = (us: number) => Math.round(us) / 1000;
const summary = (h: Histogram): Summary => ({ n: h.totalCount, p50: ms(h.getValueAtPercentile(50)), p95: ms(h.getValueAtPercentile(95)), p99: ms(h.getValueAtPercentile(99)), mean: ms(h.mean) });
const record = (h: Histogram, t0: number) => h.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));

// --- server processes ----------------------------------------------------------------------------
interface Server {
  url: string;
  child: ChildProcess;
  dir: string;
}
const servers: Server[] = [];
const prefixes: string[] = [];

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

async function startServer(name: string, env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), `memocha-bench-rl-${name}-`));
  const child = spawn(process.execPath, ['--import', 'tsx', 'serve/main.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      AUTH: 'off',
      DATA_DIR: dir,
      MEMORY_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      INSTANCE_NAME: name,
      SIM_TTFT_MS: '0',
      SIM_ITL_MS: '0',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const s = { url: `http://127.0.0.1:${port}`, child, dir };
  servers.push(s);
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode})`);
    const ok = await fetch(`${s.url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return s;
    if (i > 600) throw new Error(`${name} did not become ready`);
    await sleep(100);
  }
}

async function stopServers() {
  await Promise.all(
    servers.splice(0).map(async (s) => {
      if (s.child.exitCode === null) {
        s.child.kill('SIGTERM');
        await new Promise((r) => s.child.once('exit', r));
      }
      rmSync(s.dir, { recursive: true, force: true });
    }),
  );
}

const as = { 'X-Memocha-User': 'bench-user' };
async function session(s: Server): Promise<string> {
  const r = await fetch(`${s.url}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', ...as }, body: '{}' });
  return ((await r.json()) as { id: string }).id;
}
function ask(s: Server, sessionId: string, content: string): Promise<Response> {
  return fetch(`${s.url}/v1/sessions/${sessionId}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...as }, body: JSON.stringify({ content, maxTokens: 16 }) });
}
async function cpuSeconds(s: Server): Promise<number> {
  const line = (await (await fetch(`${s.url}/metrics`)).text()).split('\n').find((l) => l.startsWith('process_cpu_seconds_total '));
  return Number(line?.split(' ')[1] ?? NaN);
}
async function failOpens(s: Server): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('memocha_rate_limit_fail_open_total{'))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}
const freshPrefix = () => {
  const p = `memocha-bench:rl:${randomUUID()}`;
  prefixes.push(p);
  return p;
};

/** 500 concurrent attempts by one user, alternating between two instances sharing the limit. */
async function admission(kind: 'rpm' | 'concurrent') {
  const prefix = freshPrefix();
  const env = {
    REDIS_URL,
    RATE_LIMIT_PREFIX: prefix,
    // generous: a 2-core machine running 500 requests stalls event loops past the 100 ms default (then limits fail open)
    REDIS_COMMAND_TIMEOUT_MS: '2000',
    ...(kind === 'rpm' ? { RATE_LIMIT_RPM: String(LIMIT) } : { RATE_LIMIT_CONCURRENT: String(LIMIT), SIM_TTFT_MS: '20000', LLM_ATTEMPT_TIMEOUT_MS: '120000', LLM_IDLE_TIMEOUT_MS: '120000', LLM_DEADLINE_MS: '120000' }),
  };
  const pair = await Promise.all([startServer('rl-a', env), startServer('rl-b', env)]);
  const sessions = await Promise.all(pair.map(session));
  log(`${kind}: ${ATTEMPTS} concurrent attempts against ${LIMIT}`);
  const aborts: AbortController[] = [];
  const statuses = await Promise.all(
    Array.from({ length: ATTEMPTS }, async (_, i) => {
      const s = pair[i % 2]!;
      if (kind === 'rpm') {
        const r = await ask(s, sessions[i % 2]!, `attempt ${i}`);
        await r.arrayBuffer();
        return { status: r.status, instance: i % 2 };
      }
      const c = new AbortController();
      aborts.push(c);
      const r = await fetch(`${s.url}/v1/sessions/${sessions[i % 2]}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...as },
        body: JSON.stringify({ content: `attempt ${i}` }),
        signal: c.signal,
      });
      if (r.status !== 200) await r.arrayBuffer();
      return { status: r.status, instance: i % 2 };
    }),
  );
  for (const c of aborts) c.abort();
  const admitted = statuses.filter((s) => s.status === 200);
  const result = {
    limit: kind,
    attempts: ATTEMPTS,
    limitValue: LIMIT,
    admitted: admitted.length,
    refused429: statuses.filter((s) => s.status === 429).length,
    other: statuses.filter((s) => s.status !== 200 && s.status !== 429).length,
    admittedByInstance: [0, 1].map((i) => admitted.filter((s) => s.instance === i).length),
    failOpens: (await Promise.all(pair.map(failOpens))).reduce((a, b) => a + b, 0),
  };
  log(`${kind}: admitted ${result.admitted}, refused ${result.refused429}, other ${result.other}, fail-opens ${result.failOpens}`);
  await stopServers();
  return result;
}

/** The limiter's own time: admit + release, all three limits on Redis, in this process. */
async function checkTime() {
  const logger = pino({ level: 'warn' });
  const redis = openRedis({ url: REDIS_URL, commandTimeoutMs: 1000, logger });
  const rl = createRateLimits({ prefix: freshPrefix(), rpm: 1e9, tpm: 1e9, concurrent: 1e6, slotTtlS: 300, redis, logger })!;
  await rl.ready(5000);
  const run = async (inFlight: number) => {
    const admit = hist();
    const release = hist();
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < CHECKS) {
          const user = `u${next++ % 100}`;
          let t0 = performance.now();
          const a = await rl.admit(user, 500);
          record(admit, t0);
          if (!a.admitted) throw new Error('refused');
          a.lease.settle(300);
          t0 = performance.now();
          await a.lease.release();
          record(release, t0);
        }
      }),
    );
    return { inFlight, admit: summary(admit), release: summary(release) };
  };
  await run(1); // warm-up
  const out = [await run(1), await run(16)];
  rl.close();
  await closeRedis(redis);
  return out;
}

/** Request latency through a server with all limits on (never reached) vs one with none, alternating. */
async function requestLatency() {
  const limits: Record<string, string> = process.env.BENCH_AA ? {} : { RATE_LIMIT_RPM: '100000000', RATE_LIMIT_TPM: '1000000000', RATE_LIMIT_CONCURRENT: '100000' };
  const common = { REDIS_URL, REDIS_COMMAND_TIMEOUT_MS: '2000' }; // a busy machine must not turn the limits into fail-opens
  const [on, off] = await Promise.all([startServer('rl-on', { ...common, RATE_LIMIT_PREFIX: freshPrefix(), ...limits }), startServer('rl-off', common)]);
  const targets = [
    { name: 'limits on', s: on, sid: await session(on), h: hist() },
    { name: 'limits off', s: off, sid: await session(off), h: hist() },
  ];
  for (const t of targets) for (let i = 0; i < 50; i++) await (await ask(t.s, t.sid, 'warm up')).arrayBuffer();
  log(`request latency: ${REQUESTS} requests per server, alternating, 8 in flight`);
  const cpuBefore = await Promise.all(targets.map((t) => cpuSeconds(t.s)));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < REQUESTS * 2) {
        const t = targets[next++ % 2]!;
        const t0 = performance.now();
        const r = await ask(t.s, t.sid, 'What is the capital of France?');
        await r.arrayBuffer();
        if (r.status !== 200) throw new Error(`${t.name}: ${r.status}`);
        record(t.h, t0);
      }
    }),
  );
  const cpuAfter = await Promise.all(targets.map((t) => cpuSeconds(t.s)));
  const cpuMsPerRequest = targets.map((_, i) => round(((cpuAfter[i]! - cpuBefore[i]!) * 1000) / REQUESTS));
  const metricsOn = (await (await fetch(`${on.url}/metrics`)).text()).split('\n').filter((l) => l.startsWith('memocha_rate_limit'));
  log(metricsOn.filter((l) => l.includes('_sum') || l.includes('_count') || l.includes('fail_open')).join('; '));
  const onFailOpens = await failOpens(on);
  await stopServers();
  const [a, b] = targets.map((t) => summary(t.h));
  return {
    failOpens: onFailOpens,
    limitsOn: a!,
    limitsOff: b!,
    addedMs: { p50: round(a!.p50 - b!.p50), p95: round(a!.p95 - b!.p95), p99: round(a!.p99 - b!.p99) },
    // The server's CPU per request (process_cpu_seconds_total): what the limits cost, whatever the machine's load.
    cpuMsPerRequest: { limitsOn: cpuMsPerRequest[0]!, limitsOff: cpuMsPerRequest[1]!, added: round(cpuMsPerRequest[0]! - cpuMsPerRequest[1]!) },
  };
}
const round = (x: number) => Math.round(x * 1000) / 1000;

try {
  if (process.env.BENCH_ONLY === 'request') {
    console.log(JSON.stringify(await requestLatency(), null, 2));
    process.exit(0);
  }
  const rpm = await admission('rpm');
  const concurrent = await admission('concurrent');
  const check = await checkTime();
  const request = await requestLatency();
  const figures = {
    generatedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version, loadavg1mBefore: loadBefore, loadavg1mAfter: loadavg() },
    admission: [rpm, concurrent],
    checkMs: check,
    requestMs: request,
  };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(`${OUT}/figures.json`, `${JSON.stringify(figures, null, 2)}\n`);
  const row = (name: string, s: Summary) => `| ${name} | ${s.n} | ${s.p50} | ${s.p95} | ${s.p99} |`;
  const md = `# Per-user rate limits across instances

\`npm run bench:ratelimit\`, ${figures.generatedAt}; ${figures.machine.cpus} CPUs, Node ${figures.machine.node}, Redis ${REDIS_URL};
1-minute load average ${loadBefore} before, ${figures.machine.loadavg1mAfter} after (other work was running when it was above ~0.5).

## ${ATTEMPTS} concurrent attempts by one user, two server processes, one Redis

| limit | value | admitted | 429 | other | admitted per instance | fail-opens |
| --- | --- | --- | --- | --- | --- | --- |
${figures.admission.map((a) => `| ${a.limit} | ${a.limitValue} | ${a.admitted} | ${a.refused429} | ${a.other} | ${a.admittedByInstance.join(' / ')} | ${a.failOpens} |`).join('\n')}

The concurrent run's answers take 20 s (simulator TTFT), so every admitted one is open while the others arrive.

## The limiter's own time (ms; RPM + TPM + CONCURRENT on Redis at once, ${CHECKS} admissions)

| step | in flight | n | p50 | p95 | p99 |
| --- | --- | --- | --- | --- | --- |
${check.flatMap((c) => [`| admit | ${c.inFlight} ${row('', c.admit).slice(3)}`, `| release (slot + token settle) | ${c.inFlight} ${row('', c.release).slice(3)}`]).join('\n')}

## A chat request's latency, limits on vs off (ms; JSON answers from the simulator, 8 in flight, alternating)

| server | n | p50 | p95 | p99 |
| --- | --- | --- | --- | --- |
${row('limits on (never reached)', request.limitsOn)}
${row('limits off', request.limitsOff)}

Added by the limits: p50 ${request.addedMs.p50} ms, p95 ${request.addedMs.p95} ms, p99 ${request.addedMs.p99} ms
(the difference of two noisy distributions: within a fraction of a millisecond it is noise; ${request.failOpens} fail-opens).
Server CPU per request: ${request.cpuMsPerRequest.limitsOn} ms with the limits, ${request.cpuMsPerRequest.limitsOff} ms without
(added: ${request.cpuMsPerRequest.added} ms). On a loaded machine the latency difference is larger than the CPU one: every
Redis reply is one more wake-up of a process waiting for a core; on a quiet one it is a loopback round trip.
`;
  writeFileSync(`${OUT}/figures.md`, md);
  console.log(md);
} finally {
  await stopServers();
  const redis = openRedis({ url: REDIS_URL, commandTimeoutMs: 1000, logger: pino({ level: 'silent' }) });
  await new Promise((r) => setTimeout(r, 200));
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}:*`).catch(() => [] as string[]);
    if (keys.length) await redis.del(...keys).catch(() => undefined);
  }
  await closeRedis(redis);
}
