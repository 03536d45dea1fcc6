import Router from '@koa/router';
import type { Prometheus } from '../observability/prometheus';

/** GET /metrics: Prometheus text exposition of this app's registry (no user needed, like /healthz). */
export function metricsRoutes(prometheus: Prometheus) {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    const { contentType, body } = await prometheus.render();
    ctx.body = body;
    ctx.set('Content-Type', contentType);
    ctx.set('Cache-Control', 'no-store');
  });
  return router;
}
