import { describe, expect, it } from 'vitest';
import { runVirtualUsers } from './virtual-users';
import { fakeSender } from './fake-sender';
import { runOpenLoop } from './open-loop';

describe('closed loop', () => {
  it('keeps N users busy, marks warm-up, continues sessions and stops by itself', async () => {
    const send = fakeSender({ latencyMs: 20 });
    const run = await runVirtualUsers({ users: 4, warmupMs: 60, durationMs: 200, drainMs: 500, think: { minMs: 0, maxMs: 0 }, turnsPerSession: 3, stream: true, seed: 1, tag: 't', send });
    expect(run.peakInFlight).toBe(4);
    // 4 users × ~260 ms / 20 ms ≈ 52 requests
    expect(run.records.length).toBeGreaterThan(30);
    expect(run.records.length).toBeLessThan(60);
    expect(run.records.some((r) => r.warmup)).toBe(true);
    expect(run.records.some((r) => !r.warmup)).toBe(true);
    expect(new Set(run.records.map((r) => r.message)).size).toBe(run.records.length);
    // turns 0,1,2 then a new session; turns > 0 carry the session id
    const vu0 = run.records.filter((r) => r.vu === 0);
    expect(vu0.slice(0, 4).map((r) => r.turn)).toEqual([0, 1, 2, 0]);
    expect(send.calls.filter((c) => c.sessionId !== undefined).length).toBeGreaterThan(0);
    expect(run.endedAt - run.startedAt).toBeLessThan(1000);
  });

  it('honours maxRequests and aborts requests still in flight after the drain', async () => {
    const capped = await runVirtualUsers({ users: 3, warmupMs: 0, durationMs: 5_000, drainMs: 100, maxRequests: 7, think: { minMs: 1, maxMs: 2 }, turnsPerSession: 1, stream: true, seed: 1, tag: 't', send: fakeSender({ latencyMs: 5 }) });
    expect(capped.records).toHaveLength(7);
    const slow = await runVirtualUsers({ users: 2, warmupMs: 0, durationMs: 50, drainMs: 50, think: { minMs: 0, maxMs: 0 }, turnsPerSession: 1, stream: true, seed: 1, tag: 't', send: fakeSender({ latencyMs: 10_000 }) });
    expect(slow.records).toHaveLength(2);
    expect(slow.records.every((r) => r.abortedAtEnd)).toBe(true);
    expect(slow.endedAt - slow.startedAt).toBeLessThan(1_000);
  });
});

describe('open loop', () => {
  it('sends on the arrival schedule without waiting for answers', async () => {
    const run = await runOpenLoop({ rate: 200, warmupMs: 100, durationMs: 400, drainMs: 500, maxInFlight: 1000, stream: true, seed: 5, tag: 'o', send: fakeSender({ latencyMs: 100 }) });
    // ≈ 200/s × 0.5 s = 100 arrivals, with up to ~20 in flight at once (Little: 200/s × 0.1 s)
    expect(run.records.length).toBeGreaterThan(70);
    expect(run.records.length).toBeLessThan(130);
    expect(run.peakInFlight).toBeGreaterThan(10);
    const late = run.records.map((r) => (r.result.sentAt - (r.scheduledAt ?? 0)));
    expect(Math.max(...late)).toBeLessThan(250); // generous: the machine is shared
    expect(run.records.filter((r) => r.warmup).length).toBeGreaterThan(5);
  });

  it('drops arrivals above maxInFlight', async () => {
    const run = await runOpenLoop({ rate: 500, warmupMs: 0, durationMs: 200, drainMs: 500, maxInFlight: 3, stream: true, seed: 5, tag: 'o', send: fakeSender({ latencyMs: 150 }) });
    expect(run.peakInFlight).toBe(3);
    expect(run.dropped).toBeGreaterThan(50);
  });
});

