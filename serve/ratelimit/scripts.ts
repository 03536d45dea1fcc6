/**
 * Lua for rate-limiter-flexible's RateLimiterRedis (its `customIncrTtlLuaScript`: KEYS[1] the key, ARGV[1] the
 * points to add, negative to give back, ARGV[2] the key's lifetime in s; returns {count, pttl}).
 *
 * Both differ from the library's own script in one way: giving points back never creates a key nor takes it
 * below zero. A refund that arrives after its window ended (a turn settled in the next minute, a slot released
 * after its key expired) would otherwise leave a negative count, i.e. extra budget nobody was granted.
 */

/** Fixed windows (requests, tokens per minute): the lifetime is set when the key is created and never moved. */
export const WINDOW_SCRIPT = `
local delta = tonumber(ARGV[1])
if delta < 0 then
  if redis.call('exists', KEYS[1]) == 0 then return {0, 0} end
  local n = redis.call('incrby', KEYS[1], delta)
  if n < 0 then n = redis.call('incrby', KEYS[1], -n) end
  return {n, redis.call('pttl', KEYS[1])}
end
redis.call('set', KEYS[1], 0, 'EX', ARGV[2], 'NX')
local n = redis.call('incrby', KEYS[1], delta)
local ttl = redis.call('pttl', KEYS[1])
if ttl == -1 then
  redis.call('expire', KEYS[1], ARGV[2])
  ttl = 1000 * ARGV[2]
end
return {n, ttl}
`;

/**
 * Slots (streams open at once): every change pushes the lifetime out again, so the key lives while its user is
 * active and only expires ARGV[2] s after the last admission or release: the slots of an instance that died
 * without releasing them come back then.
 */
export const SLOT_SCRIPT = `
local delta = tonumber(ARGV[1])
if delta < 0 and redis.call('exists', KEYS[1]) == 0 then return {0, 0} end
local n = redis.call('incrby', KEYS[1], delta)
if n < 0 then n = redis.call('incrby', KEYS[1], -n) end
redis.call('expire', KEYS[1], ARGV[2])
return {n, redis.call('pttl', KEYS[1])}
`;
