-- presence.lua: refresh, drop or count the live viewers of one auction 
-- (docs/design.md §4 `viewers`).
--
-- KEYS[1] auction:{id}:viewers   sorted set: member "<process>|<channel>", score = Redis TIME
-- ARGV[1] TTL in seconds         ARGV[2] "add" | "rem" | "count"      ARGV[3..] members
--
-- Stamps with Redis TIME so every process agrees on "recent"; members not refreshed within the
-- TTL (a process that died) age out. Returns the number of members refreshed within the TTL.

local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local ttl = tonumber(ARGV[1])
for i = 3, #ARGV do
  if ARGV[2] == 'add' then
    redis.call('ZADD', KEYS[1], now, ARGV[i])
  elseif ARGV[2] == 'rem' then
    redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
if ARGV[2] ~= 'count' then
  redis.call('EXPIRE', KEYS[1], ttl * 2)
end
return redis.call('ZCARD', KEYS[1])
