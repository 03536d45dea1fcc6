import { describe, expect, it } from 'vitest';
import { availability, errorRateSent, recoveryTimeMs, type Outcome } from './recovery';

/** a request that took 10 ms and ended at `endAt` */
const o = (endAt: number, ok: boolean): Outcome => ({ sentAt: endAt - 10, endAt, ok });

describe('availability and error rate', () => {
  it('is successes over all', () => {
    expect(availability([o(1, true), o(2, true), o(3, false), o(4, true)])).toBe(0.75);
    expect(availability([])).toBeNaN();
  });

  it('counts requests by send time', () => {
    // sent at 90, 190, 290, 390: [100, 300) holds the 2nd and 3rd
    const xs = [o(100, false), o(200, false), o(300, true), o(400, false)];
    expect(errorRateSent(xs, 100, 300)).toEqual({ requests: 2, failed: 1, rate: 0.5 });
    expect(errorRateSent(xs, 1000, 2000).rate).toBeNaN();
  });
});

describe('recoveryTimeMs', () => {
  const opts = { windowMs: 100, minRequests: 4, threshold: 0.99 };

  it('is the start of the first healthy forward window after the fault ends', () => {
    // fault ends at 1000; failures keep arriving at 1010 and 1030, then successes every 10 ms
    const xs = [o(990, false), o(1010, false), o(1020, true), o(1030, false), ...[1040, 1050, 1060, 1070, 1080].map((t) => o(t, true))];
    // window from 1040: [1040, 1140) holds 5 successes → recovered at 1040, 40 ms after the end
    expect(recoveryTimeMs(xs, 1000, opts)).toBe(40);
  });

  it('is 0 when the first completion after the end starts a healthy window', () => {
    const xs = [o(900, false), ...[1000, 1010, 1020, 1030].map((t) => o(t, true))];
    expect(recoveryTimeMs(xs, 1000, opts)).toBe(0);
  });

  it('needs minRequests in the window and one failure in 4 is below 99 %', () => {
    // windows of 100 ms: from 1000 → {1000, 1050, 1090(fail)} = 3 < 4; from 1050 → {1050, 1090, 1140} 2/3 … never 4 successes
    const sparse = [o(1000, true), o(1050, true), o(1090, false), o(1140, true), o(1300, true)];
    expect(recoveryTimeMs(sparse, 1000, opts)).toBeNull();
    // 3 successes and a failure within 100 ms: 75 % < 99 %; the next window [1020, 1120) holds 4 successes → 20
    const xs = [o(1000, false), o(1020, true), o(1040, true), o(1060, true), o(1110, true)];
    expect(recoveryTimeMs(xs, 1000, opts)).toBe(20);
  });

  it('with a lower threshold tolerates failures', () => {
    const xs = [o(1000, false), o(1020, true), o(1040, true), o(1060, true)];
    expect(recoveryTimeMs(xs, 1000, { ...opts, threshold: 0.75 })).toBe(0);
  });
});
