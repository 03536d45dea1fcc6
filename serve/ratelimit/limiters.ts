/**
 * The three per-user limits as rate-limiter-flexible limiters: on Redis (shared by every instance) when there is
 * a connection, else in this process's memory (the same limits, per process). Keys: `<prefix>:<kind>:<userId>`.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { SLOT_SCRIPT, WINDOW_SCRIPT } from './scripts';

export type LimitKind = 'rpm' | 'tpm' | 'concurrent';

export interface Taken {
  admitted: boolean;
  /** What is left for this user after this take (or, refused, what was left before it). */
  remaining: number;
  /** Until the window starts again, ms (slots: 0, they free when a stream ends). */
  resetMs: number;
}

export interface Limiter {
  readonly kind: LimitKind;
  readonly limit: number;
  /** The window in seconds; null for slots. */
  readonly windowS: number | null;
  /** Takes `points` if they fit; a refused take leaves nothing behind. Rejects when the store fails. */
  take(userId: string, points: number): Promise<Taken>;
  /** Gives points back (never below zero, nothing once the window or slot expired). Rejects when the store fails. */
  give(userId: string, points: number): Promise<void>;
  /** Adds points whether they fit or not (usage found to be above its estimate). Rejects when the store fails. */
  charge(userId: string, points: number): Promise<void>;
}

export interface LimitSettings {
  prefix: string;
  rpm: number;
  tpm: number;
  concurrent: number;
  /** How long the slots of a user nobody admits or releases for survive (an instance died holding them), s. */
  slotTtlS: number;
}

export interface Limiters {
  list: Limiter[];
  /** Resolves once the Redis connections are up, or after `timeoutMs` (then the limits fail open until they are). */
  ready(timeoutMs: number): Promise<void>;
  close(): void;
}

const WINDOW_S = 60;

/**
 * `redis` absent: in memory. With Redis the slot limiter gets its own connection: rate-limiter-flexible registers
 * its Lua under one command name per client, and the slots need a different script from the windows.
 */
export function createLimiters(s: LimitSettings, redis?: Redis): Limiters {
  const list: Limiter[] = [];
  let slotClient: Redis | undefined;
  const store = (kind: LimitKind, points: number, duration: number, script: string, client: Redis | undefined): RateLimiterAbstract => {
    const keyPrefix = `${s.prefix}:${kind}`;
    if (!client) return new RateLimiterMemory({ keyPrefix, points, duration });
    return new RateLimiterRedis({ storeClient: client, keyPrefix, points, duration, customIncrTtlLuaScript: script, rejectIfRedisNotReady: true });
  };
  if (s.rpm > 0) list.push(wrap('rpm', s.rpm, WINDOW_S, store('rpm', s.rpm, WINDOW_S, WINDOW_SCRIPT, redis), !redis));
  if (s.tpm > 0) list.push(wrap('tpm', s.tpm, WINDOW_S, store('tpm', s.tpm, WINDOW_S, WINDOW_SCRIPT, redis), !redis));
  if (s.concurrent > 0) {
    if (redis) {
      slotClient = redis.duplicate();
      slotClient.on('error', () => undefined); // the main connection logs outages; this one follows it
    }
    // In memory a slot never expires: this process releases every slot it took (a crash loses them all anyway).
    list.push(wrap('concurrent', s.concurrent, null, store('concurrent', s.concurrent, redis ? s.slotTtlS : 0, SLOT_SCRIPT, slotClient), !redis));
  }
  const clients = [redis, slotClient].filter((c): c is Redis => c !== undefined);
  return { list, ready: (timeoutMs) => Promise.all(clients.map((c) => whenReady(c, timeoutMs))).then(() => undefined), close: () => slotClient?.disconnect() };
}

function whenReady(c: Redis, timeoutMs: number): Promise<void> {
  if (c.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      c.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    c.once('ready', done);
  });
}

function wrap(kind: LimitKind, limit: number, windowS: number | null, rl: RateLimiterAbstract, inMemory: boolean): Limiter {
  const resetOf = (r: RateLimiterRes) => (windowS === null ? 0 : Math.max(r.msBeforeNext, 0));
  const give = async (userId: string, points: number) => {
    if (points <= 0) return;
    if (!inMemory) {
      await rl.reward(userId, points); // the script clamps at zero and never creates the key
      return;
    }
    // In memory: clamp by hand (one process, nothing runs between the two calls but other microtasks' takes).
    const now = await rl.get(userId);
    if (now && now.consumedPoints > 0) await rl.reward(userId, Math.min(points, now.consumedPoints));
  };
  return {
    kind,
    limit,
    windowS,
    async take(userId, points) {
      try {
        const r = await rl.consume(userId, points);
        return { admitted: true, remaining: r.remainingPoints, resetMs: resetOf(r) };
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        // A refused request leaves nothing behind (if the store fails now, the window's end clears it).
        await give(userId, points).catch(() => undefined);
        return { admitted: false, remaining: Math.max(limit - (err.consumedPoints - points), 0), resetMs: resetOf(err) };
      }
    },
    give,
    async charge(userId, points) {
      if (points > 0) await rl.penalty(userId, points);
    },
  };
}
