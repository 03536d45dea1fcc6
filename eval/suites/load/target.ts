/**
 * The server under load: Memocha as a child process (default, see child.ts), in this process (the
 * harness's in-process target), a running deployment at a URL, or cluster:<n> (n processes behind
 * HAProxy). In all but the URL the simulator runs here, so faults and timing can be changed at run time
 * and its records are the ground truth.
 */
import { startSimulator, type ResilienceStats, type Simulator, type SimulatorOptions } from '../../../serve';
import { simulatorAsProvider } from '../../../serve/testing';
import { isClusterTarget } from '../../harness/cluster-spec';
import { EVAL_SIM_DEFAULTS, startTarget } from '../../harness/target';
import { spawnMemocha, type MemochaChild } from './child';
import type { StoredMessage } from './ledger';
import { sampleProcs, type ResourceSampler } from './resources';
import { messagesFromRepos, messagesOverHttp } from './stored';

export type TargetMode = 'child' | 'in-process';

export interface LoadTarget {
  kind: 'child' | 'in-process' | 'url' | 'cluster';
  url: string;
  /** cluster: the instance names (X-Memocha-Instance), so one that answers nothing shows in the spread */
  instances?: string[];
  /** the simulator, when this process runs it */
  sim?: Simulator;
  /** a sampler of the server process; null when the server is this process (in-process) or unknown (URL) */
  serverResources(): Promise<ResourceSampler | null>;
  /** the resilience layer's own statistics (in-process only) */
  resilience?: () => ResilienceStats;
  messages(sessionId: string, userId: string): Promise<StoredMessage[]>;
  /** why the target is not what was asked for (a fallback), if it is not */
  note?: string;
  close(): Promise<void>;
}

export interface LoadTargetOptions {
  /** --target: 'in-process', a URL or cluster:<n> */
  target: string;
  mode: TargetMode;
  /** Memocha environment (timeouts, concurrency, memory) */
  env: Record<string, string>;
  sim: SimulatorOptions;
  log?: (s: string) => void;
  /** a CPU profile of the child's main thread per measured step, written here (mode 'child' only) */
  cpuProfileDir?: string;
}

export async function startLoadTarget(o: LoadTargetOptions): Promise<LoadTarget> {
  if (isClusterTarget(o.target)) return cluster(o);
  if (o.target !== 'in-process') {
    const url = o.target.replace(/\/$/, '');
    return { kind: 'url', url, serverResources: async () => null, messages: (s, u) => messagesOverHttp(url, s, u), close: async () => undefined };
  }
  if (o.mode === 'child') {
    const sim = await startSimulator({ ...EVAL_SIM_DEFAULTS, ...o.sim });
    let child: MemochaChild;
    try {
      child = await spawnMemocha({ env: { ...simulatorAsProvider(sim), ...o.env }, ...(o.cpuProfileDir ? { cpuProfileDir: o.cpuProfileDir } : {}) });
    } catch (err) {
      await sim.close();
      const note = `child-process mode failed, fell back to in-process: ${(err as Error).message.split('\n')[0]}`;
      o.log?.(note);
      return { ...(await inProcess(o)), note };
    }
    return {
      kind: 'child',
      url: child.url,
      sim,
      serverResources: () => child.resources(),
      messages: (s, u) => messagesOverHttp(child.url, s, u),
      async close() {
        await child.close();
        await sim.close();
      },
    };
  }
  return inProcess(o);
}

/** n instances behind HAProxy; the server's resources are the instances' together (/proc). */
async function cluster(o: LoadTargetOptions): Promise<LoadTarget> {
  const t = await startTarget(o.target, undefined, { env: o.env, sim: o.sim });
  const instances = t.cluster?.instances ?? [];
  const pids = instances.map((i) => i.pid);
  return {
    kind: 'cluster',
    url: t.url,
    instances: instances.map((i) => i.name),
    ...(t.sim ? { sim: t.sim } : {}),
    serverResources: async () => sampleProcs(pids),
    messages: (s, u) => messagesOverHttp(t.url, s, u),
    close: () => t.close(),
  };
}

async function inProcess(o: LoadTargetOptions): Promise<LoadTarget> {
  const t = await startTarget('in-process', undefined, { env: o.env, sim: o.sim });
  const runtime = t.runtime;
  if (!runtime) throw new Error('in-process target without a runtime');
  return {
    kind: 'in-process',
    url: t.url,
    ...(t.sim ? { sim: t.sim } : {}),
    serverResources: async () => null,
    resilience: () => runtime.deps.llm.stats(),
    messages: (s, u) => messagesFromRepos(runtime.deps.repos, s, u),
    close: () => t.close(),
  };
}
