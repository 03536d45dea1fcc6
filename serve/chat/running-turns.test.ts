import { describe, expect, it } from 'vitest';
import { cancelledBy, createRunningTurns, TurnCancelled } from './running-turns';

describe('running turns', () => {
  it('a delete stops only the matching user’s turns (of one session, or all of them), with why', () => {
    const turns = createRunningTurns();
    const c = { a1: new AbortController(), a2: new AbortController(), b1: new AbortController() };
    turns.add('alice', 's1', c.a1);
    turns.add('alice', 's2', c.a2);
    turns.add('bob', 's1', c.b1); // the same session id under another user is never matched
    expect(turns.cancel({ userId: 'alice', sessionId: 's1' }, 'session_deleted')).toBe(1);
    expect(cancelledBy(c.a1.signal)).toMatchObject({ code: 'session_deleted', status: 410 });
    expect([c.a2.signal.aborted, c.b1.signal.aborted]).toEqual([false, false]);
    expect(turns.cancel({ userId: 'alice' }, 'memories_forgotten')).toBe(1); // s1 was already stopped
    expect(cancelledBy(c.a2.signal)).toMatchObject({ code: 'memories_forgotten', status: 409 });
    expect(c.b1.signal.aborted).toBe(false);
    expect(turns.size).toBe(3);
  });

  it('shutdown stops every turn with 503 and Retry-After; a released turn is no longer stopped', () => {
    const turns = createRunningTurns();
    const done = new AbortController();
    const running = new AbortController();
    turns.add('u', 's', done)();
    turns.add('u', 's', running);
    expect(turns.size).toBe(1);
    expect(turns.cancelAll('server_shutting_down')).toBe(1);
    expect(done.signal.aborted).toBe(false);
    const reason = cancelledBy(running.signal)!;
    expect(reason).toBeInstanceOf(TurnCancelled);
    expect(reason).toMatchObject({ code: 'server_shutting_down', status: 503, retryAfterS: 1 });
  });

  it('an abort without a TurnCancelled reason is not taken for one', () => {
    const c = new AbortController();
    c.abort();
    expect(cancelledBy(c.signal)).toBeUndefined();
  });
});
