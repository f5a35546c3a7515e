-- refresh_params.lua: copy a listing's edited parameters into its hot state, keeping live state.
--
-- KEYS[1] auction:{id}   hash (fields: see place_bid.lua; "le" is the listed end, which "en"
--                        leaves behind once a bid extends it)
-- ARGV[1] uv (updated_at ms)  ARGV[2] st  ARGV[3] sp  ARGV[4] en (listed)  ARGV[5] hc
-- ARGV[6] ew  ARGV[7] p0  ARGV[8] rs  ARGV[9] bn  ARGV[10] inc
-- ARGV[11] mode: "full" (after the edit committed: status, stamp and parameters) or "params"
--          (inside the editing transaction: parameters only; status and stamp untouched)
--
-- Once there is a bid the parameters are frozen (bids were placed under them): only the status
-- and the stamp still change. Deciding that here makes an edit and a bid ordered by Redis:
-- either the edit's parameters are in before the bid, or the edit finds the bid.
-- A closed ("ended") or cancelled hot state keeps its status: the database may lag behind it.
--
-- Returns {"MISSING"}  no hot state (the next use loads it from the database)
--       | {"OK"}       parameters copied (or, full mode, an older refresh ignored)
--       | {"FROZEN", sp, le, hc, ew, p0, rs, bn, inc}
--                      someone has bid: the parameters kept, as stored (le "" if unknown)

local h = redis.call('HMGET', KEYS[1], 'st', 'n', 'uv', 'sp', 'le', 'hc', 'ew', 'p0', 'rs',
  'bn', 'inc')
if not h[1] then return {'MISSING'} end
local full = ARGV[11] ~= 'params'
local newer = (tonumber(h[3]) or 0) < tonumber(ARGV[1])
if full and newer then
  local status = ARGV[2]
  if h[1] == 'ended' or h[1] == 'cancelled' then status = h[1] end
  redis.call('HSET', KEYS[1], 'uv', ARGV[1], 'st', status)
end
if (tonumber(h[2]) or 0) > 0 then
  return {'FROZEN', h[4] or '', h[5] or '', h[6] or '', h[7] or '', h[8] or '', h[9] or '',
    h[10] or '', h[11] or ''}
end
if full and not newer then return {'OK'} end
redis.call('HSET', KEYS[1], 'sp', ARGV[3], 'en', ARGV[4], 'le', ARGV[4], 'hc', ARGV[5],
  'ew', ARGV[6], 'p0', ARGV[7], 'rs', ARGV[8], 'bn', ARGV[9], 'inc', ARGV[10], 'pr', ARGV[7])
return {'OK'}
