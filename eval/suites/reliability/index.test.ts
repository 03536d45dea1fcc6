import { describe, expect, it } from 'vitest';
import { metricOf, runSmallest } from '../load/test-support';
import reliability from './index';

describe('reliability suite (smallest config, in-process)', () => {
  it('injects fault windows, recovers, and loses no message', async () => {
    const o = await runSmallest(reliability, {
      load: { users: 4 },
      schedule: { baselineMs: 500, windowMs: 1000, gapMs: 1500 },
      windows: [
        // every upstream attempt fails: retries cannot hide it, so the window must show client errors
        { name: 'errors-500', faults: { errorRate: 1, errorStatus: 500 } },
        { name: 'stream-cuts', faults: { cutRate: 0.5, cutAfterTokens: 3 } },
      ],
      recovery: { windowMs: 500, threshold: 0.99, minRequests: 3 },
    });
    try {
      expect(o.exitCode).toBe(0);
      expect(o.report?.errors).toEqual([]);
      const m = (n: string) => metricOf(o, n);
      expect(m('messages_lost')).toBe(0);
      expect(m('answer_mismatches')).toBe(0);
      expect(m('error_row_mismatches')).toBe(0);
      const availability = m('availability') ?? -1;
      expect(availability).toBeGreaterThan(0);
      expect(availability).toBeLessThan(1); // the windows did hurt
      expect(m('error_rate_errors_500')).toBeGreaterThan(0);
      expect(m('windows_not_recovered')).toBeLessThanOrEqual(2);
      // every client error after the acknowledgement left an error (or partial) row
      expect((m('stored_error_rows') ?? 0) + (m('stored_partial_rows') ?? 0)).toBe(m('client_errors_after_ack'));
      expect(o.report?.rows.map((r) => r.case)).toEqual(['errors-500', 'stream-cuts']);
    } finally {
      await o.cleanup();
    }
  }, 60_000);
});
