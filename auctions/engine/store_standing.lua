-- Store a bidder's standing unless the user changed since it was read.
--
-- KEYS[1] standing hash, KEYS[2] its generation counter (both under the user's hash tag)
-- ARGV[1] the generation read before the database read ("" when the counter was absent)
-- ARGV[2] TTL in seconds; ARGV[3..] field, value, field, value, ...
-- Returns 1 when stored, 0 when the user changed meanwhile (the copy is stale: not stored).
local gen = redis.call('GET', KEYS[2]) or ''
if gen ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
