-- refresh_params.lua: copy a listing's edited parameters into its hot state, keeping live state.
--
-- KEYS[1] auction:{id}   hash (fields: see place_bid.lua)
-- ARGV[1] uv (updated_at ms)  ARGV[2] st  ARGV[3] sp  ARGV[4] en  ARGV[5] hc  ARGV[6] ew
-- ARGV[7] p0  ARGV[8] rs  ARGV[9] bn  ARGV[10] inc
--
-- A closed ("ended") or cancelled hot state keeps its status: the database may lag behind it.
-- The effective end follows the listing only while there is no bid (bids may have extended it).
-- Returns 1 when refreshed, 0 when there is no hot state (the next use loads it).

local h = redis.call('HMGET', KEYS[1], 'st', 'n', 'uv')
if not h[1] then return 0 end
if (tonumber(h[3]) or 0) >= tonumber(ARGV[1]) then return 1 end
local status = ARGV[2]
if h[1] == 'ended' or h[1] == 'cancelled' then status = h[1] end
redis.call('HSET', KEYS[1], 'uv', ARGV[1], 'st', status, 'sp', ARGV[3], 'hc', ARGV[5],
  'ew', ARGV[6], 'p0', ARGV[7], 'rs', ARGV[8], 'bn', ARGV[9], 'inc', ARGV[10])
if tonumber(h[2]) == 0 then
  redis.call('HSET', KEYS[1], 'en', ARGV[4], 'pr', ARGV[7])
end
return 1
