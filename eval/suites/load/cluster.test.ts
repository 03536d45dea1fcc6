import { describe, expect, it } from 'vitest';
import load from './index';
import { metricOf, runSmallest } from './test-support';

type Table = { columns: string[]; rows: (string | number | null)[][] };

describe('load suite through a balancer (--target cluster:2: two server processes behind HAProxy)', () => {
  it('records which instance answered each request and reports the spread', async () => {
    const o = await runSmallest(
      load,
      { memory: false, sweep: { users: [6], warmupMs: 300, durationMs: 2_000, clientTimeoutMs: 20_000 }, openLoop: false, rateLimit: false, streams: false },
      'cluster:2',
    );
    try {
      expect(o.exitCode).toBe(0);
      expect(o.report?.errors).toEqual([]);
      const tables = (o.report?.tables ?? {}) as Record<string, Table>;
      const per = Object.entries(tables).find(([name]) => name.startsWith('per instance'))?.[1];
      expect(per).toBeDefined();
      const col = (name: string) => per!.columns.indexOf(name);
      const rows = per!.rows.filter((r) => r[col('step')] === 'sweep@6');
      // both instances answered, named as the cluster named them, and nothing went unanswered
      expect(rows.map((r) => r[col('instance')])).toEqual(['i1', 'i2']);
      for (const r of rows) expect(r[col('requests')]).toBeGreaterThan(0);
      // the per-instance counts add up to the step's counted requests, and the shares to 1
      const degradation = Object.entries(tables).find(([name]) => name.startsWith('degradation'))![1];
      const requests = degradation.rows[0]![degradation.columns.indexOf('requests')] as number;
      expect(rows.reduce((a, r) => a + (r[col('requests')] as number), 0)).toBe(requests);
      expect(rows.reduce((a, r) => a + (r[col('share')] as number), 0)).toBeCloseTo(1, 2);
      expect(rows.every((r) => r[col('errors')] === 0)).toBe(true);
      expect(metricOf(o, 'instances_at_6')).toBe(2);
      const ratio = metricOf(o, 'instance_share_max_min_at_6');
      expect(ratio).toBeGreaterThanOrEqual(1);
      expect(metricOf(o, 'instance_spread_cv_at_6')).toBeGreaterThanOrEqual(0);
      expect(o.report?.meta.target).toBe('cluster:2');
    } finally {
      await o.cleanup();
    }
  }, 180_000);
});
