import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RedisOptions {
  url: string;
  /** A command not answered within this many ms rejects: callers fail open instead of waiting. */
  commandTimeoutMs: number;
  logger: Logger;
}

/**
 * The one Redis connection of a process, shared by the rate limiter and the caches. It fails fast
 * rather than queueing: while Redis is down every command rejects at once (no offline queue, no
 * per-command retries), and the connection keeps retrying in the background.
 */
export function openRedis(o: RedisOptions): Redis {
  const redis = new Redis(o.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: o.commandTimeoutMs,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2_000),
    lazyConnect: false,
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return; // one line per outage, not one per reconnect attempt
    down = true;
    o.logger.warn({ err: err.message }, 'redis unavailable: rate limits fail open and caches are bypassed until it is back');
  });
  redis.on('ready', () => {
    if (down) o.logger.info('redis reachable again');
    down = false;
  });
  return redis;
}

/** Closes the connection without waiting on a Redis that is down. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    await redis.quit().catch(() => redis.disconnect());
  } else {
    redis.disconnect();
  }
}
