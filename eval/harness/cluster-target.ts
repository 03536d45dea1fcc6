/**
 * `--target cluster:<n>`: n Memocha server processes on one PostgreSQL and one Redis behind HAProxy
 * (serve/testing startCluster), all answering with the cluster's one LLM simulator, which runs in this
 * process (so suites can reconfigure it and read its records, as in-process). The load goes to the balancer.
 */
import type { SimulatorOptions } from '../../serve';
import { startCluster, type Cluster } from '../../serve/testing';
import { clusterSize } from './cluster-spec';

/**
 * Memory on a cluster needs a store every instance shares in PostgreSQL: `pgarray` (plain PostgreSQL,
 * no extension) unless VECTOR_STORE is set here or in this process; `env` wins over the cluster's defaults.
 */
export async function startClusterTarget(target: string, env: Record<string, string>, sim: SimulatorOptions): Promise<Cluster> {
  const n = clusterSize(target);
  if (typeof n !== 'number') throw new Error(n.error);
  const store: Record<string, string> = env.MEMORY_ENABLED === 'false' ? {} : { VECTOR_STORE: process.env.VECTOR_STORE ?? 'pgarray' };
  return startCluster({ instances: n, env: { ...store, ...env }, sim });
}
