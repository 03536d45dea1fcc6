import Router from '@koa/router';

export interface Readiness {
  /** `busy`: queries were waiting for a connection while others succeeded within the last second, so no ping was queued. */
  database(): Promise<{ ok: boolean; backend: string; latencyMs?: number; error?: string; busy?: boolean }>;
  llm(): { mode: 'openai' | 'sim'; model: string; breakers: { provider: string; state: string }[]; note?: string };
  memory(): Record<string, unknown>;
}

/** /healthz: the process answers. /readyz: 503 when the database is unreachable; `degraded` when an LLM breaker is open. */
export function healthRoutes(readiness: Readiness) {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const database = await readiness.database();
    const llm = readiness.llm();
    const allOpen = llm.breakers.length > 0 && llm.breakers.every((b) => b.state === 'open');
    const anyOpen = llm.breakers.some((b) => b.state !== 'closed');
    const status = !database.ok ? 'unavailable' : anyOpen ? 'degraded' : 'ready';
    ctx.status = database.ok ? 200 : 503;
    ctx.body = { status, database, llm: { ...llm, available: !allOpen }, memory: readiness.memory() };
  });
  return router;
}