describe('client timeout', () => {
  it('gives up on a slow request and counts it as a client timeout, not a drain abort', async () => {
    const run = await runVirtualUsers({ users: 1, warmupMs: 0, durationMs: 30, drainMs: 5_000, clientTimeoutMs: 50, think: { minMs: 0, maxMs: 0 }, turnsPerSession: 1, stream: true, seed: 1, tag: 't', send: fakeSender({ latencyMs: 10_000 }) });
    expect(run.records).toHaveLength(1);
    expect(run.records[0]).toMatchObject({ clientTimeout: true, abortedAtEnd: false });
    expect(run.endedAt - run.startedAt).toBeLessThan(1_000);
  });
});

describe('Retry-After', () => {
  it('a VU told to retry after 1 s waits that long instead of its think time', async () => {
    const send = fakeSender({ latencyMs: 1, fail: () => 503 });
    const refusing = async (req: Parameters<typeof send>[0]) => ({ ...(await send(req)), retryAfterS: 1 });
    const run = await runVirtualUsers({ users: 1, warmupMs: 0, durationMs: 1_500, drainMs: 1_000, honorRetryAfter: true, think: { minMs: 0, maxMs: 0 }, turnsPerSession: 1, stream: true, seed: 1, tag: 't', send: refusing });
    // at 0, after ~1 s, and perhaps once more right at the end of the 1.5 s
    expect(run.records.length).toBeGreaterThanOrEqual(2);
    expect(run.records.length).toBeLessThanOrEqual(3);
    expect((run.records[1]?.result.sentAt ?? 0) - (run.records[0]?.result.sentAt ?? 0)).toBeGreaterThanOrEqual(995);
    const eager = await runVirtualUsers({ users: 1, warmupMs: 0, durationMs: 200, drainMs: 1_000, think: { minMs: 0, maxMs: 0 }, turnsPerSession: 1, stream: true, seed: 1, tag: 't', send: refusing });
    expect(eager.records.length).toBeGreaterThan(20);
  });
});

describe('adaptive warm-up', () => {
  it('opens the window only after every VU finished its first request', async () => {
    // the first request of each VU takes 150 ms, later ones 10 ms; a fixed 20 ms warm-up would count the slow first round
    let n = 0;
    const base = fakeSender({ latencyMs: 10 });
    const slowFirst = fakeSender({ latencyMs: 150 });
    const send = (req: Parameters<typeof base>[0]) => (n++ < 3 ? slowFirst(req) : base(req));
    const run = await runVirtualUsers({ users: 3, warmupMs: 20, maxWarmupMs: 2_000, durationMs: 200, drainMs: 1_000, think: { minMs: 0, maxMs: 0 }, turnsPerSession: 1, stream: true, seed: 1, tag: 't', send });
    expect(run.measureFrom - run.startedAt).toBeGreaterThanOrEqual(145);
    expect(run.measureTo - run.measureFrom).toBeCloseTo(200, 6);
    expect(run.records.filter((r) => !r.warmup).every((r) => r.result.endAt - r.result.sentAt < 100)).toBe(true);
    // the three slow first requests (and fast ones sent before the last VU finished) are warm-up
    expect(run.records.filter((r) => r.warmup).length).toBeGreaterThanOrEqual(3);
    expect(run.records.filter((r) => r.warmup && r.result.endAt - r.result.sentAt > 100)).toHaveLength(3);
  });

  it('gives up waiting after maxWarmupMs', async () => {
    const run = await runVirtualUsers({ users: 2, warmupMs: 0, maxWarmupMs: 100, durationMs: 100, drainMs: 100, clientTimeoutMs: 5_000, think: { minMs: 0, maxMs: 0 }, turnsPerSession: 1, stream: true, seed: 1, tag: 't', send: fakeSender({ latencyMs: 10_000 }) });
    expect(run.measureFrom - run.startedAt).toBeGreaterThanOrEqual(95);
    expect(run.measureFrom - run.startedAt).toBeLessThan(400);
    expect(run.endedAt - run.startedAt).toBeLessThan(1_500);
  });
});
