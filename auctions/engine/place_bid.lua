-- place_bid.lua: apply one bid (or buy-it-now) to one auction atomically (docs/design.md §2, §3).
--
-- The same rules as auctions/engine/rules.py, kept incrementally: the leader's ceiling, the
-- highest other ceiling ("sc") and the amount the leader bid when taking the lead. Time is Redis
-- TIME in milliseconds. Touches only the keys below, all hash-tagged by the auction.
--
-- KEYS[1] auction:{id}              hash: parameters + live state (fields below)
-- KEYS[2] auction:{id}:ceilings     hash: bidder id -> ceiling
-- KEYS[3] auction:{id}:events       stream, entry id "<seq>-0", one field "d" (packed), trimmed
--                                   MAXLEN ~ ARGV[8]
-- KEYS[4] auction:{id}:req:<b>:<r>  string: the first final answer to this (bidder, request_id)
-- KEYS[5] {sale:<s>}:registrations  only for a lot of a sale (every key above then on the tag
--                                   {sale:<s>}): hash bidder id -> "a" approved, "a:<limit>"
--                                   approved with a credit limit, anything else not approved;
--                                   field "_loaded" once loaded from the database
--
-- State hash fields: st stored status ("scheduled" is the only one open by the clock; "ended"
-- once closed), sp starts ms, en effective end ms, hc hard close ms or "", ew extension ms,
-- p0 starting price, rs reserve or "", bn buy-now price or "", inc increment spec
-- ("<below>:<step>,...,*:<step>"), uv the row's updated_at ms; live: seq, pr price, n bid count,
-- ld leader id, lh leader handle, lm leader ceiling, la leader's amount on taking the lead,
-- sc highest other ceiling, bo "1" once bought, es the ended event's seq.
--
-- ARGV[1] bidder id            ARGV[2] bidder's masked handle
-- ARGV[3] kind: "bid" | "buy_now"
-- ARGV[4] amount in minor units, or "" (a maximum alone: the leader raising it, anyone else
--         bidding the minimum with it)
-- ARGV[5] max_amount in minor units, or ""
-- ARGV[6] request_id           ARGV[7] request record TTL (s)   ARGV[8] stream max length
-- ARGV[9] the caller's Auction.updated_at in ms, or "" (newer than the hot state's => STALE)
--
-- Returns one of:
--   {"MISSING"}                        no hot state (or, for a lot, no loaded registrations):
--                                      load them from the database and call again
--   {"STALE"}                          the listing changed since it was loaded: refresh the
--                                      parameters (refresh_params.lua) and call again
--   {"OK", bid_entry, ext_entry, leader_max, has_reserve, bought}
--                                      accepted; *_entry are the packed stream entries
--                                      ("bid|<seq>|<bidder>|..." and "extended|<seq>|<end>|<at>",
--                                      ext_entry "" if none), fields in this order (the table in
--                                      records.py, checked by a test):
--     bid:      t seq b h k a m p at n mb l lh rm e bn pl r
--     extended: t seq e at
--   {"DUP", "OK", bid_seq, "<ext_seq>:<leader>"}
--                                      this request was accepted before (ext_seq "0" if none;
--                                      leader: the leader right after it)
--   {"DUP", "ERR", code, min_bid}      this request was refused before, with this answer
--   {"ERR", code, min_bid}             refused now; code is AUCTION_NOT_OPEN, AUCTION_ENDED,
--                                      NOT_REGISTERED (a lot, and the bidder not approved for
--                                      its sale), BID_TOO_LOW (min_bid set), INVALID_AMOUNT,
--                                      NOT_ALLOWED (buy-it-now no longer offered); min_bid ""
--                                      otherwise
-- Every final answer (OK or ERR) is stored in KEYS[4]; MISSING and STALE are not answers.

local function fmt(x)
  return string.format('%d', x)
end

local function num(v)
  if v == false or v == nil or v == '' then return nil end
  return tonumber(v)
end

local cached = redis.call('GET', KEYS[4])
if cached then
  local outcome, first, second_part = string.match(cached, '^([^|]*)|([^|]*)|(.*)$')
  return {'DUP', outcome, first, second_part}
end

local h = redis.call('HMGET', KEYS[1], 'st', 'sp', 'en', 'hc', 'ew', 'p0', 'rs', 'bn', 'inc',
  'seq', 'pr', 'n', 'ld', 'lh', 'lm', 'la', 'sc', 'bo', 'uv')
if not h[1] then
  return {'MISSING'}
end
if ARGV[9] ~= '' and (tonumber(h[19]) or 0) < tonumber(ARGV[9]) then
  return {'STALE'}
end
local registration = nil
if KEYS[5] then
  local r = redis.call('HMGET', KEYS[5], '_loaded', ARGV[1])
  if not r[1] then
    return {'MISSING'}
  end
  registration = r[2] or ''
end

local status = h[1]
local starts, ends, hard, window = tonumber(h[2]), tonumber(h[3]), num(h[4]), tonumber(h[5])
local start_price, reserve, buy_now = tonumber(h[6]), num(h[7]), num(h[8])
local inc_spec = h[9]
local seq, price, count = tonumber(h[10]), tonumber(h[11]), tonumber(h[12])
local leader, leader_handle = num(h[13]), h[14] or ''
local leader_max, leader_amount, second = num(h[15]), num(h[16]), num(h[17])
local bought = h[18] == '1'

local bidder, handle, kind = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local amount, max_amount = num(ARGV[4]), num(ARGV[5])

