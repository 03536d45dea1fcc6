/**
 * Several real Memocha server processes (`node --import tsx serve/main.ts`) on one PostgreSQL (a fresh schema,
 * dropped on close) and one Redis (fresh key prefixes, deleted on close), answered by one shared LLM simulator
 * started here, behind HAProxy (serve/testing/haproxy.ts). For tests and the load suite's cluster target.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startSimulator, type Simulator, type SimulatorOptions } from '../llm/simulator';
import { openInSchema, TEST_DATABASE_URL } from './db';
import { exitOf, startHaproxy, type Balance, type RunningHaproxy } from './haproxy';
import { simulatorAsProvider } from './stack';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ClusterInstance {
  /** its INSTANCE_NAME (i1, i2, ...), also its server name in HAProxy and its X-Memocha-Instance */
  name: string;
  /** the instance itself, not through the balancer */
  url: string;
  pid: number;
  /** Send `signal` (default SIGKILL) and wait until the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface Cluster {
  /** the balancer */
  url: string;
  instances: ClusterInstance[];
  /** PostgreSQL URL (search_path on the cluster's schema) and schema the instances share */
  databaseUrl: string;
  schema: string;
  /** key prefix every Redis key of this cluster starts with */
  redisPrefix: string;
  /** the LLM every instance calls */
  sim: Simulator;
  haproxy: RunningHaproxy;
  /** instance and balancer logs (i1.log, ..., haproxy.log, haproxy.cfg) */
  dir: string;
  close(): Promise<void>;
}

export interface ClusterOptions {
  instances: number;
  /** Memocha environment for every instance, over the cluster's (set REDIS_URL to '' for no Redis) */
  env?: Record<string, string>;
  /** default leastconn (see haproxy.ts) */
  balance?: Balance;
  /** the shared simulator (default: 5 ms to first token, 1 ms between tokens) */
  sim?: Partial<SimulatorOptions>;
  /** health check interval, ms (default 500) */
  checkIntervalMs?: number;
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  if (!Number.isInteger(o.instances) || o.instances < 1) throw new Error('startCluster: instances must be an integer >= 1');
  const cleanups: (() => Promise<unknown>)[] = [];
  const undo = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const dir = await mkdtemp(path.join(tmpdir(), 'memocha-cluster-'));
    // MEMOCHA_KEEP_CLUSTER_LOGS=1 keeps the logs and the HAProxy config for a look after the run.
    if (!process.env.MEMOCHA_KEEP_CLUSTER_LOGS) cleanups.push(() => rm(dir, { recursive: true, force: true }));
    // Migrated here once: instances starting together would otherwise race for knex's migration lock.
    const db = await openInSchema(TEST_DATABASE_URL, 2, 'cluster');
    cleanups.push(() => db.cleanup());
    const databaseUrl = withSearchPath(TEST_DATABASE_URL, db.schema);
    const redisPrefix = `memocha-test:${db.schema}:`;
    const sim = await startSimulator({ ttft: { kind: 'fixed', ms: 5 }, itl: { kind: 'fixed', ms: 1 }, ...o.sim });
    cleanups.push(() => sim.close());

    const env = {
      HOST: '127.0.0.1',
      AUTH: 'off',
      DATABASE_URL: databaseUrl,
      REDIS_URL: TEST_REDIS_URL,
      RATE_LIMIT_PREFIX: `${redisPrefix}rl:`,
      REDIS_CACHE_PREFIX: `${redisPrefix}cache:`,
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_MS: '1000',
      ...simulatorAsProvider(sim),
      ...o.env,
    };
    if (env.REDIS_URL === '') delete (env as Partial<typeof env>).REDIS_URL;
    const redisUrl = env.REDIS_URL;
    if (redisUrl) cleanups.push(() => deleteKeys(redisUrl, redisPrefix));

    const names = Array.from({ length: o.instances }, (_, i) => `i${i + 1}`);
    const launch = (name: string) =>
      startInstance(name, env, dir).then((inst) => {
        cleanups.push(() => inst.stop());
        return inst;
      });
    // The first instance alone, so stores that create their tables at start-up do it once.
    const first = await launch(names[0]!);
    const rest = await Promise.all(names.slice(1).map(launch));
    const instances = [first, ...rest];

    const port = await freePort();
    const haproxy = await startHaproxy(dir, {
      port,
      balance: o.balance ?? 'leastconn',
      backends: instances.map((i) => ({ name: i.name, host: '127.0.0.1', port: i.port })),
      ...(o.checkIntervalMs ? { checkIntervalMs: o.checkIntervalMs } : {}),
    });
    cleanups.push(() => haproxy.close());
    const url = `http://127.0.0.1:${port}`;
    await waitReady(url, 15_000);
    await waitAllUp(haproxy, instances.length, 15_000);

    let closing: Promise<void> | undefined;
    return {
      url,
      instances: instances.map(({ name, url: u, pid, kill }) => ({ name, url: u, pid, kill })),
      databaseUrl,
      schema: db.schema,
      redisPrefix,
      sim,
      haproxy,
      dir,
      close: () => (closing ??= undo()),
    };
  } catch (err) {
    await undo();
    throw err;
  }
}

/** The URL with `options=-c search_path=<schema>,public`, which node-postgres sends at connect. */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema},public`);
  return u.toString();
}

interface StartedInstance extends ClusterInstance {
  port: number;
  /** SIGTERM (graceful), SIGKILL after 10 s; no-op when already gone */
  stop(): Promise<void>;
}

async function startInstance(name: string, env: Record<string, string>, dir: string): Promise<StartedInstance> {
  const port = await freePort();
  const log = openSync(path.join(dir, `${name}.log`), 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', 'serve/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...baseEnv(), ...env, INSTANCE_NAME: name, PORT: String(port) },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const exited = exitOf(child);
  const url = `http://127.0.0.1:${port}`;
  const outcome = await Promise.race([exited.then((code) => ({ code })), waitReady(url, 90_000).then(() => undefined)]).catch((err: Error) => ({ code: err.message }));
  if (outcome || child.pid === undefined) {
    child.kill('SIGKILL');
    throw new Error(`instance ${name} did not become ready (${String(outcome?.code)}); see ${path.join(dir, `${name}.log`)}`);
  }
  const pid = child.pid;
  const signalAndWait = async (signal: NodeJS.Signals) => {
    if (alive(child)) child.kill(signal);
    await exited;
  };
  return {
    name,
    url,
    pid,
    port,
    kill: (signal = 'SIGKILL') => signalAndWait(signal),
    stop: async () => {
      const timer = setTimeout(() => alive(child) && child.kill('SIGKILL'), 10_000);
      await signalAndWait('SIGTERM');
      clearTimeout(timer);
    },
  };
}

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** Only what a Node process needs: no Memocha settings leak in from the test process's environment. */
function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  return Object.fromEntries(keep.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]!]])));
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`${url}/readyz not 200 after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Until HAProxy's checks have passed `rise` times for every server (its status reads "UP", not "UP 1/2"). */
async function waitAllUp(haproxy: RunningHaproxy, count: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const states = Object.values(await haproxy.serverStates());
    if (states.length === count && states.every((s) => s === 'UP')) return;
    if (Date.now() > end) throw new Error(`haproxy: servers not all UP after ${timeoutMs} ms: ${states.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A port free right now (the kernel's pick); the process that binds it next is ours. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}
