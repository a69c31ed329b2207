-- Hold seats, all or nothing, in one atomic step.
-- KEYS: 1 loaded marker, 2 held zset (seat -> expiry ms), 3 user zset, 4 hold record, 5 seat log,
--       6 owned hash (user -> booked seats they hold), 7 the code's uses (zset: owner -> until ms,
--       the booked score once paid; read only with a code), then per seat, in the order of the seat
--       ids in ARGV: its lock key (value: hold id) and its section's tier zset (seat -> tier band +
--       until ms: a seat live at a counted tier; see below), then the reservations hash (seat ->
--       'until ms,code': seats set aside for a presale's access code; reserve.lua), the waiting
--       room's revoked and shopping sets of the caller's line (qgone, qdone: queue.lua), and last
--       the user's write counter of this window (its name carries the window's number).
-- ARGV: 1 hold id, 2 user id, 3 now ms, 4 expiry ms, 5 seat cap, 6 event id, 7 log max length,
--       8 ticket cap (held, pending and held tickets in all; 0: none), 9 the code's max uses (0: no
--       code), 10 the code, 11 its percent off, 12 its amount off, 13 the tier band,
--       14 writes allowed per window (0: do not count this call), 15 the window ms, 16 ms left in
--       it, 17 when the caller's admission began (ms; -1: no waiting room), then the n seat ids,
--       then n price plans, one per seat: its section's tiers in order, each
--       'tier,untilSold,until ms,price' (0: no count, no end), joined by ';', then '|' and the
--       section's own price (a plan without tiers is the price alone).
-- A seat live at counted tier j has the score j * band + until ms in its section's tier zset (the
-- band is beyond any time in ms), so the live seats at tier j are those scored between j * band +
-- now and (j + 1) * band; a paid one stays at the band's top.
-- Returns {'OK', prices, tiers} (comma lists, one entry per seat; tier 0: the section's own price) |
-- {'BUSY', seat...} | {'LIMIT', current} | {'TICKETS', current} | {'EXHAUSTED'} | {'NOT_LOADED'} |
-- {'CLOSED'} (a cancelled event: block.lua closed it) | {'LIMITED', ms to the next window} |
-- {'REVOKED'} (the caller's admission was taken back).
-- The write is counted first, whatever the hold comes to (as every write is).
if tonumber(ARGV[14]) > 0 and not within_window(KEYS[#KEYS], ARGV[14], ARGV[15]) then
  return {'LIMITED', ARGV[16]}
end
local loaded = redis.call('GET', KEYS[1])
if not loaded then
  return {'NOT_LOADED'}
elseif loaded == 'closed' then
  return {'CLOSED'}
end
local now, exp = tonumber(ARGV[3]), tonumber(ARGV[4])
local n = (#KEYS - 11) / 2
local R = KEYS[#KEYS - 3]
local S, band = 17, tonumber(ARGV[13])
-- A buyer the waiting room let in holds only while the admission stands (the pass's signature and
-- expiry were checked by the caller; a removal is known here).
local admitted = tonumber(ARGV[17])
if admitted >= 0 and redis.call('ZSCORE', KEYS[#KEYS - 2], ARGV[2]) then
  return {'REVOKED'}
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local mine = redis.call('ZCARD', KEYS[3])
if mine + n > tonumber(ARGV[5]) then
  return {'LIMIT', tostring(mine)}
end
local tickets = tonumber(ARGV[8])
if tickets > 0 then
  local all = mine + tonumber(redis.call('HGET', KEYS[6], ARGV[2]) or '0')
  if all + n > tickets then
    return {'TICKETS', tostring(all)}
  end
end
-- A use of the code is live while its hold or unpaid order is; a lapsed one is given back here.
local uses = tonumber(ARGV[9])
if uses > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', now)
  if redis.call('ZCARD', KEYS[7]) >= uses then
    return {'EXHAUSTED'}
  end
end
-- A seat is busy while its lock lives and the map has it taken past `now`: the caller's clock
-- decides when a hold lapsed, as it does for every read of the map (a lapsed hold the sweep took
-- off the map is free, whatever is left of its lock). A seat reserved for a code until after `now`
-- is busy to every hold but one naming that code (ARGV[10]).
local busy = {}
local reserved = redis.call('EXISTS', R) == 1
for i = 1, n do
  if reserved then
    local r = redis.call('HGET', R, ARGV[S + i])
    if r then
      local until_ms, code = string.match(r, '^(%d+),(.*)$')
      if tonumber(until_ms) > now and code ~= ARGV[10] then
        busy[#busy + 1] = ARGV[S + i]
      end
    end
  end
  if redis.call('EXISTS', KEYS[6 + 2 * i]) == 1 then
    local until_ms = redis.call('ZSCORE', KEYS[2], ARGV[S + i])
    if until_ms and tonumber(until_ms) > now and busy[#busy] ~= ARGV[S + i] then
      busy[#busy + 1] = ARGV[S + i]
    end
  end
end
if #busy > 0 then
  return {'BUSY', unpack(busy)}
end
-- The price of a seat: the first tier of its plan whose end and count are not reached, counting
-- the seats this hold has just taken; a counted tier then has the seat.
local function price(seat, tiers, plan)
  redis.call('ZREM', tiers, seat)
  local steps, own = string.match(plan, '^(.*)|(%d+)$')
  if not steps then
    return plan, 0
  end
  for j, cap, until_ms, p in string.gmatch(steps, '(%d+),(%d+),(%d+),(%d+)') do
    j, cap, until_ms = tonumber(j), tonumber(cap), tonumber(until_ms)
    if until_ms == 0 or now < until_ms then
      if cap == 0 then
        return p, j
      end
      local floor = j * band
      redis.call('ZREMRANGEBYSCORE', tiers, floor, floor + now)
      if redis.call('ZCOUNT', tiers, '(' .. (floor + now), floor + band - 1) < cap then
        redis.call('ZADD', tiers, floor + exp, seat)
        return p, j
      end
    end
  end
  return own, 0
end
local seats, lapsed, prices, tiers = {}, {}, {}, {}
for i = 1, n do
  local seat = ARGV[S + i]
  seats[i] = seat
  local old = redis.call('ZSCORE', KEYS[2], seat)
  if old and tonumber(old) <= now then
    lapsed[#lapsed + 1] = seat
  end
  prices[i], tiers[i] = price(seat, KEYS[7 + 2 * i], ARGV[S + n + i])
  redis.call('SET', KEYS[6 + 2 * i], ARGV[1], 'PXAT', exp)
  redis.call('ZADD', KEYS[2], exp, seat)
  redis.call('ZADD', KEYS[3], exp, seat)
end
local list = table.concat(seats, ',')
local price_list, tier_list = table.concat(prices, ','), table.concat(tiers, ',')
redis.call('HSET', KEYS[4], 'eventId', ARGV[6], 'userId', ARGV[2], 'seats', list, 'createdAt', now, 'expiresAt', exp,
  'prices', price_list, 'tiers', tier_list)
if uses > 0 then
  redis.call('ZADD', KEYS[7], exp, ARGV[1])
  redis.call('HSET', KEYS[4], 'code', ARGV[10], 'percentOff', ARGV[11], 'amountOff', ARGV[12])
end
redis.call('PEXPIREAT', KEYS[4], exp)
-- The seat log is the hold path's outbox: a relay moves it to Kafka (`seat.events`).
if #lapsed > 0 then
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[7], '*', 'type', 'SeatsReleased', 'eventId', ARGV[6],
    'seats', table.concat(lapsed, ','), 'at', now)
end
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[7], '*', 'type', 'SeatsHeld', 'eventId', ARGV[6],
  'seats', list, 'holdId', ARGV[1], 'userId', ARGV[2], 'at', now)
-- The buyer shops now: no longer counted against the seats left for admission.
if admitted >= 0 then
  redis.call('ZADD', KEYS[#KEYS - 1], 'NX', admitted, ARGV[2])
end
return {'OK', price_list, tier_list}