local function increment_at(p)
  for below, step in string.gmatch(inc_spec, '([^:,]+):([^,]+)') do
    if below == '*' or p < tonumber(below) then
      return tonumber(step)
    end
  end
  return 1
end

local function min_bid_now()
  if leader == nil then return start_price end
  return price + increment_at(price)
end

local function reserve_met()
  return bought or reserve == nil or price >= reserve
end

local function buy_now_available()
  if buy_now == nil or bought then return false end
  if count == 0 then return true end
  return reserve ~= nil and not reserve_met() and price < buy_now
end

local function answer(code, min_bid)
  local mb = ''
  if min_bid then mb = fmt(min_bid) end
  redis.call('SET', KEYS[4], 'ERR|' .. code .. '|' .. mb, 'EX', ARGV[7])
  return {'ERR', code, mb}
end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

if status == 'ended' then return answer('AUCTION_ENDED') end
if status ~= 'scheduled' then return answer('AUCTION_NOT_OPEN') end
if now < starts then return answer('AUCTION_NOT_OPEN') end
if bought or now >= ends then return answer('AUCTION_ENDED') end
if registration ~= nil and string.sub(registration, 1, 1) ~= 'a' then
  return answer('NOT_REGISTERED')
end

local is_leader = leader ~= nil and bidder == leader
local old_ends = ends
local previous_leader = leader
local placed_amount = amount

if kind == 'buy_now' then
  if not buy_now_available() then return answer('NOT_ALLOWED') end
  local previous = num(redis.call('HGET', KEYS[2], ARGV[1])) or 0
  local ceiling = math.max(previous, buy_now)
  redis.call('HSET', KEYS[2], ARGV[1], fmt(ceiling))
  if not is_leader and leader_max ~= nil then second = leader_max end
  price, leader, leader_handle, leader_max, leader_amount = buy_now, bidder, handle, ceiling, buy_now
  bought, ends = true, now
  placed_amount = buy_now
else
  if amount == nil and max_amount == nil then return answer('INVALID_AMOUNT') end
  if amount ~= nil and max_amount ~= nil and max_amount < amount then
    return answer('INVALID_AMOUNT')
  end
  local offered = math.max(amount or 0, max_amount or 0)
  local min_bid = min_bid_now()
  if is_leader then
    local needed = math.max(min_bid, leader_max + 1)
    if offered < needed then return answer('BID_TOO_LOW', needed) end
    leader_max = offered
    redis.call('HSET', KEYS[2], ARGV[1], fmt(offered))
  else
    if amount == nil then
      -- A maximum alone bids the minimum with that maximum (as eBay does).
      if max_amount < min_bid then return answer('BID_TOO_LOW', min_bid) end
      amount = min_bid
      placed_amount = amount
    end
    if amount < min_bid then return answer('BID_TOO_LOW', min_bid) end
    redis.call('HSET', KEYS[2], ARGV[1], fmt(offered))
    if leader == nil then
      leader, leader_handle, leader_max, leader_amount = bidder, handle, offered, amount
      price = amount
    elseif offered > leader_max then
      second = leader_max
      leader, leader_handle, leader_max, leader_amount = bidder, handle, offered, amount
      price = math.max(amount, math.min(offered, second + increment_at(second)))
    else
      if second == nil or offered > second then second = offered end
      price = math.max(leader_amount, math.min(leader_max, second + increment_at(second)))
    end
  end
  if reserve ~= nil and leader_max >= reserve and price < reserve then
    price = reserve
  end
  if window > 0 and now + window > ends then
    local new_end = now + window
    if hard ~= nil and new_end > hard then new_end = hard end
    if new_end > ends then ends = new_end end
  end
end

count = count + 1
seq = seq + 1
local bid_seq = seq
local rmet = '0'
if reserve_met() then rmet = '1' end
local bn_now = ''
if buy_now_available() then bn_now = fmt(buy_now) end
local second_text = ''
if second ~= nil then second_text = fmt(second) end
local bought_text = '0'
if bought then bought_text = '1' end

-- Stream entries are one packed field (cheaper to append and to return than a field per
-- value); records.py unpacks them. The request id goes last: it is the only free text.
local bid_entry = table.concat({
  'bid', fmt(bid_seq), ARGV[1], handle, kind, placed_amount and fmt(placed_amount) or '',
  ARGV[5], fmt(price), fmt(now), fmt(count), fmt(min_bid_now()), fmt(leader), leader_handle,
  rmet, fmt(ends), bn_now, previous_leader and fmt(previous_leader) or '', ARGV[6],
}, '|')
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[8], fmt(bid_seq) .. '-0', 'd', bid_entry)

local ext_entry = ''
local ext_seq = '0'
if kind ~= 'buy_now' and ends > old_ends then
  seq = seq + 1
  ext_seq = fmt(seq)
  ext_entry = table.concat({'extended', ext_seq, fmt(ends), fmt(now)}, '|')
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[8], ext_seq .. '-0', 'd', ext_entry)
end

redis.call('HSET', KEYS[1], 'seq', fmt(seq), 'pr', fmt(price), 'n', fmt(count),
  'ld', fmt(leader), 'lh', leader_handle, 'lm', fmt(leader_max), 'la', fmt(leader_amount),
  'sc', second_text, 'bo', bought_text, 'en', fmt(ends))
redis.call('SET', KEYS[4], 'OK|' .. fmt(bid_seq) .. '|' .. ext_seq .. ':' .. fmt(leader),
  'EX', ARGV[7])
return {'OK', bid_entry, ext_entry, fmt(leader_max), reserve and '1' or '0', bought_text}
