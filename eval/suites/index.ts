/** The suite registry: name → lazy module, so that one suite's dependencies load only when it runs. */
import type { SuiteRegistry } from '../harness/main';

export const suites: SuiteRegistry = {
  selftest: async () => (await import('./selftest/index')).default,
  // Each suite module is added by the engineer who writes it (one line each):
  latency: async () => (await import('./latency/index')).default,
  streaming: async () => (await import('./streaming/index')).default,
  cost: async () => (await import('./cost/index')).default,
  db: async () => (await import('./db/index')).default,
  stress: async () => (await import('./stress/index')).default,
  load: async () => (await import('./load/index')).default,
  reliability: async () => (await import('./reliability/index')).default,
  vector: async () => (await import('./vector/index')).default,
  judge: async () => (await import('./judge/index')).default,
  rag: async () => (await import('./rag/index')).default,
  retrieval: async () => (await import('./retrieval/index')).default,
  memory: async () => (await import('./memory/index')).default,
  live: async () => (await import('./live/index')).default,
};
