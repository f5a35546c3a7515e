-- lifecycle.lua: close (settle) or cancel one auction atomically against Redis TIME.
--
-- A bid racing the close is ordered by Redis: either it ran first (and is in the result) or
-- it sees status "ended" and is refused AUCTION_ENDED.
--
-- KEYS[1] auction:{id}          hash (fields: see place_bid.lua)
-- KEYS[2] auction:{id}:events   stream, entry id "<seq>-0"
-- KEYS[3] auction:{id}:ceilings hash (only given an expiry here)
-- ARGV[1] "close" | "cancel"    ARGV[2] stream max length    ARGV[3] cancel reason
-- ARGV[4] seconds the closed auction's keys live on (then reloaded from the database)
-- ARGV[5] cancel: "1" to cancel only while nobody has bid (the seller's cancel), else ""
--
-- Returns {"MISSING"}                      no hot state: load it and call again
--       | {"OK", fields}                   closed or cancelled now; fields = the stream entry
--       | {"DONE", es}                     close: already closed, its ended event is seq es
--       | {"NOT_DUE", en}                  close: the (effective) end en has not passed
--       | {"REFUSED", code}                AUCTION_ENDED (cancel after the end) or
--                                          AUCTION_NOT_OPEN (close/cancel of a cancelled or
--                                          unpublished auction that cannot end) or
--                                          HAS_BIDS (cancel with ARGV[5] "1" after a bid)

local unpack = unpack or table.unpack
local h = redis.call('HMGET', KEYS[1], 'st', 'en', 'seq', 'pr', 'n', 'ld', 'lh', 'rs', 'bo',
  'es')
if not h[1] then return {'MISSING'} end
local status, ends, seq = h[1], tonumber(h[2]), tonumber(h[3])
local bought = h[9] == '1'
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function fmt(x)
  return string.format('%d', x)
end

if ARGV[1] == 'close' then
  if status == 'ended' then return {'DONE', h[10] or ''} end
  if status ~= 'scheduled' then return {'REFUSED', 'AUCTION_NOT_OPEN'} end
  if now < ends and not bought then return {'NOT_DUE', h[2]} end
  local price, count, reserve = tonumber(h[4]), tonumber(h[5]), tonumber(h[8])
  local met = bought or reserve == nil or price >= reserve
  local winner, handle, final = '', '', ''
  if count > 0 and h[6] and h[6] ~= '' then
    final = fmt(price)
    if met then winner, handle = h[6], h[7] or '' end
  end
  seq = seq + 1
  local fields = {'t', 'ended', 'seq', fmt(seq), 'w', winner, 'wh', handle, 'fp', final,
    'rm', met and '1' or '0', 'at', fmt(now), 'e', fmt(math.min(ends, now))}
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], fmt(seq) .. '-0', unpack(fields))
  redis.call('HSET', KEYS[1], 'st', 'ended', 'seq', fmt(seq), 'es', fmt(seq))
  for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
  return {'OK', fields}
end

if status == 'ended' then return {'REFUSED', 'AUCTION_ENDED'} end
if status == 'cancelled' then return {'REFUSED', 'AUCTION_NOT_OPEN'} end
if status == 'scheduled' and (bought or now >= ends) then
  return {'REFUSED', 'AUCTION_ENDED'}
end
-- Checked here, not by the caller: a bid can only land before this script or after it.
if ARGV[5] == '1' and (tonumber(h[5]) or 0) > 0 then return {'REFUSED', 'HAS_BIDS'} end
seq = seq + 1
local fields = {'t', 'cancelled', 'seq', fmt(seq), 'reason', ARGV[3], 'at', fmt(now)}
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], fmt(seq) .. '-0', unpack(fields))
redis.call('HSET', KEYS[1], 'st', 'cancelled', 'seq', fmt(seq))
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
return {'OK', fields}
