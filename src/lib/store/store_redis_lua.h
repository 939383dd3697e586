/*
 * store_redis_lua: the Lua scripts the Redis backend runs (store_redis.c
 * includes this once, nothing else does). Each operation is one EVAL, so
 * it is one atomic step of the server however many nodes share it.
 * Keys: PREFIX "r:NS:KEY" records (PREFIX "i:NS" indexes a namespace's
 * members, scored by expiry), PREFIX "c:KEY" counters (a hash: bucket ->
 * count).
 */
#ifndef VOUCH_STORE_REDIS_LUA_H
#define VOUCH_STORE_REDIS_LUA_H

static const char LUA_GET[] = "local v = redis.call('GET', KEYS[1]) "
                              "if not v then return false end "
                              "return {v, redis.call('EXPIRETIME', KEYS[1])}";
/* ARGV: value, expires (0 never), member, only-if-absent, now */
static const char LUA_PUT[] =
    "local e = tonumber(ARGV[2]) "
    "if ARGV[4] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end "
    "if e == 0 then "
    "  redis.call('SET', KEYS[1], ARGV[1]) redis.call('ZADD', KEYS[2], '+inf', ARGV[3]) "
    "elseif e <= tonumber(ARGV[5]) then "
    "  redis.call('DEL', KEYS[1]) redis.call('ZREM', KEYS[2], ARGV[3]) "
    "else "
    "  redis.call('SET', KEYS[1], ARGV[1], 'EXAT', ARGV[2]) "
    "  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3]) "
    "end "
    "return 1";
static const char LUA_DEL[] = "redis.call('DEL', KEYS[1]) redis.call('ZREM', KEYS[2], ARGV[1]) "
                              "return 0";
/* ARGV: now, the records' key prefix */
static const char LUA_LIST[] = "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1]) "
                               "local out = {} "
                               "for _, k in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do "
                               "  local v = redis.call('GET', ARGV[2] .. k) "
                               "  if v then "
                               "    local e = redis.call('EXPIRETIME', ARGV[2] .. k) "
                               "    if e < 0 then e = 0 end "
                               "    out[#out + 1] = k out[#out + 1] = v out[#out + 1] = e "
                               "  else redis.call('ZREM', KEYS[1], k) end "
                               "end "
                               "return out";
/* ARGV: bucket, n, ttl */
static const char LUA_CADD[] = "redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2]) "
                               "redis.call('EXPIRE', KEYS[1], ARGV[3]) return 0";
#define LUA_SUM_FN \
	"local function sum(from) local t = redis.call('HGETALL', KEYS[1]) local s = 0 " \
	"for i = 1, #t, 2 do if tonumber(t[i]) >= from then s = s + tonumber(t[i + 1]) end " \
	"end return s end "
/* ARGV: from */
static const char LUA_CSUM[] = LUA_SUM_FN "return sum(tonumber(ARGV[1]))";
/* ARGV: bucket, n, from, limit, ttl */
static const char LUA_RESERVE[] =
    LUA_SUM_FN "local n = tonumber(ARGV[2]) local from = tonumber(ARGV[3]) "
               "local cur = sum(from) "
               "if n > 0 and cur + n > tonumber(ARGV[4]) then return {0, cur} end "
               "if redis.call('HINCRBY', KEYS[1], ARGV[1], n) < 0 then "
               "  redis.call('HSET', KEYS[1], ARGV[1], 0) end "
               "redis.call('EXPIRE', KEYS[1], ARGV[5]) "
               "return {1, sum(from)}";

#endif
