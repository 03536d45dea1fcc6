/**
 * Memocha in a child process (`node --import tsx serve/main.ts`), so that the load generator and the
 * server do not share one event loop: on a 2-core machine each gets its own core. The child is given a
 * free port picked here (PORT=0 would not tell us which), its own DATA_DIR (a temp dir, removed on
 * close) and the probe (child-probe.ts) that reports its CPU, memory and event-loop delay over IPC.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ProbeUsage } from './child-probe';
import { PROFILE_ENV } from './probe-profile';
import { fromProbe, sampleProc, type ResourceSampler } from './resources';

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface MemochaChild {
  url: string;
  pid: number;
  /** usage since the previous sample (null when the probe does not answer) */
  sample(): Promise<ProbeUsage | null>;
  /** a sampler over the child: the probe when it answers, /proc otherwise */
  resources(): Promise<ResourceSampler>;
  /** the last lines the child wrote (stdout + stderr) */
  logTail(): string;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (!port) throw new Error('could not find a free port');
  return port;
}

/** `cpuProfileDir`: the probe writes a CPU profile of the server's main thread per measured step there (child-probe.ts). */
export async function spawnMemocha(o: { env: Record<string, string>; readyTimeoutMs?: number; cpuProfileDir?: string }): Promise<MemochaChild> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'memocha-load-'));
  const probe = pathToFileURL(path.join(REPO_ROOT, 'eval/suites/load/child-probe.ts')).href;
  const env = { ...process.env, LOG_LEVEL: 'warn', SHUTDOWN_GRACE_MS: '1000', MEMORY_SWEEP_MS: '3600000', ...o.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ...(o.cpuProfileDir ? { [PROFILE_ENV]: path.resolve(o.cpuProfileDir) } : {}) };
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', probe, 'serve/main.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const tail: string[] = [];
  const keep = (b: Buffer) => {
    tail.push(...b.toString('utf8').split('\n').filter(Boolean));
    if (tail.length > 40) tail.splice(0, tail.length - 40);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, child, o.readyTimeoutMs ?? 90_000);
  } catch (err) {
    child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    throw new Error(`Memocha child did not start: ${(err as Error).message}\n${tail.join('\n')}`, { cause: err });
  }
  let nextId = 0;
  const sample = (): Promise<ProbeUsage | null> =>
    new Promise((resolve) => {
      if (!child.connected) return resolve(null);
      const id = ++nextId;
      const onMsg = (m: unknown) => {
        const msg = m as { probe?: string; id?: number; usage?: ProbeUsage };
        if (msg.probe !== 'sample' || msg.id !== id || !msg.usage) return;
        clearTimeout(timer);
        child.off('message', onMsg);
        resolve(msg.usage);
      };
      const timer = setTimeout(() => {
        child.off('message', onMsg);
        resolve(null);
      }, 2_000);
      child.on('message', onMsg);
      child.send({ probe: 'sample', id });
    });
  return {
    url,
    pid: child.pid ?? -1,
    sample,
    async resources() {
      const proc = sampleProc(child.pid ?? -1);
      await sample(); // reset the probe's counters
      return {
        async stop() {
          const fallback = await proc.stop();
          const u = await sample();
          return u ? fromProbe(u) : fallback;
        },
      };
    },
    logTail: () => tail.join('\n'),
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`it exited (${child.exitCode ?? child.signalCode})`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no answer on ${url}/healthz within ${timeoutMs} ms`);
}
