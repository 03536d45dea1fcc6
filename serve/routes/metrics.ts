import Router from '@koa/router';
import type { Metrics } from '../observability/prometheus';

/** GET /metrics: Prometheus text exposition of this app's registry (no user needed, like /healthz). */
export function metricsRoutes(metrics: Metrics) {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    const { contentType, body } = await metrics.render();
    ctx.body = body;
    ctx.set('Content-Type', contentType);
    ctx.set('Cache-Control', 'no-store');
  });
  return router;
}
