-- load_state.lua: write an auction's hot state computed from the database, atomically.
--
-- KEYS[1] auction:{id}            hash: parameters + live state (fields: see place_bid.lua)
-- KEYS[2] auction:{id}:ceilings   hash: bidder id -> ceiling
-- KEYS[3] auction:{id}:events     stream (only written when an event is given)
--
-- ARGV[1] mode: "absent" loads only if KEYS[1] does not exist (two loaders cannot both
--         apply); otherwise the seq the caller computed from: replace only if it still holds
-- ARGV[2] stream max length
-- ARGV[3] S, the number of state field/value items   ARGV[4] E, the number of event items
-- ARGV[5 .. 4+S]           state fields and values (without "seq" when an event is given)
-- ARGV[5+S .. 4+S+E]       event fields and values (the script adds "seq")
-- ARGV[5+S+E ..]           ceiling bidder/value pairs
--
-- Returns {"LOADED", seq} | {"EXISTS", seq} (absent mode, already there)
--       | {"RETRY", seq} (the seq moved: recompute) ; with an event, seq is the event's seq.

local unpack = unpack or table.unpack
local current = redis.call('HGET', KEYS[1], 'seq')
if ARGV[1] == 'absent' then
  if current then return {'EXISTS', current} end
elseif current ~= ARGV[1] then
  return {'RETRY', current or ''}
end

local s, e = tonumber(ARGV[3]), tonumber(ARGV[4])
local state, event, ceilings = {}, {}, {}
for i = 5, 4 + s do state[#state + 1] = ARGV[i] end
for i = 5 + s, 4 + s + e do event[#event + 1] = ARGV[i] end
for i = 5 + s + e, #ARGV do ceilings[#ceilings + 1] = ARGV[i] end

redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], unpack(state))
if #ceilings > 0 then redis.call('HSET', KEYS[2], unpack(ceilings)) end
local seq = redis.call('HGET', KEYS[1], 'seq')
if e > 0 then
  seq = string.format('%d', tonumber(ARGV[1]) + 1)
  event[#event + 1] = 'seq'
  event[#event + 1] = seq
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], seq .. '-0', unpack(event))
  redis.call('HSET', KEYS[1], 'seq', seq)
end
return {'LOADED', seq}
