/** `--target cluster:<n>`: the spelling, checked by the CLI before anything starts (no serve/ import here). */
export const MAX_CLUSTER_INSTANCES = 8;
const CLUSTER = /^cluster:(\d+)$/;

export const isClusterTarget = (target: string | undefined): boolean => target?.startsWith('cluster:') === true;

/** The instance count of `cluster:<n>`, or a message saying what is wrong with it. */
export function clusterSize(target: string): number | { error: string } {
  const n = Number(CLUSTER.exec(target)?.[1] ?? Number.NaN);
  if (!Number.isInteger(n) || n < 1 || n > MAX_CLUSTER_INSTANCES) return { error: `--target cluster:<n> takes 1 to ${MAX_CLUSTER_INSTANCES} instances, got "${target}"` };
  return n;
}
